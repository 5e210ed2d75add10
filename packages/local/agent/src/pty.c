/*
 * Terminals: a START with F_COLS/F_ROWS runs its command on a new pseudo-terminal of the
 * sandbox (its own devpts in the namespace tier). The command's stdin, stdout and stderr are
 * the terminal and it is the session's controlling terminal, so line editing, job control
 * and `\x03` (SIGINT to the foreground job) work as in a terminal emulator. The agent keeps
 * the master: output is read from it like a pipe, input written to it, RESIZE sets its size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "proc.h"

int pty_open(uint16_t cols, uint16_t rows, int *master, int *slave) {
  int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return -errno;
  if (grantpt(m) < 0 || unlockpt(m) < 0) {
    int err = errno;
    close(m);
    return -err;
  }
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
  /* The peer by descriptor (Linux 4.13+): no path lookup another process could race. */
  int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0) {
    char name[64];
    if (ptsname_r(m, name, sizeof name) == 0) s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  }
  if (s < 0) {
    int err = errno;
    close(m);
    return -err;
  }
  struct winsize ws = {.ws_row = rows, .ws_col = cols};
  ioctl(m, TIOCSWINSZ, &ws);
  *master = m;
  *slave = s;
  return 0;
}

/* RESIZE on any channel of a terminal process; the kernel sends SIGWINCH to its foreground job. */
void pty_resize(const struct frame *fr) {
  struct proc *p = proc_find(fr->id);
  if (!p || p->pty_fd < 0) return;
  struct fields it;
  struct field f;
  uint32_t cols = 0, rows = 0;
  fields_init(&it, fr->payload, fr->len);
  while (fields_next(&it, &f)) {
    if (f.tag == F_COLS && field_u32(&f, &cols) < 0) return;
    if (f.tag == F_ROWS && field_u32(&f, &rows) < 0) return;
  }
  if (it.bad || cols == 0 || rows == 0 || cols > 65535 || rows > 65535) return;
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  ioctl(p->pty_fd, TIOCSWINSZ, &ws);
}
