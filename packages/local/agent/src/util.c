/* Small helpers: clocks, descriptors, diagnostics. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

int g_devnull = -1;

/* The descriptor limit the agent started with, which commands get back (see restore_fd_limit). */
static struct rlimit g_nofile;
static int g_nofile_raised;

/* Many sandboxes (spawner) or many concurrent execs (agent) need many descriptors. */
void raise_fd_limit(void) {
  if (getrlimit(RLIMIT_NOFILE, &g_nofile) == 0 && g_nofile.rlim_cur < g_nofile.rlim_max) {
    struct rlimit raised = {g_nofile.rlim_max, g_nofile.rlim_max};
    g_nofile_raised = setrlimit(RLIMIT_NOFILE, &raised) == 0;
  }
}

/* In a command child: the limit a freshly started process would have had. */
void restore_fd_limit(void) {
  if (g_nofile_raised) setrlimit(RLIMIT_NOFILE, &g_nofile);
}

int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int set_nonblock(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -1;
  return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* A close-on-exec duplicate above the range of descriptors we arrange by number. */
int dup_high(int fd) { return fcntl(fd, F_DUPFD_CLOEXEC, 64); }

static int keeps(const int *keep, int count, int fd) {
  for (int i = 0; i < count; i++)
    if (keep[i] == fd) return 1;
  return 0;
}

/*
 * Closes every descriptor not in `keep` (which must be sorted ascending). The orchestrator may
 * have inherited descriptors without close-on-exec; none of them may reach a sandbox. Uses
 * close_range(2) and falls back to listing /proc/self/fd on kernels without it.
 */
int close_except(const int *keep, int count) {
#ifdef SYS_close_range
  unsigned int low = 0;
  int ok = 1;
  for (int i = 0; i <= count && ok; i++) {
    unsigned int high = i < count ? (unsigned int)keep[i] : ~0u;
    if (high > low && syscall(SYS_close_range, low, high - 1, 0) < 0) ok = 0;
    if (i < count) low = (unsigned int)keep[i] + 1;
  }
  if (ok) return 0;
#endif
  DIR *dir = opendir("/proc/self/fd");
  if (!dir) {
    for (int fd = 0; fd < 65536; fd++)
      if (!keeps(keep, count, fd)) close(fd);
    return 0;
  }
  int self = dirfd(dir);
  int fds[1024];
  int n = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) && n < 1024) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    int fd = atoi(entry->d_name);
    if (fd != self && !keeps(keep, count, fd)) fds[n++] = fd;
  }
  closedir(dir);
  for (int i = 0; i < n; i++) close(fds[i]);
  return n == 1024 ? close_except(keep, count) : 0;
}

/* Diagnostics go to the host as LOG frames once the connection is up, else to stderr. */
void log_msg(const char *fmt, ...) {
  char text[512];
  va_list args;
  va_start(args, fmt);
  int n = vsnprintf(text, sizeof text, fmt, args);
  va_end(args);
  if (n < 0) return;
  if ((size_t)n >= sizeof text) n = sizeof text - 1;
  struct fb f;
  fb_begin(&f, T_LOG, 0, 0, 0);
  fb_bytes(&f, F_MESSAGE, text, (size_t)n);
  fb_end(&f);
}
