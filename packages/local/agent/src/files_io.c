/*
 * Streamed file channels: READ sends DATA under the host's credit, counting the bytes it really
 * reads (never trusting a reported size); WRITE takes DATA under the agent's credit; LIST sends
 * ENTRIES frames under credit. All of them run in the agent's loop between other work.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

#define MAX_CHANNELS 256
/* Bytes of entries per ENTRIES frame. */
#define ENTRIES_CHUNK (64u * 1024u)

enum kind { C_FREE, C_READ, C_WRITE, C_LIST };

struct channel {
  enum kind kind;
  uint32_t id;
  int fd;
  DIR *dir;
  uint32_t credit;
  uint64_t moved;
  uint64_t max;
};

static struct channel g_channels[MAX_CHANNELS];
/* Open channels: with none, the loop skips the table. */
static int g_open;

static struct channel *find(uint32_t id) {
  for (int i = 0; i < MAX_CHANNELS; i++)
    if (g_channels[i].kind != C_FREE && g_channels[i].id == id) return &g_channels[i];
  return NULL;
}

int files_owns(uint32_t id) { return g_open > 0 && find(id) != NULL; }

static void release(struct channel *c) {
  if (c->kind != C_FREE) g_open--;
  if (c->dir) closedir(c->dir);
  else if (c->fd >= 0) close(c->fd);
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

/*
 * Opens a regular file for reading without opening anything else for I/O: an O_PATH handle is
 * checked first, then re-opened through /proc/self/fd (the same inode, no race).
 */
static int open_regular_for_read(const struct target *t, uint32_t id) {
  int path_fd = target_open(t, O_PATH, 0);
  if (path_fd < 0) return send_failure(id, errno), -1;
  struct stat st = {0};
  if (fstat(path_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    int dir = S_ISDIR(st.st_mode);
    close(path_fd);
    if (dir) send_failure(id, EISDIR);
    else send_error(id, E_NOT_REGULAR, 0, NULL);
    return -1;
  }
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", path_fd);
  int fd = open(link, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    /* No /proc: O_NONBLOCK keeps a FIFO swapped in meanwhile from blocking; fstat below rejects it. */
    fd = target_open(t, O_RDONLY | O_NONBLOCK, 0);
  }
  int err = errno;
  struct stat again;
  if (fd >= 0 && (fstat(fd, &again) < 0 || again.st_ino != st.st_ino || again.st_dev != st.st_dev)) {
    close(fd);
    fd = -1;
    err = ESTALE;
  }
  close(path_fd);
  if (fd < 0) send_failure(id, err);
  return fd;
}

/* Creates or truncates a regular file; refuses (and leaves untouched) anything else. */
static int open_regular_for_write(const struct target *t, uint32_t id, mode_t mode) {
  if (!t->name[0]) return send_failure(id, EISDIR), -1;
  /* O_NONBLOCK: opening a FIFO must fail (ENXIO) or return at once, never wait for a reader. */
  int fd = target_open(t, O_WRONLY | O_CREAT | O_NONBLOCK, mode);
  struct stat st;
  if (fd < 0) {
    int err = errno;
    if (err == ENXIO || (target_stat(t, 1, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
      send_error(id, E_NOT_REGULAR, err, NULL);
    } else {
      send_failure(id, err);
    }
    return -1;
  }
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    send_error(id, E_NOT_REGULAR, 0, NULL);
    return -1;
  }
  if (ftruncate(fd, 0) < 0) {
    int err = errno;
    close(fd);
    send_failure(id, err);
    return -1;
  }
  fcntl(fd, F_SETFL, 0);
  return fd;
}

void files_open_channel(const struct frame *fr, const struct file_request *req, const struct target *t) {
  if (find(fr->id)) return send_error(fr->id, E_BAD_REQUEST, 0, "the id is in use");
  struct channel *c = NULL;
  for (int i = 0; i < MAX_CHANNELS && !c; i++)
    if (g_channels[i].kind == C_FREE) c = &g_channels[i];
  if (!c) return send_error(fr->id, E_LIMIT, EAGAIN, "too many file transfers");
  int fd = -1;
  DIR *dir = NULL;
  if (fr->type == T_READ) {
    fd = open_regular_for_read(t, fr->id);
  } else if (fr->type == T_WRITE) {
    fd = open_regular_for_write(t, fr->id, (mode_t)req->mode);
  } else if (fr->type == T_LIST) {
    fd = target_open(t, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) send_failure(fr->id, errno);
    else if (!(dir = fdopendir(fd))) send_failure(fr->id, errno), close(fd), fd = -1;
  } else {
    return send_error(fr->id, E_BAD_REQUEST, 0, "unknown file request");
  }
  if (fd < 0) return;
  c->kind = fr->type == T_READ ? C_READ : fr->type == T_WRITE ? C_WRITE : C_LIST;
  g_open++;
  c->id = fr->id;
  c->fd = fd;
  c->dir = dir;
  c->max = req->max_bytes ? req->max_bytes : UINT64_MAX;
  c->credit = OUTPUT_WINDOW;
  if (c->kind == C_WRITE) send_credit(c->id, STREAM_IN, INPUT_WINDOW);
}

void files_data(const struct frame *fr) {
  struct channel *c = find(fr->id);
  if (!c || c->kind != C_WRITE || fr->stream != STREAM_IN) return;
  size_t done = 0;
  while (done < fr->len) {
    ssize_t n = write(c->fd, fr->payload + done, fr->len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      send_failure(c->id, n < 0 ? errno : EIO);
      return release(c);
    }
    done += (size_t)n;
  }
  if (fr->len) send_credit(c->id, STREAM_IN, (uint32_t)fr->len);
  if (fr->flags & FLAG_FIN) {
    int failed = close(c->fd) < 0;
    int err = errno;
    c->fd = -1;
    if (failed) send_failure(c->id, err);
    else send_ok(c->id);
    release(c);
  }
}

void files_credit(uint32_t id, uint16_t stream, uint32_t bytes) {
  struct channel *c = find(id);
  if (!c || stream != STREAM_OUT) return;
  c->credit = bytes > UINT32_MAX - c->credit ? UINT32_MAX : c->credit + bytes;
}

void files_close(uint32_t id) {
  struct channel *c = find(id);
  if (c) release(c);
}

static void pump_read(struct channel *c) {
  uint64_t room = c->max - c->moved + 1; /* one byte more than allowed reveals an oversized file */
  size_t want = c->credit < room ? c->credit : (size_t)room;
  ssize_t n = send_data_from_fd(c->id, STREAM_OUT, c->fd, want);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n < 0) return send_failure(c->id, errno), release(c);
  if (n == 0) return send_data(c->id, STREAM_OUT, FLAG_FIN, NULL, 0), release(c);
  c->moved += (uint64_t)n;
  c->credit -= (uint32_t)n;
  if (c->moved > c->max) send_error(c->id, E_TOO_LARGE, EFBIG, NULL), release(c);
}

static void pump_list(struct channel *c) {
  struct fb f;
  fb_begin(&f, T_ENTRIES, 0, STREAM_OUT, c->id);
  size_t start = g_out.len, bytes = 0;
  struct dirent *entry;
  errno = 0;
  while (bytes < ENTRIES_CHUNK && bytes < c->credit && (entry = readdir(c->dir))) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    struct stat st;
    if (fstatat(dirfd(c->dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue; /* gone meanwhile */
    uint32_t type = S_ISREG(st.st_mode) ? FT_FILE : S_ISDIR(st.st_mode) ? FT_DIR : S_ISLNK(st.st_mode) ? FT_SYMLINK : FT_OTHER;
    fb_str(&f, F_NAME, entry->d_name);
    fb_u32(&f, F_TYPE, type);
    fb_u64(&f, F_SIZE, (uint64_t)st.st_size);
    bytes = g_out.len - start;
    errno = 0;
  }
  int done = bytes < ENTRIES_CHUNK && bytes < c->credit;
  if (done) g_out.data[f.start + 5] = FLAG_FIN;
  fb_end(&f);
  c->credit = bytes >= c->credit ? 0 : c->credit - (uint32_t)bytes;
  if (done) release(c);
}

/* Moves one chunk per open channel; returns 1 when more work is ready without waiting. */
int files_pump(void) {
  int more = 0;
  if (g_open == 0) return 0;
  for (int i = 0; i < MAX_CHANNELS; i++) {
    struct channel *c = &g_channels[i];
    if ((c->kind != C_READ && c->kind != C_LIST) || c->credit == 0 || out_congested()) continue;
    if (c->kind == C_READ) pump_read(c);
    else pump_list(c);
    if (c->kind != C_FREE && c->credit > 0) more = 1;
  }
  return more;
}
