/* Growable byte buffers: a consumed prefix is dropped lazily, so appends and consumes stay cheap. */
#include <stdlib.h>
#include <string.h>

#include "agent.h"

size_t buf_pending(const struct buf *b) { return b->len - b->off; }

/* Makes room for `extra` more bytes after `len`, compacting before growing. */
int buf_reserve(struct buf *b, size_t extra) {
  if (b->cap - b->len >= extra) return 0;
  /* Compact only when what moves is no more than what was consumed: amortised O(1) per byte. */
  if (b->off > 0 && b->off >= b->len - b->off) {
    memmove(b->data, b->data + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
    if (b->cap - b->len >= extra) return 0;
  }
  size_t cap = b->cap ? b->cap : 4096;
  while (cap - b->len < extra) cap *= 2;
  uint8_t *grown = realloc(b->data, cap);
  if (!grown) return -1;
  b->data = grown;
  b->cap = cap;
  return 0;
}

int buf_append(struct buf *b, const void *data, size_t n) {
  if (buf_reserve(b, n) < 0) return -1;
  memcpy(b->data + b->len, data, n);
  b->len += n;
  return 0;
}

void buf_consume(struct buf *b, size_t n) {
  b->off += n;
  if (b->off >= b->len) b->off = b->len = 0;
}

/* Gives memory back once a burst is over (an idle sandbox should cost almost nothing). */
void buf_trim(struct buf *b, size_t keep_cap) {
  if (buf_pending(b) > 0 || b->cap <= keep_cap * 4) return;
  if (keep_cap == 0) return buf_free(b);
  b->off = b->len = 0;
  uint8_t *smaller = realloc(b->data, keep_cap);
  if (!smaller) return;
  b->data = smaller;
  b->cap = keep_cap;
}

void buf_free(struct buf *b) {
  free(b->data);
  b->data = NULL;
  b->off = b->len = b->cap = 0;
}
