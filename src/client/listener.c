#include "config.h"
#include "client/listener.h"
#include "shared/err.h"
#include "shared/thread.h"
#include "shared/log.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
listener_open(struct listener *l, const char *addr, struct sessions *sessions,
    const char **why)
{
	int fd;

	memset(l, 0, sizeof *l);
	l->fd = -1;
	l->wake[0] = l->wake[1] = -1;
	l->sessions = sessions;
	if ((fd = net_listen(addr, 128, why)) < 0)
		return fd;
	if (pipe2(l->wake, O_CLOEXEC) != 0) {
		close(fd);
		return meek_fail(why, "pipe failed", MEEK_EIO);
	}
	l->fd = fd;
	net_sockname(fd, l->addr, sizeof l->addr);
	return 0;
}

static void *
listener_main(void *arg)
{
	struct listener *l = arg;
	struct pollfd pfd[2];
	const char *why = NULL;
	int fd, rc, one = 1;

	pthread_setname_np(pthread_self(), "meek-accept");
	for (;;) {
		pfd[0].fd = l->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = l->wake[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("listener %s: poll failed", l->addr);
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents == 0)
			continue;
		fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNABORTED)
				continue;
			/* Out of fds or memory: back off instead of spinning. */
			log_warn("listener %s: accept failed (errno %d)", l->addr,
			    errno);
			if (poll(&pfd[1], 1, 1000) > 0)
				break;
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		rc = sessions_start(l->sessions, fd, &why);
		if (rc == MEEK_EFULL && l->refused++ > 0)
			log_debug("listener %s: %s", l->addr, why);
		else if (rc != 0)
			log_warn("listener %s: %s%s", l->addr, why ? why : "-",
			    rc == MEEK_EFULL ? " (logged once; more at debug "
			    "level)" : "");
	}
	return NULL;
}

int
listener_start(struct listener *l, const char **why)
{
	const char *w = "";

	/* The accept loop needs no more than a session thread. */
	if (thread_start(&l->thread, l->sessions->env.stack_kb, "meek-accept",
	    listener_main, l, &w) != 0) {
		return meek_fail(why, "cannot create the accept thread",
		    MEEK_EIO);
	}
	l->running = 1;
	return 0;
}

void
listener_close(struct listener *l)
{
	ssize_t w;
	char c = 0;

	if (l->running) {
		do
			w = write(l->wake[1], &c, 1);
		while (w < 0 && errno == EINTR);
		pthread_join(l->thread, NULL);
		l->running = 0;
	}
	if (l->fd >= 0)
		close(l->fd);
	if (l->wake[0] >= 0)
		close(l->wake[0]);
	if (l->wake[1] >= 0)
		close(l->wake[1]);
	l->fd = l->wake[0] = l->wake[1] = -1;
}
