/*
 * tls-probe: the client TLS engine (shared/tlsclient) from the command
 * line, for the interop tests: what the client saw, and data both ways.
 *
 * usage: tls-probe CA_FILE HOST PORT NAME CONNS [SEND]
 *
 * Opens CONNS connections one after the other to HOST:PORT (TLS name and
 * ticket key NAME, profile chrome-ws), in one process, so that the later
 * ones may resume with the tickets of the earlier ones.  For each: prints
 * "conn I: version=TLS1.3 suite=0x1301 group=0x11ec resumed=yes hrr=no
 * cookie=no ems=no", then, with SEND, writes SEND plus a newline and reads
 * until it has seen that line back (an echo server) or the peer closed,
 * printing "conn I: echoed=yes|no read=N key_updates=K".  A failure prints
 * "conn I: FAIL <why>".  Exit 0 when every connection succeeded (and, with
 * SEND, every echo came back), 1 otherwise, 2 on bad usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/net.h"
#include "shared/tls.h"
#include "shared/tlsclient.h"

#define PROBE_TIMEOUT_MS 60000

static int
probe_one(int i, const struct tls_anchors *ta, const char *host, uint16_t port,
    const char *name, const char *send)
{
	static char buf[65536];
	struct tlsclient *c = NULL;
	struct tlsclient_info in;
	const char *why = NULL;
	char line[4096];
	size_t have = 0, llen;
	int fd, r, echoed = 0;

	fd = net_dial(host, port, PROBE_TIMEOUT_MS, &why);
	if (fd < 0) {
		printf("conn %d: FAIL connect: %s\n", i, why ? why : meek_strerror(fd));
		return 1;
	}
	r = tlsclient_open(&c, fd, ta, name, TLSHELLO_CHROME_WS, PROBE_TIMEOUT_MS, &why);
	if (r < 0) {
		printf("conn %d: FAIL %s (%s)\n", i, why ? why : "-", meek_strerror(r));
		close(fd);
		return 1;
	}
	tlsclient_get_info(c, &in);
	printf("conn %d: version=%s suite=0x%04x group=0x%04x resumed=%s hrr=%s "
	    "cookie=%s ems=%s\n", i,
	    in.version == 0x0304 ? "TLS1.3" : in.version == 0x0303 ? "TLS1.2" : "?",
	    in.cipher_suite, in.group, in.resumed ? "yes" : "no",
	    in.hrr ? "yes" : "no", in.hrr_cookie ? "yes" : "no", in.ems ? "yes" : "no");
	if (send != NULL) {
		llen = (size_t)snprintf(line, sizeof line, "%s\n", send);
		r = tlsclient_write(c, line, llen);
		if (r == 0)
			r = tlsclient_flush(c);
		while (r == 0 && !echoed) {
			long n = tlsclient_read(c, buf + have, sizeof buf - 1 - have);

			if (n < 0) {
				r = (int)n;
				break;
			}
			have += (size_t)n;
			buf[have] = '\0';
			echoed = strstr(buf, line) != NULL;
			if (have == sizeof buf - 1)
				break;
		}
		tlsclient_get_info(c, &in);
		printf("conn %d: echoed=%s read=%zu key_updates=%u%s%s\n", i,
		    echoed ? "yes" : "no", have, in.key_updates,
		    r < 0 ? " end=" : "", r < 0 ? meek_strerror(r) : "");
	}
	tlsclient_free(c);
	close(fd);
	return send != NULL && !echoed;
}

int
main(int argc, char **argv)
{
	struct tls_anchors *ta = NULL;
	const char *why = NULL;
	int i, n, port, bad = 0;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: tls-probe CA_FILE HOST PORT NAME CONNS [SEND]\n");
		return 2;
	}
	port = atoi(argv[3]);
	n = atoi(argv[5]);
	if (port <= 0 || port > 65535 || n <= 0) {
		fprintf(stderr, "tls-probe: bad PORT or CONNS\n");
		return 2;
	}
	if (tls_anchors_load(&ta, argv[1], &why) < 0) {
		fprintf(stderr, "tls-probe: %s: %s\n", argv[1], why ? why : "cannot load");
		return 2;
	}
	for (i = 1; i <= n; i++)
		bad |= probe_one(i, ta, argv[2], (uint16_t)port, argv[4],
		    argc == 7 ? argv[6] : NULL);
	tls_anchors_free(ta);
	return bad ? 1 : 0;
}
