#include "config.h"
#include "reflector/reflect.h"
#include "reflector/forward.h"
#include "reflector/pass.h"
#include "shared/ext.h"
#include "shared/httpd.h"
#include "shared/log.h"
#include "shared/pool.h"

#include <string.h>

int
reflect_serve(void *ctx, struct conn *c, void *bufs)
{
	struct reflect *r = ctx;
	struct reflect_bufs *b = bufs;
	size_t len;
	int verdict;

	/* The head first: whether X-Meek-Ext is there decides the limit and
	 * whether the body is passed through piece by piece. */
	if (!httpd_read_head(c, &b->req, REFLECT_EXT_BODY_MAX, &verdict))
		return verdict;
	if (strcmp(b->req.method, "POST") == 0 &&
	    http_header_get(&b->req, EXT_HEADER) != NULL)
		return pass_serve(r, c, b);
	if (b->req.content_length > (long long)sizeof b->body) {
		log_debug("request body of %lld bytes: 413",
		    b->req.content_length);
		return httpd_reply(&c->st, 413, NULL, 0);
	}
	if (!httpd_read_body(c, &b->req, b->body, sizeof b->body, &len,
	    &verdict))
		return verdict;
	if (strcmp(b->req.method, "POST") == 0)
		return forward_post(r, c, b, len);
	return httpd_answer_other(&c->st, &b->req);
}
