#include "config.h"
#include "shared/arena.h"

#include <stdlib.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

void
arena_bound(int max)
{
#if defined(HAVE_MALLOPT) && defined(M_ARENA_MAX)
	if (getenv("MALLOC_ARENA_MAX") == NULL)
		(void)mallopt(M_ARENA_MAX, max);
#else
	(void)max;
#endif
}
