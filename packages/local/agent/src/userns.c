/*
 * `openlattice-agent userns-parent PID FD -- PROGRAM ARGS...`: opens the parent of PID's user
 * namespace on descriptor FD and execs PROGRAM (slirp4netns), which then joins it through
 * /proc/self/fd/FD. bubblewrap nests a second user namespace inside the one that owns the
 * sandbox's network namespace (it needs uid 0 while it mounts devpts), so joining PID's own
 * user namespace is not enough to enter its network namespace; its parent is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "agent.h"

/* linux/nsfs.h, which musl's toolchain lacks. */
#ifndef NS_GET_PARENT
#define NS_GET_PARENT _IO(0xb7, 0x2)
#endif

int userns_parent(int argc, char **argv) {
  if (argc < 6 || strcmp(argv[4], "--") != 0) return 64;
  char *end;
  long pid = strtol(argv[2], &end, 10);
  if (*end || pid <= 0) return 64;
  long target = strtol(argv[3], &end, 10);
  if (*end || target < 3 || target > 1023) return 64;
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/ns/user", pid);
  int own = open(path, O_RDONLY | O_CLOEXEC);
  if (own < 0) {
    fprintf(stderr, "openlattice-agent: %s: %s\n", path, strerror(errno));
    return 72;
  }
  int parent = ioctl(own, NS_GET_PARENT);
  if (parent < 0) {
    fprintf(stderr, "openlattice-agent: parent user namespace of %ld: %s\n", pid, strerror(errno));
    return 72;
  }
  close(own);
  if (dup2(parent, (int)target) < 0) return 72;
  if (parent != target) close(parent);
  char *empty[] = {NULL};
  execve(argv[5], argv + 5, empty);
  perror("openlattice-agent: exec");
  return 127;
}
