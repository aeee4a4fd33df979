/* sessid: the one X-Session-Id rule of meek-server and meek-reflect
 * (src/shared/sessid.c). */
#include "config.h"
#include "tests/unit/unit.h"
#include "shared/sessid.h"

#include <string.h>

#define UNIT_SUITE "sessid"

UNIT_TEST("rule", sessid_bounds)
{
	char id[SESSID_MAX + 2];

	ck_assert_uint_eq(sessid_check(NULL), 0);
	ck_assert_uint_eq(sessid_check(""), 0);
	ck_assert_uint_eq(sessid_check("1234567"), 0);
	ck_assert_uint_eq(sessid_check("12345678"), 8);
	memset(id, 'a', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	ck_assert_uint_eq(sessid_check(id), 0);            /* 129 bytes */
	id[SESSID_MAX] = '\0';
	ck_assert_uint_eq(sessid_check(id), SESSID_MAX);   /* 128 bytes */
}
END_TEST
