/*
 * `openlattice-agent spawner`: the host-side helper that starts sandboxes for the host. The
 * host spawns it once; after that, starting a sandbox is a SPAWN frame, not a fork of the
 * (possibly large) Node process, which would block the host's event loop until the child has
 * exec'd — tens of milliseconds on a loaded machine. The spawner forks and execs the launcher
 * with an empty environment and only stdio; the launcher connects back to the host on its own
 * (see launch.c), so no descriptor has to be passed between processes. It dies with the host
 * (PR_SET_PDEATHSIG), and so does everything it started (bwrap's --die-with-parent).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

/* Every sandbox's first process stays a child of the spawner for the sandbox's whole life. */
#define MAX_CHILDREN 16384
#define STDERR_KEEP 4096

struct child {
  pid_t pid;
  uint32_t id;
  int err_fd;  /* read end of its stderr, -1 at EOF */
  char *err;   /* allocated when it first prints something */
  size_t err_len;
};

static struct child g_children[MAX_CHILDREN];
/* One past the highest slot ever used: loops stop there. */
static int g_span;
static struct buf g_input;

static struct child *by_id(uint32_t id) {
  for (int i = 0; i < g_span; i++)
    if (g_children[i].pid && g_children[i].id == id) return &g_children[i];
  return NULL;
}

static void drain_stderr(struct child *c) {
  char chunk[4096];
  while (c->err_fd >= 0) {
    ssize_t n = read(c->err_fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      close(c->err_fd);
      c->err_fd = -1;
      return;
    }
    if (!c->err && !(c->err = malloc(STDERR_KEEP))) continue;
    size_t room = STDERR_KEEP - c->err_len;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(c->err + c->err_len, chunk, take);
    c->err_len += take;
  }
}

static void spawn_one(const struct frame *fr) {
  struct fields it;
  struct field f;
  char cwd[4096] = "/";
  int args = 0;
  size_t bytes = 0;
  fields_init(&it, fr->payload, fr->len);
  while (fields_next(&it, &f)) {
    if (f.tag == F_ARG) args++, bytes += f.len + 1;
    else if (f.tag == F_CWD && field_cstr(&f, cwd, sizeof cwd) < 0) args = -1000;
  }
  if (it.bad || args <= 0 || by_id(fr->id)) return send_error(fr->id, E_BAD_REQUEST, 0, "malformed SPAWN");
  struct child *c = NULL;
  for (int i = 0; i < MAX_CHILDREN && !c; i++)
    if (!g_children[i].pid) c = &g_children[i];
  if (!c) return send_error(fr->id, E_LIMIT, EAGAIN, "too many sandboxes");
  if (c - g_children >= g_span) g_span = (int)(c - g_children) + 1;
  char **argv = calloc((size_t)args + 1, sizeof *argv);
  char *text = malloc(bytes);
  int err_pipe[2];
  if (!argv || !text || pipe2(err_pipe, O_CLOEXEC) < 0) {
    free(argv);
    free(text);
    return send_error(fr->id, E_START, errno ? errno : ENOMEM, NULL);
  }
  size_t at = 0;
  int n = 0;
  fields_init(&it, fr->payload, fr->len);
  while (fields_next(&it, &f)) {
    if (f.tag != F_ARG) continue;
    memcpy(text + at, f.value, f.len);
    text[at + f.len] = 0;
    argv[n++] = text + at;
    at += f.len + 1;
  }
  pid_t self = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    restore_fd_limit();
    /* SIGTERM, not SIGKILL: a none-tier agent then still kills its trees before it goes; bwrap
     * (namespace tier) replaces it with its own --die-with-parent. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    /* The spawner may have died between fork and prctl: then no signal would ever come. */
    if (getppid() != self) _exit(1);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(err_pipe[1], 2) < 0) _exit(127);
    static const int keep[] = {0, 1, 2};
    close_except(keep, 3);
    if (chdir(cwd) < 0) _exit(127);
    char *empty[] = {NULL};
    execve(argv[0], argv, empty);
    _exit(127);
  }
  int failure = errno;
  close(err_pipe[1]);
  free(argv);
  free(text);
  if (pid < 0) {
    close(err_pipe[0]);
    return send_error(fr->id, E_START, failure, NULL);
  }
  memset(c, 0, sizeof *c);
  c->pid = pid;
  c->id = fr->id;
  c->err_fd = err_pipe[0];
  set_nonblock(c->err_fd);
  struct fb reply;
  fb_begin(&reply, T_SPAWNED, 0, 0, fr->id);
  fb_u32(&reply, F_PID, (uint32_t)pid);
  fb_end(&reply);
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    for (int i = 0; i < g_span; i++) {
      struct child *c = &g_children[i];
      if (c->pid != pid) continue;
      drain_stderr(c);
      if (c->err_fd >= 0) close(c->err_fd);
      struct fb f;
      fb_begin(&f, T_EXITED, 0, 0, c->id);
      if (WIFSIGNALED(status)) fb_u32(&f, F_SIGNAL, (uint32_t)WTERMSIG(status));
      else fb_u32(&f, F_EXIT_CODE, (uint32_t)WEXITSTATUS(status));
      if (c->err_len) fb_bytes(&f, F_MESSAGE, c->err, c->err_len);
      fb_end(&f);
      free(c->err);
      memset(c, 0, sizeof *c);
      break;
    }
  }
}

static void dispatch(const struct frame *fr) {
  if (fr->type == T_SPAWN) return spawn_one(fr);
  if (fr->type == T_SIGNAL) {
    struct fields it;
    struct field f;
    uint32_t signum = SIGKILL;
    fields_init(&it, fr->payload, fr->len);
    while (fields_next(&it, &f))
      if (f.tag == F_SIGNUM && field_u32(&f, &signum) < 0) signum = SIGKILL;
    struct child *c = by_id(fr->id);
    /* Only our own, unreaped child: its pid cannot have been recycled. */
    if (c && signum > 0 && signum < 65) kill(c->pid, (int)signum);
    return;
  }
  send_error(fr->id, E_BAD_REQUEST, 0, "unknown frame type");
}

/* Reads host frames; -1 once the host is gone. */
static int read_host(void) {
  if (buf_reserve(&g_input, 65536) < 0) return -1;
  ssize_t n = read(SOCK_FD, g_input.data + g_input.len, 65536);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return -1;
  if (n > 0) g_input.len += (size_t)n;
  while (buf_pending(&g_input) >= HEADER_BYTES) {
    const uint8_t *h = g_input.data + g_input.off;
    uint32_t length = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    if (length < HEADER_BYTES - 4 || length > MAX_INBOUND_FRAME) return -1;
    if (buf_pending(&g_input) < 4 + (size_t)length) break;
    struct frame fr = {.type = h[4], .flags = h[5], .stream = (uint16_t)(h[6] | h[7] << 8)};
    fr.id = (uint32_t)h[8] | (uint32_t)h[9] << 8 | (uint32_t)h[10] << 16 | (uint32_t)h[11] << 24;
    fr.payload = h + HEADER_BYTES;
    fr.len = length + 4 - HEADER_BYTES;
    dispatch(&fr);
    buf_consume(&g_input, 4 + (size_t)length);
  }
  return 0;
}

int spawner(void) {
  pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent || parent == 1) return 0; /* the host is already gone */
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd < 0 || set_nonblock(SOCK_FD) < 0) return 71;
  static struct pollfd fds[2 + MAX_CHILDREN];
  static struct child *owners[2 + MAX_CHILDREN];
  for (;;) {
    int n = 0;
    fds[n++] = (struct pollfd){.fd = SOCK_FD, .events = (short)(POLLIN | (buf_pending(&g_out) ? POLLOUT : 0))};
    fds[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
    for (int i = 0; i < g_span; i++) {
      if (!g_children[i].pid || g_children[i].err_fd < 0) continue;
      owners[n] = &g_children[i];
      fds[n++] = (struct pollfd){.fd = g_children[i].err_fd, .events = POLLIN};
    }
    if (poll(fds, (nfds_t)n, -1) < 0 && errno != EINTR) return 71;
    for (int i = 2; i < n; i++)
      if (fds[i].revents && owners[i]->err_fd == fds[i].fd) drain_stderr(owners[i]);
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR) && read_host() < 0) return 0;
    if (fds[1].revents) {
      struct signalfd_siginfo info;
      while (read(sigfd, &info, sizeof info) == (ssize_t)sizeof info) {
      }
      reap();
    }
    if (out_flush() < 0) return 0;
  }
}
