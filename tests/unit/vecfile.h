/*
 * vecfile: test vectors kept as data, not code.  A vector file under
 * tests/unit/data/ holds one vector a line, "name hex" ('#' starts a
 * comment line); a test file declares the arrays it reads, with their
 * lengths, through one X-macro list, and names the function that loads
 * them (a Check fixture, run before the tests):
 *
 *   #define MY_VECTORS(X) X(key, 16) X(iv, 12)
 *   VECFILE_SET(my_load, "tls/my.txt", MY_VECTORS)
 * Thread rule: the test's own thread; the arrays are the test file's.
 */
#ifndef MEEK_TESTS_UNIT_VECFILE_H
#define MEEK_TESTS_UNIT_VECFILE_H
#include <stddef.h>

struct vecfile_entry {
	const char *name;
	unsigned char *p;
	size_t len;           /* the vector's exact length */
};

#define VECFILE_DECLARE(name, len) static unsigned char name[len];
#define VECFILE_ENTRY(name, len) { #name, name, len },
/* The arrays of X-macro list `list` (static), and static void fn(void)
 * that fills them from `file` with vecfile_load(). */
#define VECFILE_SET(fn, file, list)					\
	list(VECFILE_DECLARE)						\
	static const struct vecfile_entry fn##_entries[] = {		\
		list(VECFILE_ENTRY)					\
	};								\
	static void							\
	fn(void)							\
	{								\
		vecfile_load(file, fn##_entries,			\
		    sizeof fn##_entries / sizeof fn##_entries[0]);	\
	}

/* Fills the `n` entries from `file` (a path below tests/unit/data/).  A
 * file that cannot be read, a line that is no "name hex", a name not in
 * the list or given twice, a length that differs, or a vector the file
 * lacks fails the running test (ck_abort_msg), naming the file and line. */
void vecfile_load(const char *file, const struct vecfile_entry *e, size_t n);

#endif
