/*
 * term: how a meek program ends.  term_block() ignores SIGPIPE and blocks
 * SIGTERM/SIGINT in the calling thread (call it in main before the first
 * thread starts, so every thread inherits the mask); term_wait() then
 * blocks main until SIGTERM or SIGINT arrives, or, when asked, until stdin
 * reaches EOF (tor's TOR_PT_EXIT_ON_STDIN_CLOSE=1).
 * Thread: main only.
 */
#ifndef MEEK_SHARED_TERM_H
#define MEEK_SHARED_TERM_H
#include <stddef.h>

void term_block(void);
/* Waits as described above; `stack_kb` sizes the stdin watcher thread.
 * Logs why it returned. */
void term_wait(int watch_stdin, size_t stack_kb);

#endif
