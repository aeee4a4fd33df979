/*
 * testpki: a test PKI made by a shell script (openssl commands) in a fresh
 * temporary directory, for the unit suites that need real certificates.
 * Test-only: failures are Check assertions, not error codes.
 * Thread rule: call testpki_setup from the runner process (an unchecked
 * fixture), before any test thread; the other calls only read.
 */
#ifndef MEEK_TESTS_TESTPKI_H
#define MEEK_TESTS_TESTPKI_H

#include <sys/types.h>

/*
 * Pieces of a gen.sh script, to be pasted together (string literals):
 * TESTPKI_SH_HEAD(san) logs into gen.log and writes leaf.ext (a serverAuth
 * leaf with subjectAltName san); TESTPKI_SH_CAS makes ca.pem/ca.key (RSA
 * "meek test CA") and ca2.pem/ca2.key (P-256 "meek other CA");
 * TESTPKI_SH_KEYS makes rsa.key (RSA-2048, traditional) and ec.key (P-256);
 * TESTPKI_SH_LEAVES makes rsa.pem and ec.pem (CN=front.test, by ca);
 * TESTPKI_SH_EXPIRED makes expired.pem (rsa.key's, by ca, expired).
 */
#define TESTPKI_SH_HEAD(san) \
	"set -e\n" \
	"exec >gen.log 2>&1\n" \
	"cat > leaf.ext <<X\n" \
	"basicConstraints=CA:FALSE\n" \
	"keyUsage=digitalSignature,keyEncipherment\n" \
	"extendedKeyUsage=serverAuth\n" \
	"subjectAltName=" san "\n" \
	"X\n"
#define TESTPKI_SH_CAS \
	"openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem" \
	" -days 3650 -subj '/CN=meek test CA'\n" \
	"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes" \
	" -keyout ca2.key -out ca2.pem -days 3650 -subj '/CN=meek other CA'\n"
#define TESTPKI_SH_KEYS \
	"openssl genrsa -traditional -out rsa.key 2048\n" \
	"openssl ecparam -name prime256v1 -genkey -noout -out ec.key\n"
#define TESTPKI_SH_LEAVES \
	"for k in rsa ec; do\n" \
	"  openssl req -new -key $k.key -subj /CN=front.test -out $k.csr\n" \
	"  openssl x509 -req -in $k.csr -CA ca.pem -CAkey ca.key -set_serial 2" \
	" -days 365 -extfile leaf.ext -out $k.pem\n" \
	"done\n"
#define TESTPKI_SH_EXPIRED \
	"openssl x509 -req -in rsa.csr -CA ca.pem -CAkey ca.key -set_serial 4" \
	" -days -1 -extfile leaf.ext -out expired.pem\n"

struct tls_anchors;

struct testpki {
	char dir[64];   /* "" until testpki_setup ran */
	pid_t pid;      /* process that made dir (and alone removes it) */
};

/*
 * Once per pki (later calls return at once): make /tmp/meek-<tag>-XXXXXX,
 * write script there as gen.sh and run it with sh in that directory
 * (it should log into gen.log). The directory is removed at exit of the
 * process that made it; forked test processes leave it alone.
 */
void testpki_setup(struct testpki *pki, const char *tag, const char *script);

/* "<dir>/<name>" into buf (128 bytes, owned by the caller); returns buf. */
const char *testpki_path(const struct testpki *pki, char *buf, const char *name);

/* Trust anchors from <dir>/<file>; asserts on failure. Caller frees them. */
struct tls_anchors *testpki_anchors(const struct testpki *pki, const char *file);

/*
 * Defines, in a suite's file, `static struct testpki pki` made from
 * `script` (a string) under `tag`: the unchecked fixture certs_setup()
 * (runs in the runner process, once), and path(buf, name) and
 * anchors(file) as testpki_path and testpki_anchors on that pki.
 */
#define TESTPKI_SUITE(tag, script)					\
	static struct testpki pki;					\
	static void							\
	certs_setup(void)						\
	{								\
		testpki_setup(&pki, tag, script);			\
	}								\
	static const char *						\
	path(char *buf, const char *name)				\
	{								\
		return testpki_path(&pki, buf, name);			\
	}								\
	static struct tls_anchors *					\
	anchors(const char *file)					\
	{								\
		return testpki_anchors(&pki, file);			\
	}

#endif
