/*
 * Shared declarations of the openlattice agent: the long-lived process of a sandbox that runs
 * commands, moves files and relays ports for the host over one inherited socket (fd 3).
 */
#ifndef OL_AGENT_H
#define OL_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"

#define SOCK_FD 3

/* ---- buf.c: growable byte buffers ---- */
struct buf {
  uint8_t *data;
  size_t off; /* first unconsumed byte */
  size_t len; /* end of data */
  size_t cap;
};
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t n);
void buf_consume(struct buf *b, size_t n);
size_t buf_pending(const struct buf *b);
void buf_free(struct buf *b);
void buf_trim(struct buf *b, size_t keep_cap);

/* ---- util.c ---- */
int64_t now_ms(void);
int set_nonblock(int fd);
int close_except(const int *keep, int count);
int dup_high(int fd);
void log_msg(const char *fmt, ...);
void raise_fd_limit(void);
void restore_fd_limit(void);
extern int g_devnull;

/* ---- wire.c: frames ---- */
struct fb {
  size_t start;
};
extern struct buf g_out;
void fb_begin(struct fb *f, uint8_t type, uint8_t flags, uint16_t stream, uint32_t id);
void fb_u32(struct fb *f, uint16_t tag, uint32_t value);
void fb_u64(struct fb *f, uint16_t tag, uint64_t value);
void fb_bytes(struct fb *f, uint16_t tag, const void *data, size_t n);
void fb_str(struct fb *f, uint16_t tag, const char *text);
void fb_end(struct fb *f);
void send_error(uint32_t id, uint32_t kind, int err, const char *message);
void send_ok(uint32_t id);
void send_credit(uint32_t id, uint16_t stream, uint32_t bytes);
ssize_t send_data_from_fd(uint32_t id, uint16_t stream, int fd, size_t max);
void send_data(uint32_t id, uint16_t stream, uint8_t flags, const void *data, size_t n);
int out_flush(void);
int out_congested(void);

struct field {
  uint16_t tag;
  uint32_t len;
  const uint8_t *value;
};
struct fields {
  const uint8_t *p;
  const uint8_t *end;
  int bad;
};
void fields_init(struct fields *it, const uint8_t *payload, size_t n);
int fields_next(struct fields *it, struct field *f);
int field_u32(const struct field *f, uint32_t *out);
int field_u64(const struct field *f, uint64_t *out);
/* Copies a field into a NUL-terminated string; fails on NUL bytes inside or when too long. */
int field_cstr(const struct field *f, char *out, size_t cap);

/* ---- frame dispatch targets ---- */
struct frame {
  uint8_t type;
  uint8_t flags;
  uint16_t stream;
  uint32_t id;
  const uint8_t *payload;
  size_t len;
};

/* proc.c: processes */
void proc_start(const struct frame *fr);
void proc_kill(uint32_t id, int signum);
void proc_stdin(const struct frame *fr);
void proc_credit(uint32_t id, uint16_t stream, uint32_t bytes);
int proc_owns(uint32_t id);
void proc_reap(void);
void proc_tick(int64_t now, int64_t *next_deadline);
void proc_kill_all(void);
int proc_children_left(void);

/* files.c: file operations */
void files_request(const struct frame *fr);
int files_owns(uint32_t id);
void files_data(const struct frame *fr);
void files_credit(uint32_t id, uint16_t stream, uint32_t bytes);
void files_close(uint32_t id);
int files_pump(void);

/* net.c: TCP relay into the sandbox's network namespace */
void net_connect(const struct frame *fr);
int net_owns(uint32_t id);
void net_data(const struct frame *fr);
void net_credit(uint32_t id, uint16_t stream, uint32_t bytes);
void net_close(uint32_t id);

/* poll registration shared by proc.c and net.c (loop.c owns the array). */
typedef void (*poll_cb)(void *ctx, int fd, short revents);
void poll_add(int fd, short events, poll_cb cb, void *ctx);
void proc_poll(void);
void net_poll(void);
void net_tick(int64_t now, int64_t *next_deadline);

/* resolve.c: paths */
struct target {
  int dirfd;      /* AT_FDCWD in native mode */
  char name[4096]; /* path (native) or final component (confined) */
};
int resolve_init(char **roots, int count);
int resolve_confined_mode(void);
/* 0 or -errno; -EXDEV when a confined path leaves the roots. */
int resolve_path(const char *path, int follow_last, int create_dirs, struct target *t);
void target_release(struct target *t);

/* launch.c */
int prepare_process(int argc, char **argv, int *next, int serving);

/* loop.c */
int serve(void);

/* spawner.c */
int spawner(void);

#endif
