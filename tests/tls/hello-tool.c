/*
 * hello-tool: writes one ClientHello record built by tlshello_build (record
 * header 0x16 0x0301 + the handshake message) to stdout, for
 * tests/tls/hello_chromium.sh to compare with Chromium's.
 * usage: hello-tool PROFILE SNI   (PROFILE: chrome or chrome-ws)
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "shared/tlshello.h"

int
main(int argc, char **argv)
{
	static unsigned char rec[5 + TLSHELLO_MAX];
	enum tlshello_profile p;
	struct tlshello h;
	size_t len;

	if (argc != 3 || tlshello_profile_parse(argv[1], &p) != 0) {
		fprintf(stderr, "usage: hello-tool chrome|chrome-ws SNI\n");
		return 2;
	}
	if (tlshello_build(&h, p, argv[2], NULL, NULL, 0, rec + 5, sizeof rec - 5, &len, NULL) != 0) {
		fprintf(stderr, "hello-tool: tlshello_build failed\n");
		return 1;
	}
	tlshello_clear(&h);
	rec[0] = 0x16;
	rec[1] = 0x03;
	rec[2] = 0x01;
	rec[3] = (unsigned char)(len >> 8);
	rec[4] = (unsigned char)len;
	if (fwrite(rec, 1, 5 + len, stdout) != 5 + len || fflush(stdout) != 0)
		return 1;
	return 0;
}
