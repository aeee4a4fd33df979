#include "config.h"
#include "server/stats.h"
#include "shared/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *name;
	const char *help;
} stats_names[STATS_N] = {
	{ "meek_server_requests_total", "HTTP requests read" },
	{ "meek_server_bytes_up_total", "payload bytes client to ORPort" },
	{ "meek_server_bytes_down_total", "payload bytes ORPort to client" },
	{ "meek_server_responses_4xx_total", "4xx answers" },
	{ "meek_server_responses_5xx_total", "5xx answers" },
	{ "meek_server_decoy_requests_total", "requests proxied to --fallback" },
	{ "meek_server_ext_sessions_total", "extension sessions accepted" },
	{ "meek_server_ext_held_total", "streams and long-polls held" },
	{ "meek_server_ext_unheld_total",
	  "downstream requests answered at once, no held worker left" },
	{ "meek_server_ext_resets_total", "RESET frames sent" },
};

void
stats_init(struct stats *s)
{
	for (int i = 0; i < STATS_N; i++)
		atomic_init(&s->c[i], 0);
}

void
stats_add(struct stats *s, enum stats_counter which, unsigned long long n)
{
	if (s != NULL)
		atomic_fetch_add_explicit(&s->c[which], n,
		    memory_order_relaxed);
}

void
stats_snapshot(struct stats *s, struct stats_snapshot *snap)
{
	for (int i = 0; i < STATS_N; i++)
		snap->c[i] = atomic_load_explicit(&s->c[i],
		    memory_order_relaxed);
}

char *
stats_format(const struct stats_snapshot *snap, char *buf, size_t len)
{
	snprintf(buf, len, "stats: sessions %llu open, %llu created, "
	    "%llu expired; %llu requests, %llu bytes up, %llu bytes down, "
	    "%llu 4xx, %llu 5xx, %llu decoy; extension: %llu sessions, "
	    "%llu held, %llu unheld, %llu resets",
	    snap->sessions_open, snap->sessions_created, snap->sessions_expired,
	    snap->c[STATS_REQUESTS], snap->c[STATS_BYTES_UP],
	    snap->c[STATS_BYTES_DOWN], snap->c[STATS_4XX], snap->c[STATS_5XX],
	    snap->c[STATS_DECOY], snap->c[STATS_EXT_OPENED],
	    snap->c[STATS_EXT_HELD], snap->c[STATS_EXT_UNHELD],
	    snap->c[STATS_EXT_RESETS]);
	return buf;
}

int
stats_write_prom(const struct stats_snapshot *snap, const char *path,
    const char **why)
{
	char tmp[4096];
	FILE *f;
	int bad, fd, e;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		*why = "--stats path too long";
		return MEEK_EIO;
	}
	/* 0644 whatever the umask (systemd's UMask=0077): the collector runs
	 * as another user, and the counters are not secret. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		*why = "cannot create the --stats file";
		return MEEK_EIO;
	}
	if (fchmod(fd, 0644) < 0 || (f = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		remove(tmp);
		errno = e;
		*why = "cannot create the --stats file";
		return MEEK_EIO;
	}
	fprintf(f, "# HELP meek_server_sessions_open sessions now open\n"
	    "# TYPE meek_server_sessions_open gauge\n"
	    "meek_server_sessions_open %llu\n", snap->sessions_open);
	fprintf(f, "# HELP meek_server_sessions_created_total sessions created\n"
	    "# TYPE meek_server_sessions_created_total counter\n"
	    "meek_server_sessions_created_total %llu\n",
	    snap->sessions_created);
	fprintf(f, "# HELP meek_server_sessions_expired_total sessions closed "
	    "for idleness\n"
	    "# TYPE meek_server_sessions_expired_total counter\n"
	    "meek_server_sessions_expired_total %llu\n",
	    snap->sessions_expired);
	for (int i = 0; i < STATS_N; i++)
		fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
		    stats_names[i].name, stats_names[i].help,
		    stats_names[i].name, stats_names[i].name, snap->c[i]);
	bad = ferror(f);
	e = bad ? errno : 0;
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		if (!bad)
			e = errno;
		remove(tmp);
		errno = e;
		*why = "cannot write the --stats file";
		return MEEK_EIO;
	}
	return 0;
}
