#include "shared/err.h"

static const struct {
	int code;
	const char *text;
} err_table[] = {
	{ MEEK_OK, "success" },
	{ MEEK_EIO, "I/O error" },
	{ MEEK_ETIMEDOUT, "timed out" },
	{ MEEK_ECLOSED, "connection closed" },
	{ MEEK_ENOMEM, "out of memory" },
	{ MEEK_EPROTO, "protocol error" },
	{ MEEK_ETOOBIG, "too large" },
	{ MEEK_EHEADTOOBIG, "header block too large" },
	{ MEEK_ETLS, "TLS failure" },
	{ MEEK_ECERT, "certificate rejected" },
	{ MEEK_ERESOLVE, "name resolution failed" },
	{ MEEK_ECONNREFUSED, "connection refused" },
	{ MEEK_ECONNECT, "connect failed" },
	{ MEEK_EPROXY, "proxy failure" },
	{ MEEK_EAUTH, "authentication failed" },
	{ MEEK_EINVAL, "invalid argument" },
	{ MEEK_EFULL, "full" },
	{ MEEK_EUNSUPPORTED, "not supported" },
	{ MEEK_EVERSION, "no supported version" },
	{ MEEK_EHTTP, "HTTP error status" },
	{ MEEK_ECONNTIMEDOUT, "connect timed out" },
	{ MEEK_ECERTCA, "certificate not trusted" },
	{ MEEK_ECERTNAME, "certificate name mismatch" },
	{ MEEK_ECERTEXPIRED, "certificate expired" },
	{ MEEK_ECERTNOTYET, "certificate not yet valid" },
	{ MEEK_ECERTDATES, "certificate expired or not yet valid" },
	{ MEEK_EALERT, "TLS alert from peer" },
	{ MEEK_ERESET, "stream reset by peer" },
};

const char *
meek_strerror(int code)
{
	for (unsigned i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
		if (err_table[i].code == code)
			return err_table[i].text;
	return "unknown error";
}
