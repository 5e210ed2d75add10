/*
 * Starting a process: the agent forks a shim, the shim becomes a subreaper and forks the
 * command. Everything the command starts is therefore a descendant of the shim, and orphans
 * are re-parented to it rather than to the agent, until the shim dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void say(const char *a, const char *b, const char *c) {
  char text[1024];
  size_t n = 0;
  for (const char *part[] = {"openlattice-agent: ", a, ": ", b, c, "\n"}, **s = part; s < part + 6; s++) {
    size_t len = strlen(*s);
    if (n + len >= sizeof text) len = sizeof text - 1 - n;
    memcpy(text + n, *s, len);
    n += len;
  }
  (void)!write(2, text, n);
}

static const char *env_path(char **envp) {
  for (char **e = envp; *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0) return *e + 5;
  return DEFAULT_PATH;
}

/* Runs in a vfork(2) child: the stack only, no heap. */
static void exec_file(const char *file, char **argv, char **envp) {
  execve(file, argv, envp);
  if (errno != ENOEXEC) return;
  /* A script without a #! line runs under the shell, as execvp(3) does. */
  int argc = 0;
  while (argv[argc]) argc++;
  if (argc > 4096) return;
  char *shell[argc + 2];
  shell[0] = "sh";
  shell[1] = (char *)file;
  for (int i = 1; i < argc; i++) shell[i + 1] = argv[i];
  execve("/bin/sh", shell, envp);
  errno = ENOEXEC;
}

/* Runs argv[0] like a shell would: searched in the command's own PATH, 127 when missing. */
static void exec_command(char **argv, char **envp, const char *resolved) {
  const char *name = argv[0];
  /* The agent looked the program up already (a miss costs it far less than a failed execve). */
  if (resolved) exec_file(resolved, argv, envp);
  if (strchr(name, '/')) {
    exec_file(name, argv, envp);
    int err = errno;
    say(name, strerror(err), "");
    _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
  }
  const char *path = env_path(envp);
  int denied = 0;
  char file[4096];
  for (const char *p = path;;) {
    const char *end = strchrnul(p, ':');
    /* An empty entry means the current directory, as POSIX has it. */
    const char *dir = end == p ? "." : p;
    size_t dir_len = end == p ? 1 : (size_t)(end - p);
    if (dir_len + 1 + strlen(name) < sizeof file) {
      memcpy(file, dir, dir_len);
      file[dir_len] = '/';
      strcpy(file + dir_len + 1, name);
      exec_file(file, argv, envp);
      int err = errno;
      struct stat st;
      /* Like a shell: an unreadable PATH directory is "not found", an unrunnable file is "denied". */
      if ((err == EACCES || err == ENOEXEC || err == EISDIR) && stat(file, &st) == 0) denied = err;
    }
    if (*end == 0) break;
    p = end + 1;
  }
  say(name, denied ? strerror(denied) : "command not found", "");
  _exit(denied ? 126 : 127);
}

/*
 * In the command's process, before exec: the defaults a fresh process would have. The agent
 * reset every disposition at start, so only what it changed since (SIGPIPE ignored, its
 * signals blocked) needs undoing: two system calls, not sixty-four.
 */
static void command_main(char **argv, char **envp, int has_cwd, const char *resolved) {
  sigset_t none;
  sigemptyset(&none);
  signal(SIGPIPE, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, NULL);
  restore_fd_limit();
  setsid();
  if (has_cwd && fchdir(4) < 0) {
    say("cannot enter the working directory", strerror(errno), "");
    _exit(126);
  }
  close(3);
  close(4);
  if (g_oom_reset) {
    /* The agent is shielded from the OOM killer; the commands it runs must not be. */
    prctl(PR_SET_DUMPABLE, 1);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)!write(fd, "0", 1);
      close(fd);
    }
  }
  exec_command(argv, envp, resolved);
}

static void report(int fd, char kind, uint32_t value) {
  uint8_t msg[5] = {(uint8_t)kind, (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16), (uint8_t)(value >> 24)};
  (void)!write(fd, msg, sizeof msg);
}

/*
 * The shim: fds 0-2 are the command's stdio, 3 the status pipe, 4 the working directory. It
 * reports only the command's wait status: one wake-up of the agent per exec, not two.
 */
static void shim_main(char **argv, char **envp, int has_cwd, const char *resolved) {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  prctl(PR_SET_NAME, "ol-shim");
  /* vfork: the command runs at once, on this CPU, without copying the shim's page tables; the
   * child touches only its stack until it execs or exits. */
  pid_t command = vfork();
  if (command == 0) command_main(argv, envp, has_cwd, resolved);
  if (command < 0) {
    say("fork", strerror(errno), "");
    _exit(126);
  }
  /* The command's stdio must reach EOF when the command's tree closes it, not when we exit. */
  close(0);
  close(1);
  close(2);
  close(4);
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid == command) report(3, 'X', (uint32_t)status);
    if (pid < 0 && errno == ECHILD) _exit(0);
  }
}

static void close_all(int *fds, int n) {
  for (int i = 0; i < n; i++)
    if (fds[i] >= 0 && fds[i] != g_devnull) close(fds[i]);
}

/*
 * argv[0] looked up in the command's PATH by the agent (absolute PATH entries only: a relative
 * one depends on the command's working directory). NULL when not found here: the command's own
 * search then decides (and reports 126 or 127).
 */
const char *resolve_program(const char *name, char **envp, char *out, size_t cap) {
  if (!name[0] || strchr(name, '/')) return NULL;
  const char *path = env_path(envp);
  for (const char *p = path;;) {
    const char *end = strchrnul(p, ':');
    size_t dir = (size_t)(end - p);
    if (dir > 0 && p[0] == '/' && dir + 1 + strlen(name) < cap) {
      memcpy(out, p, dir);
      out[dir] = '/';
      strcpy(out + dir + 1, name);
      struct stat st;
      if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0) return out;
    } else if (dir == 0 || p[0] != '/') {
      return NULL; /* a relative entry comes first: leave the search to the command */
    }
    if (*end == 0) return NULL;
    p = end + 1;
  }
}

int spawn_proc(struct proc *p, const struct spawn_request *req) {
  /* [0] status r, [1] status w, [2] stdin r, [3] stdin w, [4] out r, [5] out w, [6] err r, [7] err w */
  int fd[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
  int ok = pipe2(fd, O_CLOEXEC) == 0;
  if (ok && req->stdin_pipe) ok = pipe2(fd + 2, O_CLOEXEC) == 0;
  else fd[2] = g_devnull;
  if (ok && !req->discard_output) ok = pipe2(fd + 4, O_CLOEXEC) == 0 && pipe2(fd + 6, O_CLOEXEC) == 0;
  else fd[5] = fd[7] = g_devnull;
  if (!ok) {
    int err = errno;
    close_all(fd, 8);
    return -err;
  }
  pid_t shim = fork();
  if (shim == 0) {
    /* Sources may sit on the numbers we arrange, so lift them out of the way first. */
    int in = dup_high(fd[2]), out = dup_high(fd[5]), err = dup_high(fd[7]), st = dup_high(fd[1]);
    int cwd = req->cwd_fd >= 0 ? dup_high(req->cwd_fd) : -1;
    if (in < 0 || out < 0 || err < 0 || st < 0 || (req->cwd_fd >= 0 && cwd < 0)) _exit(126);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || dup2(st, 3) < 0) _exit(126);
    if (cwd >= 0 && dup2(cwd, 4) < 0) _exit(126);
    fcntl(3, F_SETFD, FD_CLOEXEC);
    static const int keep[] = {0, 1, 2, 3, 4};
    close_except(keep, cwd >= 0 ? 5 : 4);
    shim_main(req->argv, req->envp, cwd >= 0, req->resolved);
  }
  int err = errno;
  int child_ends[] = {fd[1], fd[2], fd[5], fd[7]};
  close_all(child_ends, 4);
  if (shim < 0) {
    int ours[] = {fd[0], fd[3], fd[4], fd[6]};
    close_all(ours, 4);
    return -err;
  }
  p->shim = shim;
  p->status_fd = fd[0];
  p->in_fd = req->stdin_pipe ? fd[3] : -1;
  p->out_fd[0] = req->discard_output ? -1 : fd[4];
  p->out_fd[1] = req->discard_output ? -1 : fd[6];
  for (int i = 0; i < 2; i++)
    if (p->out_fd[i] >= 0) set_nonblock(p->out_fd[i]);
  if (p->in_fd >= 0) set_nonblock(p->in_fd);
  set_nonblock(p->status_fd);
  return 0;
}
