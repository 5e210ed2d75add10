/*
 * What happens before the sandbox's first instruction, in the launcher (which then execs
 * bwrap) or in the none-tier agent itself: join the sandbox's cgroups (so everything started
 * later is inside them, race-free), shield the agent from the OOM killer, open files bwrap
 * copies into the sandbox while still privileged (the agent binary may sit where the sandbox's
 * uid cannot read), drop to the sandbox's host uid, and close every descriptor but the ones
 * arranged here.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

#define MAX_OPENED 64
#define MAX_ROOT_ARGS 8

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "openlattice-agent: %s %s: %s\n", what, detail, strerror(errno));
  return -1;
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int err = errno;
  close(fd);
  errno = err;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int parse_int(const char *text, long low, long high, long *out) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno || end == text || *end || value < low || value > high) return -1;
  *out = value;
  return 0;
}

static int by_value(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/*
 * PATH:HEXTOKEN: connects to the host's listener (a Unix socket in its owner-only state
 * directory), introduces itself with the token, and becomes fd 3, the agent's connection.
 * Done while still privileged: the directory need not be reachable by the sandbox's uid.
 */
static int connect_back(const char *arg) {
  const char *colon = strrchr(arg, ':');
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t path_len = colon ? (size_t)(colon - arg) : 0;
  if (!colon || path_len == 0 || path_len >= sizeof addr.sun_path || strlen(colon + 1) != TOKEN_BYTES * 2) {
    errno = EINVAL;
    return -1;
  }
  uint8_t hello[4 + TOKEN_BYTES];
  memcpy(hello, TOKEN_MAGIC, 4);
  for (int i = 0; i < TOKEN_BYTES; i++) {
    int high = hex_value(colon[1 + 2 * i]), low = hex_value(colon[2 + 2 * i]);
    if (high < 0 || low < 0) return errno = EINVAL, -1;
    hello[4 + i] = (uint8_t)(high << 4 | low);
  }
  memcpy(addr.sun_path, arg, path_len);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || write(fd, hello, sizeof hello) != (ssize_t)sizeof hello) {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  /* socket(2) may have taken fd 3 itself; it must survive the exec of bwrap either way. */
  if (fd == SOCK_FD) return fcntl(fd, F_SETFD, 0);
  int placed = dup2(fd, SOCK_FD);
  close(fd);
  return placed < 0 ? -1 : 0;
}

/*
 * Applies the options of argv[2..] (up to "--" for launch). Sets *next to the argv index after
 * "--" (launch) or to argc (serve). Returns -1 after printing why it failed.
 */
int prepare_process(int argc, char **argv, int *next, int serving) {
  int targets[MAX_OPENED], opened[MAX_OPENED], count = 0;
  char *roots[MAX_ROOT_ARGS];
  int root_count = 0;
  long uid = -1, gid = -1, value;
  int i = 2;
  for (; i < argc; i++) {
    const char *opt = argv[i];
    const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(opt, "--") == 0 && !serving) {
      i++;
      break;
    }
    if (!arg) return errno = EINVAL, fail("missing value for", opt);
    i++;
    if (strcmp(opt, "--cgroup") == 0) {
      /* Writing "0" to cgroup.procs moves the writer itself. */
      if (write_file(arg, "0") < 0) return fail("cannot join cgroup", arg);
    } else if (strcmp(opt, "--oom-score-adj") == 0) {
      if (parse_int(arg, -1000, 1000, &value) < 0) return errno = EINVAL, fail("bad", opt);
      /* Best effort: without CAP_SYS_RESOURCE the limit still holds, the kernel just picks its victim. */
      (void)write_file("/proc/self/oom_score_adj", arg);
    } else if (strcmp(opt, "--fd") == 0) {
      /* N:PATH, opened read-only while still privileged (bwrap --ro-bind-data copies from it). */
      char *colon = strchr(arg, ':');
      if (!colon || count == MAX_OPENED) return errno = EINVAL, fail("bad", opt);
      *colon = 0;
      if (parse_int(arg, 4, 1023, &value) < 0) return errno = EINVAL, fail("bad fd number", arg);
      int fd = open(colon + 1, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return fail("cannot open", colon + 1);
      int high = dup_high(fd);
      close(fd);
      if (high < 0) return fail("cannot duplicate", colon + 1);
      targets[count] = (int)value;
      opened[count++] = high;
    } else if (strcmp(opt, "--connect") == 0) {
      if (connect_back(arg) < 0) return fail("cannot connect to the host at", arg);
    } else if (strcmp(opt, "--uid") == 0) {
      if (parse_int(arg, 0, 0x7fffffff, &uid) < 0) return errno = EINVAL, fail("bad", opt);
    } else if (strcmp(opt, "--gid") == 0) {
      if (parse_int(arg, 0, 0x7fffffff, &gid) < 0) return errno = EINVAL, fail("bad", opt);
    } else if (strcmp(opt, "--root") == 0 && serving) {
      if (root_count == MAX_ROOT_ARGS || arg[0] != '/') return errno = EINVAL, fail("bad", opt);
      roots[root_count++] = (char *)arg;
    } else {
      return errno = EINVAL, fail("unknown option", opt);
    }
  }
  *next = i;
  if (gid >= 0 && (setgroups(0, NULL) < 0 || setgid((gid_t)gid) < 0)) return fail("cannot switch", "gid");
  if (uid >= 0 && setuid((uid_t)uid) < 0) return fail("cannot switch", "uid");
  int keep[MAX_OPENED + 4] = {0, 1, 2, SOCK_FD};
  for (int k = 0; k < count; k++) {
    if (dup2(opened[k], targets[k]) < 0) return fail("cannot place", "descriptor");
    keep[4 + k] = targets[k];
  }
  qsort(keep, (size_t)count + 4, sizeof keep[0], by_value);
  close_except(keep, count + 4);
  if (serving && fcntl(SOCK_FD, F_GETFD) < 0) return fail("no host socket on", "fd 3");
  if (resolve_init(roots, root_count) < 0) return errno = EINVAL, fail("too many", "--root");
  return 0;
}
