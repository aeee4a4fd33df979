#include "config.h"
#include "shared/rand.h"
#include "shared/err.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

/* Only for kernels older than 3.17, where getrandom(2) is ENOSYS. */
static int
rand_urandom(unsigned char *p, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return MEEK_EIO;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = MEEK_EIO;
			break;
		}
		p += r;
		n -= (size_t)r;
	}
	close(fd);
	return rc;
}

int
rand_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ENOSYS)
			return rand_urandom(p, n);
		if (r <= 0)
			return MEEK_EIO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}
