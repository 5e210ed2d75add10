/*
 * Background processes: a START with F_BACKGROUND keeps its output in a ring of the last
 * RING_BYTES per stream, read whether or not anyone follows (so the command never blocks on a
 * full pipe), and any number of host channels (up to MAX_SUBS) follow it from the ring: the
 * START channel from the first byte, an ATTACH from the oldest byte still kept or from now.
 * Each follower has its own cursor and credit; one that falls behind the ring is told how many
 * bytes it missed (DROPPED). Finished processes stay listed until RETAIN_FINISHED newer ones did.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

#define RETAIN_FINISHED 64
/* Bytes of argv one PLIST entry carries (the host frame limit is 1 MiB). */
#define LIST_ARGV_BYTES (16u * 1024u)

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct proc *bg_find_channel(uint32_t id, struct sub **sub) {
  if (id == 0) return NULL;
  for (int i = 0; i < g_proc_span; i++) {
    struct proc *p = &g_procs[i];
    if (!p->used || !p->background) continue;
    for (int s = 0; s < MAX_SUBS; s++)
      if (p->subs[s].id == id) {
        if (sub) *sub = &p->subs[s];
        return p;
      }
  }
  return NULL;
}

void bg_begin(struct proc *p, uint32_t id, char *argv_block, size_t argv_len) {
  p->background = 1;
  p->started_wall = wall_ms();
  p->argv_block = argv_block;
  p->argv_len = argv_len;
  p->subs[0] = (struct sub){.id = id, .credit = {OUTPUT_WINDOW, OUTPUT_WINDOW}};
}

static uint64_t oldest(const struct ring *r) { return r->total > r->cap ? r->total - r->cap : 0; }

/* Reads a pipe into its ring, growing the ring until it reaches RING_BYTES, then wrapping. */
void bg_read(struct proc *p, int i) {
  struct ring *r = &p->ring[i];
  for (int turns = 0; turns < 16 && p->out_fd[i] >= 0; turns++) {
    if (r->total == r->cap && r->cap < RING_BYTES) {
      size_t cap = r->cap ? r->cap * 2 : 64 * 1024;
      uint8_t *grown = realloc(r->data, cap > RING_BYTES ? RING_BYTES : cap);
      if (grown) r->data = grown, r->cap = cap > RING_BYTES ? RING_BYTES : cap;
      else if (!r->cap) return; /* no memory at all: leave the bytes in the pipe */
    }
    size_t pos = (size_t)(r->total % r->cap), room = r->cap - pos;
    ssize_t n = read(p->out_fd[i], r->data + pos, room);
    if (n > 0) {
      r->total += (uint64_t)n;
      p->last_out = now_ms();
      if ((size_t)n < room) return;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    close(p->out_fd[i]);
    p->out_fd[i] = -1;
  }
}

void bg_started(struct proc *p) {
  if (!p->subs[0].id) return;
  struct fb f;
  fb_begin(&f, T_STARTED, 0, 0, p->subs[0].id);
  fb_u32(&f, F_PID, (uint32_t)p->command);
  fb_end(&f);
}

void bg_credit(struct proc *p, struct sub *s, uint16_t stream, uint32_t bytes) {
  (void)p;
  if (stream < STREAM_OUT || stream > STREAM_ERR) return;
  uint32_t *credit = &s->credit[stream - STREAM_OUT];
  *credit = bytes > UINT32_MAX - *credit ? UINT32_MAX : *credit + bytes;
}

/* Stdin of a background process may come from any follower: credit goes back to the sender,
 * at once while the queue is short, later (bg_stdin_drained) while it is long. */
void bg_stdin_credit(struct proc *p, uint32_t id, uint32_t bytes) {
  struct sub *s = NULL;
  if (!bg_find_channel(id, &s) || !s) return;
  if (buf_pending(&p->in) <= INPUT_WINDOW) send_credit(id, STREAM_IN, bytes);
  else s->in_owed += bytes;
}

void bg_stdin_drained(struct proc *p) {
  if (buf_pending(&p->in) > INPUT_WINDOW) return;
  for (int s = 0; s < MAX_SUBS; s++) {
    struct sub *sub = &p->subs[s];
    if (sub->id && sub->in_owed) send_credit(sub->id, STREAM_IN, sub->in_owed), sub->in_owed = 0;
  }
}

/* Sends each follower what it has credit for; EXIT once it has everything of a done process. */
static void feed(struct proc *p, struct sub *s) {
  int caught_up = 1;
  for (int i = 0; i < 2; i++) {
    struct ring *r = &p->ring[i];
    if (s->cursor[i] < oldest(r)) {
      struct fb f;
      fb_begin(&f, T_DROPPED, 0, (uint16_t)(STREAM_OUT + i), s->id);
      fb_u64(&f, F_SIZE, oldest(r) - s->cursor[i]);
      fb_end(&f);
      s->cursor[i] = oldest(r);
    }
    while (s->cursor[i] < r->total && s->credit[i] > 0 && !out_congested()) {
      size_t pos = (size_t)(s->cursor[i] % r->cap), n = r->cap - pos;
      if (n > r->total - s->cursor[i]) n = (size_t)(r->total - s->cursor[i]);
      if (n > s->credit[i]) n = s->credit[i];
      if (n > MAX_DATA_PAYLOAD) n = MAX_DATA_PAYLOAD;
      send_data(s->id, (uint16_t)(STREAM_OUT + i), 0, r->data + pos, n);
      s->cursor[i] += n;
      s->credit[i] -= (uint32_t)n;
    }
    if (s->cursor[i] < r->total) caught_up = 0;
  }
  if (p->reported && caught_up) {
    proc_send_exit(p, s->id);
    memset(s, 0, sizeof *s);
  }
}

void bg_tick(struct proc *p, int64_t now, int64_t *next) {
  (void)now;
  (void)next;
  if (p->reported && !p->ended_wall) {
    p->ended_wall = wall_ms();
    if (!p->command) p->command = p->shim; /* the shim could not even fork the command */
  }
  /* Followers get output only after STARTED (the pid) went out. */
  if (!p->command) return;
  for (int s = 0; s < MAX_SUBS; s++)
    if (p->subs[s].id) feed(p, &p->subs[s]);
}

void bg_free(struct proc *p) {
  for (int i = 0; i < 2; i++) free(p->ring[i].data);
  free(p->argv_block);
}

/* Forgets the oldest finished processes beyond RETAIN_FINISHED. */
void bg_retain(void) {
  for (;;) {
    int finished = 0;
    struct proc *first = NULL;
    for (int i = 0; i < g_proc_span; i++) {
      struct proc *p = &g_procs[i];
      if (!p->used || !p->background || !p->reported || p->shim) continue;
      int followed = 0;
      for (int s = 0; s < MAX_SUBS; s++) followed |= p->subs[s].id != 0;
      if (followed) continue;
      finished++;
      if (!first || p->ended_wall < first->ended_wall) first = p;
    }
    if (finished <= RETAIN_FINISHED || !first) return;
    bg_free(first);
    memset(first, 0, sizeof *first);
  }
}

void bg_attach(const struct frame *fr) {
  struct fields it;
  struct field f;
  uint32_t pid = 0, from_start = 0;
  int ok = 1;
  fields_init(&it, fr->payload, fr->len);
  while (ok && fields_next(&it, &f)) {
    if (f.tag == F_PID) ok = field_u32(&f, &pid) == 0;
    else if (f.tag == F_FROM_START) ok = field_u32(&f, &from_start) == 0;
    else ok = (f.tag & TAG_OPTIONAL) != 0;
  }
  if (!ok || it.bad || pid == 0 || fr->id == 0) return send_error(fr->id, E_BAD_REQUEST, 0, "malformed ATTACH");
  if (proc_find(fr->id)) return send_error(fr->id, E_BAD_REQUEST, 0, "the id is in use");
  struct proc *p = NULL;
  for (int i = 0; i < g_proc_span && !p; i++)
    if (g_procs[i].used && g_procs[i].background && g_procs[i].command == (pid_t)pid) p = &g_procs[i];
  if (!p) return send_error(fr->id, E_ERRNO, ESRCH, NULL);
  struct sub *s = NULL;
  for (int i = 0; i < MAX_SUBS && !s; i++)
    if (!p->subs[i].id) s = &p->subs[i];
  if (!s) return send_error(fr->id, E_LIMIT, EAGAIN, "too many followers");
  *s = (struct sub){.id = fr->id, .credit = {OUTPUT_WINDOW, OUTPUT_WINDOW}};
  int dropped = 0;
  for (int i = 0; i < 2; i++) {
    s->cursor[i] = from_start ? oldest(&p->ring[i]) : p->ring[i].total;
    dropped |= from_start && oldest(&p->ring[i]) > 0;
  }
  struct fb b;
  fb_begin(&b, T_STARTED, 0, 0, fr->id);
  fb_u32(&b, F_PID, pid);
  fb_u32(&b, F_DROPPED, (uint32_t)dropped);
  fb_u32(&b, F_PTY, p->pty);
  fb_end(&b);
  if (p->in_fd >= 0) send_credit(fr->id, STREAM_IN, INPUT_WINDOW);
}

void bg_list(const struct frame *fr) {
  for (int i = 0; i < g_proc_span; i++) {
    struct proc *p = &g_procs[i];
    if (!p->used || !p->background || !p->command) continue;
    struct fb f;
    fb_begin(&f, T_PROCESS, 0, 0, fr->id);
    fb_u32(&f, F_PID, (uint32_t)p->command);
    fb_u64(&f, F_STARTED_MS, (uint64_t)p->started_wall);
    fb_u32(&f, F_PTY, p->pty);
    for (size_t at = 0; at < p->argv_len && at < LIST_ARGV_BYTES;) {
      size_t n = strlen(p->argv_block + at), room = LIST_ARGV_BYTES - at;
      fb_bytes(&f, F_ARG, p->argv_block + at, n < room ? n : room);
      at += n + 1;
    }
    if (p->reported && p->ended_wall) {
      if (WIFSIGNALED(p->status)) fb_u32(&f, F_SIGNAL, (uint32_t)WTERMSIG(p->status));
      else fb_u32(&f, F_EXIT_CODE, (uint32_t)WEXITSTATUS(p->status));
      fb_u64(&f, F_ENDED_MS, (uint64_t)p->ended_wall);
    }
    fb_end(&f);
  }
  struct fb end;
  fb_begin(&end, T_PROCESS, FLAG_FIN, 0, fr->id);
  fb_end(&end);
}

int bg_close(uint32_t id) {
  struct sub *s = NULL;
  if (!bg_find_channel(id, &s) || !s) return 0;
  memset(s, 0, sizeof *s);
  return 1;
}
