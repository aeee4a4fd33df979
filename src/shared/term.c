#include "config.h"
#include "shared/term.h"
#include "shared/log.h"
#include "shared/thread.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

void
term_block(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	/* SIGTERM/SIGINT stay pending until term_wait()'s sigwait(). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
}

/* The stdin watcher turns EOF into a SIGTERM for main's sigwait(). */
struct term_stdin {
	pthread_t thread;
	int stop[2];                 /* closing stop[1] ends the thread */
	atomic_int closed;           /* stdin reached EOF */
};

static void *
term_stdin_main(void *arg)
{
	struct term_stdin *w = arg;
	char buf[256];

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = w->stop[0], .events = POLLIN },
		};
		ssize_t got;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (pfd[1].revents != 0)
			return NULL;
		got = read(STDIN_FILENO, buf, sizeof buf);
		if (got > 0 || (got < 0 && (errno == EINTR || errno == EAGAIN)))
			continue;
		atomic_store(&w->closed, 1);
		kill(getpid(), SIGTERM);
		return NULL;
	}
}

void
term_wait(int watch_stdin, size_t stack_kb)
{
	struct term_stdin w;
	const char *why = "";
	sigset_t set;
	int sig = 0;

	memset(&w, 0, sizeof w);
	atomic_init(&w.closed, 0);
	if (watch_stdin && (pipe2(w.stop, O_CLOEXEC) < 0 ||
	    thread_start(&w.thread, stack_kb, "meek-stdin", term_stdin_main,
	    &w, &why) < 0)) {
		log_warn("cannot watch stdin: %s", why);
		watch_stdin = 0;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	while (sigwait(&set, &sig) != 0)
		;
	if (atomic_load(&w.closed))
		log_info("stdin closed: exiting");
	else
		log_info("caught signal %d: exiting", sig);
	if (watch_stdin) {
		close(w.stop[1]);
		pthread_join(w.thread, NULL);
		close(w.stop[0]);
	}
}
