/*
 * The agent's event loop: one thread, poll(2) over the host socket, a signalfd for SIGCHLD and
 * every pipe and socket of the work in flight. Nothing here blocks for long: process starts
 * are fork(2)s, file transfers move one chunk per turn, and every output waits for credit.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"

#define MAX_POLL 8192
#define READ_CHUNK (256u * 1024u)

struct watch {
  poll_cb cb;
  void *ctx;
};

static struct pollfd g_fds[MAX_POLL];
static struct watch g_watch[MAX_POLL];
static int g_nfds;
static struct buf g_in;
static int g_sigfd = -1;
static int g_running = 1;

void poll_add(int fd, short events, poll_cb cb, void *ctx) {
  if (g_nfds == MAX_POLL) return; /* served on a later turn */
  g_fds[g_nfds] = (struct pollfd){.fd = fd, .events = events};
  g_watch[g_nfds++] = (struct watch){cb, ctx};
}

static uint32_t u32_at(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void dispatch(const struct frame *fr) {
  uint32_t bytes;
  switch (fr->type) {
    case T_START:
      return proc_start(fr);
    case T_KILL: {
      struct fields it;
      struct field f;
      uint32_t signum = SIGKILL;
      fields_init(&it, fr->payload, fr->len);
      while (fields_next(&it, &f))
        if (f.tag == F_SIGNUM && (field_u32(&f, &signum) < 0 || signum == 0 || signum > 64)) signum = SIGKILL;
      return proc_kill(fr->id, (int)signum);
    }
    case T_DATA:
      if (proc_owns(fr->id)) return proc_stdin(fr);
      if (files_owns(fr->id)) return files_data(fr);
      if (net_owns(fr->id)) return net_data(fr);
      return; /* a channel that ended meanwhile */
    case T_CREDIT:
      if (fr->len != 4) return;
      bytes = u32_at(fr->payload);
      proc_credit(fr->id, fr->stream, bytes);
      files_credit(fr->id, fr->stream, bytes);
      net_credit(fr->id, fr->stream, bytes);
      return;
    case T_READ:
    case T_WRITE:
    case T_STAT:
    case T_LIST:
    case T_MKDIR:
    case T_REMOVE:
      return files_request(fr);
    case T_CONNECT:
      return net_connect(fr);
    case T_CLOSE:
      files_close(fr->id);
      net_close(fr->id);
      return;
    case T_SHUTDOWN:
      g_running = 0;
      return;
    default:
      send_error(fr->id, E_BAD_REQUEST, 0, "unknown frame type");
  }
}

/* Reads what the host sent and handles every whole frame. Returns -1 when the host is gone. */
static int read_socket(void) {
  for (int turns = 0; turns < 4; turns++) {
    if (buf_reserve(&g_in, READ_CHUNK) < 0) return -1;
    ssize_t n = read(SOCK_FD, g_in.data + g_in.len, READ_CHUNK);
    if (n == 0) return -1;
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    g_in.len += (size_t)n;
    while (buf_pending(&g_in) >= 4) {
      const uint8_t *h = g_in.data + g_in.off;
      uint32_t length = u32_at(h);
      if (length < HEADER_BYTES - 4 || length > MAX_INBOUND_FRAME) {
        log_msg("frame of %u bytes: closing", length);
        return -1;
      }
      if (buf_pending(&g_in) < 4 + (size_t)length) break;
      struct frame fr = {.type = h[4], .flags = h[5], .stream = (uint16_t)(h[6] | h[7] << 8), .id = u32_at(h + 8)};
      fr.payload = h + HEADER_BYTES;
      fr.len = length + 4 - HEADER_BYTES;
      dispatch(&fr);
      buf_consume(&g_in, 4 + (size_t)length);
    }
    if ((size_t)n < READ_CHUNK) break;
  }
  buf_trim(&g_in, 64 * 1024);
  return 0;
}

static void on_signal(void *ctx, int fd, short revents) {
  (void)ctx;
  (void)revents;
  struct signalfd_siginfo info;
  while (read(fd, &info, sizeof info) == (ssize_t)sizeof info) {
    if (info.ssi_signo == SIGCHLD) continue;
    /* SIGTERM and friends (only the host can send them to pid 1): end in order. */
    g_running = 0;
  }
  reap_children();
}

static int g_host_gone;

static void on_socket(void *ctx, int fd, short revents) {
  (void)ctx;
  (void)fd;
  if (revents & (POLLIN | POLLHUP | POLLERR)) {
    if (read_socket() < 0) g_host_gone = 1, g_running = 0;
  }
}

static void send_hello(void) {
  struct fb f;
  fb_begin(&f, T_HELLO, 0, 0, 0);
  fb_u32(&f, F_VERSION, PROTO_VERSION);
  fb_str(&f, F_AGENT, AGENT_NAME);
  fb_u32(&f, F_FEATURES, (getpid() == 1 ? FEAT_PID1 : 0) | (resolve_confined_mode() ? FEAT_CONFINED : 0));
  fb_u32(&f, F_PID, (uint32_t)getpid());
  fb_end(&f);
}

/* Kills every tree and waits (bounded) until no child is left. */
static void stop_everything(void) {
  int64_t until = now_ms() + 3000;
  do {
    proc_kill_all();
    reap_children();
    sweep_strays();
    if (!proc_children_left()) break;
    usleep(1000);
  } while (now_ms() < until);
}

static int setup(void) {
  umask(022);
  /* Dispositions are inherited across exec: start from the defaults, whatever we inherited. */
  for (int sig = 1; sig < 65; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  g_sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (g_sigfd < 0) return -1;
  /* pid 1 adopts orphans anyway; elsewhere (the none tier) the agent asks to. */
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1);
  /* Same-uid processes of the sandbox must not ptrace the agent or read its memory. */
  prctl(PR_SET_DUMPABLE, 0);
  if (set_nonblock(SOCK_FD) < 0) return -1;
  /* Bulk output: a larger send buffer means fewer wake-ups on both ends (capped by wmem_max). */
  int sndbuf = 1024 * 1024;
  setsockopt(SOCK_FD, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  return 0;
}

int serve(void) {
  if (setup() < 0) return 71;
  send_hello();
  if (out_flush() < 0) return 0;
  /* From here on diagnostics travel as LOG frames; stderr may be a pipe nobody reads. */
  dup2(g_devnull, 2);
  while (g_running) {
    int64_t now = now_ms(), next = INT64_MAX;
    proc_tick(now, &next);
    net_tick(now, &next);
    int more = files_pump();
    if (out_flush() < 0) {
      g_host_gone = 1;
      break;
    }
    g_nfds = 0;
    poll_add(SOCK_FD, (short)(POLLIN | (buf_pending(&g_out) ? POLLOUT : 0)), on_socket, NULL);
    poll_add(g_sigfd, POLLIN, on_signal, NULL);
    proc_poll();
    net_poll();
    int timeout = -1;
    if (more) timeout = 0;
    else if (next != INT64_MAX) timeout = next - now > INT_MAX ? INT_MAX : (int)(next - now);
    int ready = poll(g_fds, (nfds_t)g_nfds, timeout);
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < g_nfds && ready > 0; i++)
      if (g_fds[i].revents) g_watch[i].cb(g_watch[i].ctx, g_fds[i].fd, g_fds[i].revents);
    if (sweep_active()) sweep_strays();
    if (out_flush() < 0) g_host_gone = 1, g_running = 0;
  }
  stop_everything();
  if (!g_host_gone) {
    /* Whatever is still queued (EXIT reports) goes out before we leave. */
    set_nonblock(SOCK_FD);
    for (int i = 0; i < 100 && buf_pending(&g_out) && out_flush() == 0; i++) usleep(1000);
  }
  return 0;
}
