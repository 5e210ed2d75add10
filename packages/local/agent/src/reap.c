/*
 * Reaping and the stray sweep. A process only ever becomes the agent's own child when its
 * shim died before it (the agent killed the shim for a timeout or abort, or something in the
 * sandbox killed it): such strays belong to a tree that is being killed, so the agent kills
 * them too, and again whatever is re-parented to it as they die, until no stray is left.
 * Only direct, unreaped children are signalled, so a recycled pid can never be hit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

static int g_sweeping;

int sweep_active(void) { return g_sweeping; }

int is_live_shim(pid_t pid) {
  for (int i = 0; i < g_proc_span; i++)
    if (g_procs[i].used && g_procs[i].shim == pid) return 1;
  return 0;
}

/* Parent pid from /proc/<pid>/stat; the command name may hold spaces and ')'. */
static pid_t parent_of(const char *pid) {
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

/*
 * Kills every direct child that is not a live shim. /proc/<pid>/task/<tid>/children is not
 * available on every kernel, so this scans /proc: the sandbox's own (a few entries) in the
 * namespace tier, the host's in the none tier, and only while a tree is being killed.
 */
void sweep_strays(void) {
  pid_t self = getpid();
  DIR *dir = opendir("/proc");
  if (!dir) return;
  int found = 0;
  struct dirent *entry;
  while ((entry = readdir(dir))) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    if (parent_of(entry->d_name) != self) continue;
    pid_t pid = (pid_t)atoi(entry->d_name);
    if (is_live_shim(pid)) continue;
    kill(pid, SIGKILL);
    found++;
  }
  closedir(dir);
  g_sweeping = found > 0;
}

static struct proc *by_shim(pid_t pid) {
  for (int i = 0; i < g_proc_span; i++)
    if (g_procs[i].used && g_procs[i].shim == pid) return &g_procs[i];
  return NULL;
}

/* The oldest child of `parent` (for a shim: the command, since it forks nothing else). */
pid_t first_child_of(pid_t parent) {
  DIR *dir = opendir("/proc");
  if (!dir) return 0;
  pid_t found = 0;
  struct dirent *entry;
  while ((entry = readdir(dir))) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    pid_t pid = (pid_t)atoi(entry->d_name);
    if (parent_of(entry->d_name) == parent && (found == 0 || pid < found)) found = pid;
  }
  closedir(dir);
  return found;
}


static void shim_gone(struct proc *p, int status) {
  p->shim = 0;
  /* Everything the shim reported is in the pipe by now; read it before judging. */
  proc_read_status(p);
  int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!clean) g_sweeping = 1;
  if (p->have_status) return;
  /*
   * The command's status never arrived: the shim was killed (by the agent, for a timeout or an
   * abort, or from inside the sandbox) or could not start it. The command is killed with the
   * rest of its tree as a stray, so SIGKILL is what it died of; a shim that failed to fork
   * reports its own exit code (126).
   */
  proc_set_status(p, p->killed || WIFSIGNALED(status) || clean ? SIGKILL : status);
}

/* Collects every exited child; a shim's death may leave strays to sweep. */
void reap_children(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    struct proc *p = by_shim(pid);
    if (p) shim_gone(p, status);
  }
  if (g_sweeping) sweep_strays();
}
