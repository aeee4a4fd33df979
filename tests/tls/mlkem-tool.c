/*
 * mlkem-tool: shared/mlkem driven over stdin/stdout, for
 * tests/tls/mlkem_cross.py (which compares it with python cryptography).
 *
 * One request per line, hex arguments, one answer line each:
 *   keygen D Z        -> EK DK
 *   keygen_random     -> EK DK
 *   encaps EK M       -> CT SS      (or "error CODE")
 *   encaps_random EK  -> CT SS      (or "error CODE")
 *   decaps DK CT      -> SS
 * `mlkem-tool bench [N]` instead times N rounds of each operation.
 */
#include "config.h"
#include "shared/mlkem.h"
#include "tests/tools/tstlib.h"
#include "tests/unit/hexdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
puthex(const unsigned char *p, size_t n, int last)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar(last ? '\n' : ' ');
}

static int
bench(int n)
{
	static unsigned char ek[MLKEM_EK_LEN], dk[MLKEM_DK_LEN], ct[MLKEM_CT_LEN];
	unsigned char ss[MLKEM_SS_LEN], ss2[MLKEM_SS_LEN];
	double t0, t1, t2, t3;
	int i;

	t0 = tst_now();
	for (i = 0; i < n; i++)
		if (mlkem_keygen(ek, dk) != 0)
			return 1;
	t1 = tst_now();
	for (i = 0; i < n; i++)
		if (mlkem_encaps(ct, ss, ek) != 0)
			return 1;
	t2 = tst_now();
	for (i = 0; i < n; i++)
		mlkem_decaps(ss2, ct, dk);
	t3 = tst_now();
	if (memcmp(ss, ss2, sizeof ss) != 0)
		return 1;
	printf("keygen %.1f us, encaps %.1f us, decaps %.1f us, keygen+decaps %.1f us"
	    " (%d rounds)\n", (t1 - t0) / n * 1e6, (t2 - t1) / n * 1e6,
	    (t3 - t2) / n * 1e6, ((t1 - t0) + (t3 - t2)) / n * 1e6, n);
	return 0;
}

int
main(int argc, char **argv)
{
	static unsigned char ek[MLKEM_EK_LEN], dk[MLKEM_DK_LEN], ct[MLKEM_CT_LEN];
	unsigned char d[32], z[32], m[32], ss[MLKEM_SS_LEN];
	char *line = NULL;
	size_t cap = 0;

	if (argc >= 2 && strcmp(argv[1], "bench") == 0)
		return bench(argc >= 3 ? atoi(argv[2]) > 0 ? atoi(argv[2]) : 1000 : 1000);
	if (argc != 1) {
		fprintf(stderr, "usage: mlkem-tool [bench [N]] (requests on stdin)\n");
		return 2;
	}
	while (getline(&line, &cap, stdin) > 0) {
		char *save = NULL, *op = strtok_r(line, " \n", &save);
		char *a1 = strtok_r(NULL, " \n", &save), *a2 = strtok_r(NULL, " \n", &save);
		int rc;

		if (op == NULL)
			continue;
		if (strcmp(op, "keygen") == 0 && hexdata_exact(d, 32, a1) == 0 &&
		    hexdata_exact(z, 32, a2) == 0) {
			mlkem_keygen_derand(ek, dk, d, z);
		} else if (strcmp(op, "keygen_random") == 0) {
			if (mlkem_keygen(ek, dk) != 0) {
				printf("error rand\n");
				fflush(stdout);
				continue;
			}
		} else if ((strcmp(op, "encaps") == 0 && hexdata_exact(ek, sizeof ek, a1) == 0 &&
		    hexdata_exact(m, 32, a2) == 0) ||
		    (strcmp(op, "encaps_random") == 0 && hexdata_exact(ek, sizeof ek, a1) == 0)) {
			rc = op[6] == '\0' ? mlkem_encaps_derand(ct, ss, ek, m) :
			    mlkem_encaps(ct, ss, ek);
			if (rc != 0)
				printf("error %d\n", rc);
			else {
				puthex(ct, sizeof ct, 0);
				puthex(ss, sizeof ss, 1);
			}
			fflush(stdout);
			continue;
		} else if (strcmp(op, "decaps") == 0 && hexdata_exact(dk, sizeof dk, a1) == 0 &&
		    hexdata_exact(ct, sizeof ct, a2) == 0) {
			mlkem_decaps(ss, ct, dk);
			puthex(ss, sizeof ss, 1);
			fflush(stdout);
			continue;
		} else {
			printf("error usage\n");
			fflush(stdout);
			continue;
		}
		puthex(ek, sizeof ek, 0);
		puthex(dk, sizeof dk, 1);
		fflush(stdout);
	}
	free(line);
	return 0;
}
