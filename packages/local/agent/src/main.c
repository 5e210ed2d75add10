/*
 * openlattice-agent: `launch [options] -- program args…` prepares a process and execs the
 * program (bwrap, in the namespace tier) with an empty environment; `serve [options]` prepares
 * itself and serves the host on fd 3. See PROTOCOL.md.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

static int usage(void) {
  fprintf(stderr,
          "usage: openlattice-agent launch [--cgroup PROCS] [--oom-score-adj N] [--fd N:PATH] [--uid N --gid N] "
          "-- PROGRAM ARGS...\n"
          "       openlattice-agent serve [--cgroup PROCS] [--oom-score-adj N] [--root DIR]...\n"
          "       openlattice-agent spawner\n"
          "       openlattice-agent --version\n");
  return 64;
}

/* Whether the agent was shielded from the OOM killer (then each command is unshielded again). */
static int oom_shielded(void) {
  char text[16] = "";
  int fd = open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  return n > 0 && text[0] == '-';
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  if (strcmp(argv[1], "--version") == 0) {
    printf("%s (protocol %u)\n", AGENT_NAME, PROTO_VERSION);
    return 0;
  }
  int next = 0;
  if (strcmp(argv[1], "launch") == 0) {
    if (prepare_process(argc, argv, &next, 0) < 0) return 72;
    if (next >= argc) return usage();
    char *empty[] = {NULL};
    execve(argv[next], argv + next, empty);
    perror("openlattice-agent: exec");
    return 127;
  }
  if (strcmp(argv[1], "serve") == 0) {
    if (prepare_process(argc, argv, &next, 1) < 0) return 72;
    g_devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (g_devnull < 0) {
      perror("openlattice-agent: /dev/null");
      return 72;
    }
    g_oom_reset = oom_shielded();
    return serve();
  }
  if (strcmp(argv[1], "spawner") == 0) return spawner();
  return usage();
}
