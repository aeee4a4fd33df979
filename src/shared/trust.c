#include "config.h"
#include "shared/trust.h"
#include "shared/err.h"
#include "shared/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The system bundles tried, in order. */
static const char *const trust_system[] = {
	"/etc/ssl/certs/ca-certificates.crt",   /* Debian, Ubuntu, Alpine */
	"/etc/pki/tls/certs/ca-bundle.crt",     /* Fedora, RHEL */
	"/etc/ssl/cert.pem",                    /* Alpine, macOS, BSD */
	"/etc/ssl/certs/ca-bundle.crt",         /* OpenWrt ca-bundle */
	"/etc/ssl/ca-bundle.pem",               /* openSUSE */
	"/etc/pki/tls/cacert.pem",              /* OpenELEC */
};

const char *
trust_system_path(size_t i)
{
	return i < sizeof trust_system / sizeof trust_system[0] ?
	    trust_system[i] : NULL;
}

const char *
trust_find(const char *option, enum trust_from *from)
{
	const char *env = getenv("SSL_CERT_FILE");

	if (option != NULL) {
		*from = TRUST_OPTION;
		return option;
	}
	if (env != NULL && *env != '\0') {
		*from = TRUST_ENV;
		return env;
	}
	for (size_t i = 0; trust_system_path(i) != NULL; i++)
		if (access(trust_system_path(i), R_OK) == 0) {
			*from = TRUST_SYSTEM;
			return trust_system_path(i);
		}
	*from = TRUST_NONE;
	return NULL;
}

const char *
trust_paths(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; trust_system_path(i) != NULL && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
		    trust_system_path(i));
	return buf;
}

int
trust_load(struct tls_anchors **out, const char *option,
    const char *option_name, const char **path, char *msg, size_t len)
{
	enum trust_from from;
	const char *why = NULL, *ca = trust_find(option, &from);
	char paths[512];
	int rc, e;

	*out = NULL;
	*path = ca;
	if (ca == NULL) {
		snprintf(msg, len, "no CA bundle found (searched %s): install "
		    "ca-certificates (Debian, Ubuntu, Alpine, Fedora) or "
		    "ca-bundle (OpenWrt: opkg install ca-bundle), or set "
		    "SSL_CERT_FILE%s%s%s", trust_paths(paths, sizeof paths),
		    option_name != NULL ? " or pass " : "",
		    option_name != NULL ? option_name : "",
		    option_name != NULL ? " FILE" : "");
		return MEEK_EINVAL;
	}
	errno = 0;
	if ((rc = tls_anchors_load(out, ca, &why)) == 0)
		return 0;
	e = errno;
	snprintf(msg, len, "cannot load trust anchors from %s%s%s%s: %s%s%s",
	    ca, from == TRUST_OPTION ? " (" : from == TRUST_ENV ?
	    " (SSL_CERT_FILE)" : "",
	    from == TRUST_OPTION && option_name != NULL ? option_name : "",
	    from == TRUST_OPTION ? ")" : "", why != NULL ? why : "-",
	    rc == MEEK_EIO && e != 0 ? ": " : "",
	    rc == MEEK_EIO && e != 0 ? strerror(e) : "");
	return rc;
}
