#include "config.h"
#include "shared/ptargs.h"
#include "shared/err.h"

#include <stdlib.h>
#include <string.h>

void
ptargs_init(struct ptargs *a)
{
	a->kv = NULL;
	a->n = 0;
}

int
ptargs_add(struct ptargs *a, const char *key, const char *value)
{
	struct ptargs_kv *kv;
	char *k, *v;

	kv = realloc(a->kv, (a->n + 1) * sizeof *kv);
	if (kv == NULL)
		return MEEK_ENOMEM;
	a->kv = kv;
	k = strdup(key);
	v = strdup(value);
	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		return MEEK_ENOMEM;
	}
	kv[a->n].key = k;
	kv[a->n].value = v;
	a->n++;
	return 0;
}

/*
 * Copies s[*i..] into `out` with escapes removed, up to the first unescaped
 * byte in `stops` or the end; leaves *i there.  `out` has room for the whole
 * input, since unescaping only shrinks it.
 */
static int
unescape_until(const char *s, size_t len, size_t *i, const char *stops,
    char *out, const char **why)
{
	size_t o = 0;

	for (; *i < len && strchr(stops, s[*i]) == NULL; (*i)++) {
		if (s[*i] == '\\') {
			if (++*i == len) {
				*why = "trailing backslash in args";
				return MEEK_EPROTO;
			}
		}
		out[o++] = s[*i];
	}
	out[o] = '\0';
	return 0;
}

int
ptargs_parse(struct ptargs *a, const char *s, size_t len, const char **why)
{
	size_t old = a->n, i = 0;
	char *key = NULL, *value = NULL;
	int rc = 0;

	if (len == 0)
		return 0;
	/* The C strings we hand out cannot carry a NUL, so refuse it. */
	if (memchr(s, '\0', len) != NULL) {
		*why = "NUL byte in args";
		return MEEK_EPROTO;
	}
	key = malloc(len + 1);
	value = malloc(len + 1);
	if (key == NULL || value == NULL) {
		rc = MEEK_ENOMEM;
		goto out;
	}
	for (;;) {
		/* ";" ends a key too, so "a;b=c" is an error, not key "a;b". */
		if ((rc = unescape_until(s, len, &i, "=;", key, why)) < 0)
			goto out;
		if (i == len || s[i] != '=') {
			*why = "no '=' in args";
			rc = MEEK_EPROTO;
			goto out;
		}
		i++;
		if ((rc = unescape_until(s, len, &i, ";", value, why)) < 0)
			goto out;
		if (key[0] == '\0') {
			*why = "empty key in args";
			rc = MEEK_EPROTO;
			goto out;
		}
		if ((rc = ptargs_add(a, key, value)) < 0)
			goto out;
		if (i == len)
			break;
		i++; /* the ';'; a trailing one then fails as "no '='" */
	}
out:
	if (rc < 0) {
		while (a->n > old) {
			a->n--;
			free(a->kv[a->n].key);
			free(a->kv[a->n].value);
		}
	}
	free(key);
	free(value);
	return rc;
}

const char *
ptargs_get(const struct ptargs *a, const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->kv[i].key, key) == 0)
			return a->kv[i].value;
	return NULL;
}

void
ptargs_clear(struct ptargs *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->kv[i].key);
		free(a->kv[i].value);
	}
	free(a->kv);
	ptargs_init(a);
}
