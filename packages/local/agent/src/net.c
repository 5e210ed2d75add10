/*
 * Port relay: CONNECT opens a TCP connection to 127.0.0.1:<port> inside the sandbox's network
 * namespace and relays bytes both ways under credit. The host needs neither nsenter nor socat,
 * and the sandbox gains no route out: only connections the host makes come in.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"

#define MAX_CONNS 256
#define CONNECT_TIMEOUT_MS 10000

struct conn {
  int used;
  uint32_t id;
  int fd;
  int connected;
  int64_t deadline;
  uint32_t credit;  /* bytes we may still send to the host */
  struct buf out;   /* host bytes not yet written to the target */
  int host_fin;     /* the host half-closed */
  int shut;         /* we half-closed towards the target */
  int target_fin;   /* the target half-closed (FIN sent to the host) */
};

static struct conn g_conns[MAX_CONNS];
/* Open connections: with none, the loop skips the table. */
static int g_open;

static struct conn *find(uint32_t id) {
  for (int i = 0; i < MAX_CONNS; i++)
    if (g_conns[i].used && g_conns[i].id == id) return &g_conns[i];
  return NULL;
}

int net_owns(uint32_t id) { return g_open > 0 && find(id) != NULL; }

static void drop(struct conn *c) {
  g_open--;
  close(c->fd);
  buf_free(&c->out);
  memset(c, 0, sizeof *c);
}

static void fail(struct conn *c, int err) {
  send_error(c->id, E_ERRNO, err, NULL);
  drop(c);
}

static void maybe_done(struct conn *c) {
  if (c->shut && c->target_fin) drop(c);
}

void net_connect(const struct frame *fr) {
  struct fields it;
  struct field f;
  uint32_t port = 0;
  fields_init(&it, fr->payload, fr->len);
  while (fields_next(&it, &f))
    if (f.tag == F_PORT && field_u32(&f, &port) < 0) port = 0;
  if (it.bad || port == 0 || port > 65535) return send_error(fr->id, E_BAD_REQUEST, 0, "bad port");
  if (find(fr->id)) return send_error(fr->id, E_BAD_REQUEST, 0, "the id is in use");
  struct conn *c = NULL;
  for (int i = 0; i < MAX_CONNS && !c; i++)
    if (!g_conns[i].used) c = &g_conns[i];
  if (!c) return send_error(fr->id, E_LIMIT, EAGAIN, "too many connections");
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return send_error(fr->id, E_ERRNO, errno, NULL);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  memset(c, 0, sizeof *c);
  c->used = 1;
  g_open++;
  c->id = fr->id;
  c->fd = fd;
  c->credit = OUTPUT_WINDOW;
  c->deadline = now_ms() + CONNECT_TIMEOUT_MS;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
    c->connected = 1;
    send_ok(c->id);
    send_credit(c->id, STREAM_IN, INPUT_WINDOW);
  } else if (errno != EINPROGRESS) {
    fail(c, errno);
  }
}

static void flush_to_target(struct conn *c) {
  while (buf_pending(&c->out) > 0) {
    ssize_t n = send(c->fd, c->out.data + c->out.off, buf_pending(&c->out), MSG_NOSIGNAL);
    if (n > 0) {
      buf_consume(&c->out, (size_t)n);
      send_credit(c->id, STREAM_IN, (uint32_t)n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    return fail(c, n < 0 ? errno : EPIPE);
  }
  buf_trim(&c->out, 0);
  if (c->host_fin && !c->shut) {
    shutdown(c->fd, SHUT_WR);
    c->shut = 1;
    maybe_done(c);
  }
}

static void on_socket(void *ctx, int fd, short revents) {
  struct conn *c = ctx;
  if (!c->used || c->fd != fd) return;
  if (!c->connected) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err) return fail(c, err);
    c->connected = 1;
    send_ok(c->id);
    send_credit(c->id, STREAM_IN, INPUT_WINDOW);
    return;
  }
  if (revents & POLLOUT) flush_to_target(c);
  if (!c->used || !(revents & (POLLIN | POLLHUP | POLLERR)) || c->target_fin || c->credit == 0) return;
  ssize_t n = send_data_from_fd(c->id, STREAM_OUT, fd, c->credit);
  if (n > 0) {
    c->credit -= (uint32_t)n;
  } else if (n == 0) {
    send_data(c->id, STREAM_OUT, FLAG_FIN, NULL, 0);
    c->target_fin = 1;
    maybe_done(c);
  } else if (errno != EAGAIN && errno != EINTR) {
    fail(c, errno);
  }
}

void net_poll(void) {
  if (g_open == 0) return;
  int congested = out_congested();
  for (int i = 0; i < MAX_CONNS; i++) {
    struct conn *c = &g_conns[i];
    if (!c->used) continue;
    short events = 0;
    if (!c->connected) events = POLLOUT;
    else {
      if (!c->target_fin && c->credit > 0 && !congested) events |= POLLIN;
      if (buf_pending(&c->out) > 0 || (c->host_fin && !c->shut)) events |= POLLOUT;
    }
    if (events) poll_add(c->fd, events, on_socket, c);
  }
}

void net_tick(int64_t now, int64_t *next) {
  if (g_open == 0) return;
  for (int i = 0; i < MAX_CONNS; i++) {
    struct conn *c = &g_conns[i];
    if (!c->used || c->connected) continue;
    if (now >= c->deadline) fail(c, ETIMEDOUT);
    else if (c->deadline < *next) *next = c->deadline;
  }
}

void net_data(const struct frame *fr) {
  struct conn *c = find(fr->id);
  if (!c || fr->stream != STREAM_IN || !c->connected || c->host_fin) return;
  if (fr->len && buf_append(&c->out, fr->payload, fr->len) < 0) return fail(c, ENOMEM);
  if (fr->flags & FLAG_FIN) c->host_fin = 1;
  flush_to_target(c);
}

void net_credit(uint32_t id, uint16_t stream, uint32_t bytes) {
  struct conn *c = find(id);
  if (!c || stream != STREAM_OUT) return;
  c->credit = bytes > UINT32_MAX - c->credit ? UINT32_MAX : c->credit + bytes;
}

/* The host gave up on the connection: reset it. */
void net_close(uint32_t id) {
  struct conn *c = find(id);
  if (!c) return;
  struct linger hard = {.l_onoff = 1, .l_linger = 0};
  setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  drop(c);
}
