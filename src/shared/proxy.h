/*
 * proxy: upstream proxies from TOR_PT_PROXY or --proxy (pt-protocol.md §4):
 * http://[user:pass@]host:port (CONNECT with Basic auth),
 * socks5://[user:pass@]host:port, socks4a://host:port.
 * Once a proxy is configured every outgoing connection goes through it;
 * there is no direct fallback.
 * Thread: any; a struct proxy is read-only after proxy_parse().
 */
#ifndef MEEK_SHARED_PROXY_H
#define MEEK_SHARED_PROXY_H
#include <stdint.h>

enum proxy_type { PROXY_NONE = 0, PROXY_HTTP, PROXY_SOCKS5, PROXY_SOCKS4A };

struct proxy {
	enum proxy_type type;
	char host[256];
	uint16_t port;
	int has_auth;
	char user[256]; /* not percent-decoded: tor does not encode them */
	char pass[256];
};

/* Parses `uri`.  Rejects unknown schemes, paths/queries/fragments, a
 * socks4a password, empty or >255-byte socks5 credentials, a missing port.
 * Returns 0 or MEEK_EINVAL with *why. */
int proxy_parse(struct proxy *p, const char *uri, const char **why);
/* Connects to host:port through `p` (or directly when p is NULL or
 * PROXY_NONE), whole exchange within `timeout_ms`.  Returns a connected fd
 * or a MEEK_E* code with *why (MEEK_EPROXY when the proxy refused). */
int proxy_dial(const struct proxy *p, const char *host, uint16_t port,
    int timeout_ms, const char **why);

#endif
