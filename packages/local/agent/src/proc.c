/*
 * The process table: START requests, stdin, output under the host's credit, timeouts, kills,
 * and the EXIT report once the command has exited and its output has drained.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

/* After the command exits, output still arriving is read until the pipes stay quiet this long… */
#define DRAIN_QUIET_MS 100
/* …but never longer than this, even if a background process keeps writing. */
#define DRAIN_MAX_MS 2000

struct proc g_procs[MAX_PROCS];
int g_proc_span;
int g_oom_reset;

struct proc *proc_find(uint32_t id) {
  for (int i = 0; i < g_proc_span; i++)
    if (g_procs[i].used && g_procs[i].id == id) return &g_procs[i];
  return NULL;
}

/* Only processes whose EXIT is not sent yet take frames; lingering trees are anonymous. */
int proc_owns(uint32_t id) {
  struct proc *p = proc_find(id);
  return p && !p->reported;
}

void proc_set_status(struct proc *p, int status) {
  if (p->have_status) return;
  p->have_status = 1;
  p->status = status;
  p->exited_at = p->last_out = now_ms();
}

/* Reads the shim's report: the command's wait status. */
void proc_read_status(struct proc *p) {
  uint8_t msg[5];
  while (p->status_fd >= 0) {
    ssize_t n = read(p->status_fd, msg, sizeof msg);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n != (ssize_t)sizeof msg) {
      close(p->status_fd);
      p->status_fd = -1;
      return;
    }
    uint32_t value = (uint32_t)msg[1] | (uint32_t)msg[2] << 8 | (uint32_t)msg[3] << 16 | (uint32_t)msg[4] << 24;
    if (msg[0] == 'X') proc_set_status(p, (int)value);
  }
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void write_stdin(struct proc *p) {
  while (buf_pending(&p->in) > 0) {
    ssize_t n = write(p->in_fd, p->in.data + p->in.off, buf_pending(&p->in));
    if (n > 0) {
      buf_consume(&p->in, (size_t)n);
      send_credit(p->id, STREAM_IN, (uint32_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    /* The command closed its stdin: what is left can never be delivered. */
    send_credit(p->id, STREAM_IN, (uint32_t)buf_pending(&p->in));
    buf_free(&p->in);
    close_fd(&p->in_fd);
    return;
  }
  buf_trim(&p->in, 0);
  if (p->in_fin) close_fd(&p->in_fd);
}

/* Bulk output: reads while there is credit and queue room, up to 1 MiB per wake-up. */
static void pump_output(struct proc *p, int i) {
  for (size_t moved = 0; moved < 2 * 1024 * 1024 && p->out_fd[i] >= 0 && p->credit[i] > 0 && !out_congested();) {
    ssize_t n = send_data_from_fd(p->id, (uint16_t)(STREAM_OUT + i), p->out_fd[i], p->credit[i]);
    if (n <= 0) {
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) close_fd(&p->out_fd[i]);
      return;
    }
    moved += (size_t)n;
    p->credit[i] -= (uint32_t)n;
    p->last_out = now_ms();
    /* A full default-sized read means bulk output: a larger pipe takes fewer wake-ups. Only
     * then, since pipe memory counts against a per-user quota all sandboxes share. */
    if (n == 65536 && !p->big_pipe[i]) p->big_pipe[i] = 1, fcntl(p->out_fd[i], F_SETPIPE_SZ, 1024 * 1024);
    else if ((size_t)n < MAX_DATA_PAYLOAD) return; /* drained for now */
  }
}

static void on_fd(void *ctx, int fd, short revents) {
  struct proc *p = ctx;
  (void)revents;
  if (!p->used) return;
  if (fd == p->status_fd) return proc_read_status(p);
  if (fd == p->in_fd) return write_stdin(p);
  for (int i = 0; i < 2; i++)
    if (fd == p->out_fd[i]) pump_output(p, i);
}

void proc_poll(void) {
  int congested = out_congested();
  for (int i = 0; i < g_proc_span; i++) {
    struct proc *p = &g_procs[i];
    if (!p->used) continue;
    if (p->status_fd >= 0) poll_add(p->status_fd, POLLIN, on_fd, p);
    for (int s = 0; s < 2; s++) {
      if (p->out_fd[s] < 0) continue;
      if (p->credit[s] > 0 && !congested) poll_add(p->out_fd[s], POLLIN, on_fd, p);
      /* Held back by the host, not quiet: the drain timer must not run out meanwhile. */
      else p->last_out = now_ms();
    }
    if (p->in_fd >= 0 && (buf_pending(&p->in) > 0 || p->in_fin)) poll_add(p->in_fd, POLLOUT, on_fd, p);
  }
}

void proc_stdin(const struct frame *fr) {
  struct proc *p = proc_find(fr->id);
  if (!p || fr->stream != STREAM_IN) return;
  if (p->in_fd < 0) {
    /* No stdin (or it was closed): the bytes are dropped, the credit returned. */
    if (fr->len) send_credit(p->id, STREAM_IN, (uint32_t)fr->len);
    return;
  }
  if (fr->len && buf_append(&p->in, fr->payload, fr->len) < 0) return send_error(p->id, E_LIMIT, ENOMEM, NULL);
  if (fr->flags & FLAG_FIN) p->in_fin = 1;
  write_stdin(p);
}

void proc_credit(uint32_t id, uint16_t stream, uint32_t bytes) {
  struct proc *p = proc_find(id);
  if (!p || stream < STREAM_OUT || stream > STREAM_ERR) return;
  uint32_t *credit = &p->credit[stream - STREAM_OUT];
  *credit = bytes > UINT32_MAX - *credit ? UINT32_MAX : *credit + bytes;
}

static void kill_tree(struct proc *p) {
  p->killed = 1;
  if (p->shim > 0) kill(p->shim, SIGKILL);
}

void proc_kill(uint32_t id, int signum) {
  struct proc *p = proc_find(id);
  if (!p || p->reported) return;
  if (signum == SIGKILL) return kill_tree(p);
  /* Another signal goes to the command alone: the shim's child (looked up only when needed). */
  pid_t command = p->have_status || p->shim <= 0 ? 0 : first_child_of(p->shim);
  if (command > 0) kill(command, signum);
}

static void finish(struct proc *p) {
  for (int i = 0; i < 2; i++) close_fd(&p->out_fd[i]);
  close_fd(&p->in_fd);
  buf_free(&p->in);
  struct fb f;
  fb_begin(&f, T_EXIT, 0, 0, p->id);
  if (WIFSIGNALED(p->status)) fb_u32(&f, F_SIGNAL, (uint32_t)WTERMSIG(p->status));
  else fb_u32(&f, F_EXIT_CODE, (uint32_t)WEXITSTATUS(p->status));
  fb_u32(&f, F_TIMED_OUT, (uint32_t)p->timed_out);
  fb_end(&f);
  p->reported = 1;
}

static void earliest(int64_t *next, int64_t at) {
  if (at < *next) *next = at;
}

void proc_tick(int64_t now, int64_t *next) {
  for (int i = 0; i < g_proc_span; i++) {
    struct proc *p = &g_procs[i];
    if (!p->used) continue;
    if (p->deadline && !p->have_status && !p->killed) {
      if (now >= p->deadline) {
        p->timed_out = 1;
        kill_tree(p);
      } else {
        earliest(next, p->deadline);
      }
    }
    if (p->have_status && !p->reported) {
      int drained = p->out_fd[0] < 0 && p->out_fd[1] < 0;
      int64_t quiet_at = p->last_out + DRAIN_QUIET_MS, max_at = p->exited_at + DRAIN_MAX_MS;
      if (drained || now >= quiet_at || now >= max_at) finish(p);
      else earliest(next, quiet_at < max_at ? quiet_at : max_at);
    }
    /* A tree that outlives its command keeps the slot until its shim is gone. */
    if (p->reported && p->shim == 0) {
      close_fd(&p->status_fd);
      p->used = 0;
    }
  }
  if (sweep_active()) earliest(next, now + 5);
}

void proc_kill_all(void) {
  for (int i = 0; i < g_proc_span; i++)
    if (g_procs[i].used) kill_tree(&g_procs[i]);
}

/* True while any child (shim or stray) exists. */
int proc_children_left(void) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}
