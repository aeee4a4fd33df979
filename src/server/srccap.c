#include "config.h"
#include "server/srccap.h"
#include "shared/rand.h"

#include <stddef.h>
#include <stdint.h>

void
srccap_init(struct srccap *c, int max_sessions, int max_ext)
{
	c->max_sessions = max_sessions;
	c->max_ext = max_ext;
	if (rand_bytes(&c->seed, sizeof c->seed) < 0)
		c->seed = (uint64_t)(uintptr_t)c;
	for (int i = 0; i < SRCCAP_SLOTS; i++) {
		atomic_init(&c->sessions[i], 0);
		atomic_init(&c->ext[i], 0);
	}
}

int
srccap_slot(const struct srccap *c, const char *ip)
{
	/* FNV-1a with a seed: a client cannot aim at another's slot. */
	uint64_t h = 0xcbf29ce484222325ULL ^ c->seed;

	for (const char *p = ip; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 31;
	return (int)(h % SRCCAP_SLOTS);
}

int
srccap_take(atomic_int *which, int slot, int max)
{
	int cur;

	if (slot < 0 || slot >= SRCCAP_SLOTS)
		return 1;
	cur = atomic_load(&which[slot]);
	do {
		if (max > 0 && cur >= max)
			return 0;
	} while (!atomic_compare_exchange_weak(&which[slot], &cur, cur + 1));
	return 1;
}

void
srccap_put(atomic_int *which, int slot)
{
	if (slot >= 0 && slot < SRCCAP_SLOTS)
		atomic_fetch_sub(&which[slot], 1);
}
