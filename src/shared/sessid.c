#include "config.h"
#include "shared/sessid.h"

#include <string.h>

size_t
sessid_check(const char *id)
{
	size_t n = id != NULL ? strnlen(id, SESSID_MAX + 1) : 0;

	return n >= SESSID_MIN && n <= SESSID_MAX ? n : 0;
}
