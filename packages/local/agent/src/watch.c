/*
 * WATCH: inotify on a path of the sandbox, as the sandbox user. Each watch channel has its own
 * inotify instance; a recursive watch adds every subdirectory, and each one created later.
 * Directories are opened without following symlinks (from their parent's descriptor) and
 * watched through /proc/self/fd, so a watch never leaves the tree it was asked for. Events go
 * out as EVENT frames (F_TYPE create/modify/delete, F_PATH); while the host's queue is long
 * the agent stops reading, and the kernel's queue absorbs (or drops) the rest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

#define MAX_WATCHES 64
#define MAX_DIRS 8192
#define MASK (IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_ONLYDIR)

struct wdir {
  int wd;
  char *path;
};

struct watch_ch {
  uint32_t id; /* 0: free */
  int fd;
  int recursive;
  struct wdir *dirs;
  int ndirs;
};

static struct watch_ch g_w[MAX_WATCHES];

static void add_dir(struct watch_ch *w, int fd, const char *path, int depth);

/* Watches the directory open at `fd` (and, when recursive, every directory below it). */
static int watch_fd(struct watch_ch *w, int fd, const char *path, uint32_t mask) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  int wd = inotify_add_watch(w->fd, link, mask);
  if (wd < 0) return -errno;
  if (w->ndirs == MAX_DIRS) return -ENOSPC;
  struct wdir *grown = realloc(w->dirs, (size_t)(w->ndirs + 1) * sizeof *grown);
  char *copy = strdup(path);
  if (!grown || !copy) return free(copy), -ENOMEM;
  w->dirs = grown;
  w->dirs[w->ndirs++] = (struct wdir){wd, copy};
  return 0;
}

static void add_dir(struct watch_ch *w, int fd, const char *path, int depth) {
  if (watch_fd(w, fd, path, MASK) < 0 || !w->recursive || depth > 64) return;
  int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
  if (!dir) return (void)(dup_fd >= 0 && close(dup_fd));
  struct dirent *e;
  while ((e = readdir(dir))) {
    if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    int sub = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) continue;
    char child[4096];
    if ((size_t)snprintf(child, sizeof child, "%s/%s", path, e->d_name) < sizeof child) add_dir(w, sub, child, depth + 1);
    close(sub);
  }
  closedir(dir);
}

static void release(struct watch_ch *w) {
  if (w->fd >= 0) close(w->fd);
  for (int i = 0; i < w->ndirs; i++) free(w->dirs[i].path);
  free(w->dirs);
  memset(w, 0, sizeof *w);
}

void watch_start(const struct frame *fr) {
  struct file_request req;
  if (parse_file_request(fr, &req) < 0) return;
  struct watch_ch *w = NULL;
  for (int i = 0; i < MAX_WATCHES; i++) {
    if (g_w[i].id == fr->id) return send_error(fr->id, E_BAD_REQUEST, 0, "the id is in use");
    if (!g_w[i].id && !w) w = &g_w[i];
  }
  if (!w || fr->id == 0) return send_error(fr->id, E_LIMIT, EAGAIN, "too many watches");
  struct target t;
  int err = resolve_path(req.path, 1, 0, &t);
  if (err < 0) return send_failure(fr->id, -err);
  int fd = target_open(&t, O_PATH, 0);
  target_release(&t);
  if (fd < 0) return send_failure(fr->id, errno);
  struct stat st;
  w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->fd < 0 || fstat(fd, &st) < 0) {
    err = errno;
    close(fd);
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    return send_failure(fr->id, err);
  }
  w->id = fr->id;
  w->recursive = (int)req.recursive;
  size_t len = strlen(req.path);
  while (len > 1 && req.path[len - 1] == '/') req.path[--len] = 0;
  if (S_ISDIR(st.st_mode)) {
    int dir = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) add_dir(w, dir, req.path, 0), close(dir);
  } else {
    /* A single file: its changes and its removal. */
    w->recursive = 0;
    err = watch_fd(w, fd, req.path, IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF);
    if (err < 0 && w->ndirs == 0) err = -err;
  }
  close(fd);
  if (w->ndirs == 0) {
    release(w);
    return send_failure(fr->id, err > 0 ? err : EACCES);
  }
  send_ok(fr->id);
}

int watch_close(uint32_t id) {
  for (int i = 0; i < MAX_WATCHES; i++)
    if (id && g_w[i].id == id) return release(&g_w[i]), 1;
  return 0;
}

static struct wdir *dir_of(struct watch_ch *w, int wd) {
  for (int i = 0; i < w->ndirs; i++)
    if (w->dirs[i].wd == wd) return &w->dirs[i];
  return NULL;
}

static void event(struct watch_ch *w, uint32_t type, const char *dir, const char *name) {
  char path[4096];
  if (name && name[0]) snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", name);
  else snprintf(path, sizeof path, "%s", dir);
  struct fb f;
  fb_begin(&f, T_EVENT, 0, 0, w->id);
  fb_u32(&f, F_TYPE, type);
  fb_str(&f, F_PATH, path);
  fb_end(&f);
}

static void on_events(void *ctx, int fd, short revents) {
  (void)revents;
  struct watch_ch *w = ctx;
  char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
  ssize_t n = read(fd, buf, sizeof buf);
  for (char *at = buf; n > 0 && at < buf + n;) {
    struct inotify_event *e = (struct inotify_event *)at;
    at += sizeof *e + e->len;
    struct wdir *d = dir_of(w, e->wd);
    if (!d) continue;
    const char *name = e->len ? e->name : "";
    if (e->mask & (IN_CREATE | IN_MOVED_TO)) {
      event(w, EV_CREATE, d->path, name);
      if (w->recursive && e->mask & IN_ISDIR) {
        /* A new directory: watched from now on (what it got before that is not reported). */
        char child[4096];
        if ((size_t)snprintf(child, sizeof child, "%s/%s", d->path, name) < sizeof child) {
          int sub = open(child, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub >= 0) add_dir(w, sub, child, 1), close(sub);
        }
        d = NULL; /* add_dir may have moved the table */
      }
    } else if (e->mask & IN_MODIFY) {
      event(w, EV_MODIFY, d->path, name);
    } else if (e->mask & (IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF)) {
      /* A subdirectory's own removal was reported by its parent already. */
      if (!(e->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) || d == &w->dirs[0]) event(w, EV_DELETE, d->path, name);
    }
  }
}

void watch_poll(void) {
  if (out_congested()) return;
  for (int i = 0; i < MAX_WATCHES; i++)
    if (g_w[i].id && g_w[i].fd >= 0) poll_add(g_w[i].fd, POLLIN, on_events, &g_w[i]);
}
