/*
 * Frames: building them straight into the outbound queue, sending it without blocking, and
 * reading the tag-length-value fields of a payload. See PROTOCOL.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

/* Bytes queued for the host. Above this much the agent stops reading command output. */
#define OUT_HIGH_WATER (4u * 1024u * 1024u)

struct buf g_out;

static void must(int ok) {
  if (ok < 0) {
    static const char text[] = "openlattice-agent: out of memory\n";
    (void)!write(2, text, sizeof text - 1);
    _exit(70);
  }
}

static void put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void header(uint8_t *h, uint32_t length, uint8_t type, uint8_t flags, uint16_t stream, uint32_t id) {
  put_u32(h, length);
  h[4] = type;
  h[5] = flags;
  put_u16(h + 6, stream);
  put_u32(h + 8, id);
}

void fb_begin(struct fb *f, uint8_t type, uint8_t flags, uint16_t stream, uint32_t id) {
  must(buf_reserve(&g_out, HEADER_BYTES));
  f->start = g_out.len;
  header(g_out.data + g_out.len, 0, type, flags, stream, id);
  g_out.len += HEADER_BYTES;
}

void fb_bytes(struct fb *f, uint16_t tag, const void *data, size_t n) {
  (void)f;
  uint8_t head[6];
  put_u16(head, tag);
  put_u32(head + 2, (uint32_t)n);
  must(buf_append(&g_out, head, sizeof head));
  must(buf_append(&g_out, data, n));
}

void fb_u32(struct fb *f, uint16_t tag, uint32_t value) {
  uint8_t v[4];
  put_u32(v, value);
  fb_bytes(f, tag, v, 4);
}

void fb_u64(struct fb *f, uint16_t tag, uint64_t value) {
  uint8_t v[8];
  put_u32(v, (uint32_t)value);
  put_u32(v + 4, (uint32_t)(value >> 32));
  fb_bytes(f, tag, v, 8);
}

void fb_str(struct fb *f, uint16_t tag, const char *text) { fb_bytes(f, tag, text, strlen(text)); }

/* Buffer offsets, not pointers: fields may have moved the queue's storage. */
void fb_end(struct fb *f) { put_u32(g_out.data + f->start, (uint32_t)(g_out.len - f->start - 4)); }

void send_error(uint32_t id, uint32_t kind, int err, const char *message) {
  struct fb f;
  fb_begin(&f, T_ERROR, 0, 0, id);
  fb_u32(&f, F_KIND, kind);
  fb_u32(&f, F_ERRNO, (uint32_t)err);
  if (message) fb_str(&f, F_MESSAGE, message);
  fb_end(&f);
}

void send_ok(uint32_t id) {
  struct fb f;
  fb_begin(&f, T_OK, 0, 0, id);
  fb_end(&f);
}

void send_credit(uint32_t id, uint16_t stream, uint32_t bytes) {
  must(buf_reserve(&g_out, HEADER_BYTES + 4));
  uint8_t *h = g_out.data + g_out.len;
  header(h, 8 + 4, T_CREDIT, 0, stream, id);
  put_u32(h + HEADER_BYTES, bytes);
  g_out.len += HEADER_BYTES + 4;
}

void send_data(uint32_t id, uint16_t stream, uint8_t flags, const void *data, size_t n) {
  must(buf_reserve(&g_out, HEADER_BYTES + n));
  header(g_out.data + g_out.len, (uint32_t)(8 + n), T_DATA, flags, stream, id);
  if (n) memcpy(g_out.data + g_out.len + HEADER_BYTES, data, n);
  g_out.len += HEADER_BYTES + n;
}

/*
 * Reads up to `max` bytes from `fd` directly behind a DATA header in the queue (no copy).
 * Returns what read(2) returned; nothing is queued for 0 or -1.
 */
ssize_t send_data_from_fd(uint32_t id, uint16_t stream, int fd, size_t max) {
  if (max > MAX_DATA_PAYLOAD) max = MAX_DATA_PAYLOAD;
  must(buf_reserve(&g_out, HEADER_BYTES + max));
  uint8_t *h = g_out.data + g_out.len;
  ssize_t n = read(fd, h + HEADER_BYTES, max);
  if (n <= 0) return n;
  header(h, (uint32_t)(8 + n), T_DATA, 0, stream, id);
  g_out.len += HEADER_BYTES + (size_t)n;
  return n;
}

/* Writes what the socket takes now. Returns -1 once the host is gone. */
int out_flush(void) {
  while (buf_pending(&g_out) > 0) {
    ssize_t n = write(SOCK_FD, g_out.data + g_out.off, buf_pending(&g_out));
    if (n > 0) {
      buf_consume(&g_out, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return -1;
  }
  buf_trim(&g_out, 256 * 1024);
  return 0;
}

int out_congested(void) { return buf_pending(&g_out) > OUT_HIGH_WATER; }

void fields_init(struct fields *it, const uint8_t *payload, size_t n) {
  it->p = payload;
  it->end = payload + n;
  it->bad = 0;
}

/* Next field; 0 at the end, and also (with it->bad set) on a field that overruns the payload. */
int fields_next(struct fields *it, struct field *f) {
  if (it->p == it->end) return 0;
  if (it->end - it->p < 6) {
    it->bad = 1;
    return 0;
  }
  f->tag = (uint16_t)(it->p[0] | it->p[1] << 8);
  f->len = get_u32(it->p + 2);
  if ((size_t)(it->end - it->p - 6) < f->len) {
    it->bad = 1;
    return 0;
  }
  f->value = it->p + 6;
  it->p += 6 + f->len;
  return 1;
}

int field_u32(const struct field *f, uint32_t *out) {
  if (f->len != 4) return -1;
  *out = get_u32(f->value);
  return 0;
}

int field_u64(const struct field *f, uint64_t *out) {
  if (f->len != 8) return -1;
  *out = (uint64_t)get_u32(f->value) | (uint64_t)get_u32(f->value + 4) << 32;
  return 0;
}

int field_cstr(const struct field *f, char *out, size_t cap) {
  if (f->len >= cap || memchr(f->value, 0, f->len)) return -1;
  memcpy(out, f->value, f->len);
  out[f->len] = 0;
  return 0;
}
