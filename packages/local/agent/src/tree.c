/*
 * Signals for a whole process tree below a shim (KILL of a background process with a signal
 * other than SIGKILL): every descendant, `setsid` escapees and daemons included, since the
 * shim is their subreaper. Found by one scan of /proc; a process that forks meanwhile may
 * have a child the signal misses, which SIGKILL (the shim's death and the stray sweep) does not.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

static pid_t ppid_of(const char *pid) {
  char path[64], text[512];
  snprintf(path, sizeof path, "/proc/%s/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = 0;
  char *paren = strrchr(text, ')');
  if (!paren || paren[1] != ' ' || !paren[2] || paren[3] != ' ') return -1;
  return (pid_t)atoi(paren + 4);
}

void signal_tree(pid_t shim, int signum) {
  if (shim <= 0) return;
  size_t cap = 1024, n = 0;
  pid_t *pid = malloc(cap * sizeof *pid), *parent = malloc(cap * sizeof *parent);
  char *in = NULL;
  DIR *dir = opendir("/proc");
  if (!pid || !parent || !dir) goto out;
  struct dirent *entry;
  while ((entry = readdir(dir))) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    if (n == cap) {
      pid_t *a = realloc(pid, 2 * cap * sizeof *a);
      if (a) pid = a;
      pid_t *b = a ? realloc(parent, 2 * cap * sizeof *b) : NULL;
      if (!b) break;
      parent = b;
      cap *= 2;
    }
    pid[n] = (pid_t)atoi(entry->d_name);
    parent[n] = ppid_of(entry->d_name);
    n++;
  }
  in = calloc(n ? n : 1, 1);
  if (!in) goto out;
  /* Marks descendants pass by pass: a parent may be listed after its child. */
  for (int changed = 1; changed;) {
    changed = 0;
    for (size_t i = 0; i < n; i++) {
      if (in[i]) continue;
      int below = parent[i] == shim;
      for (size_t j = 0; j < n && !below; j++) below = in[j] && pid[j] == parent[i];
      if (below) in[i] = 1, changed = 1;
    }
  }
  for (size_t i = 0; i < n; i++)
    if (in[i]) kill(pid[i], signum);
out:
  if (dir) closedir(dir);
  free(pid);
  free(parent);
  free(in);
}
