/*
 * File operations, done by the agent as the sandbox user: stat, mkdir, remove (here) and the
 * streamed read, write and list channels (files_io.c). Only regular files and directories are
 * read or written; FIFOs, devices and sockets are refused without ever being opened for I/O.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

static int file_type(mode_t mode) {
  if (S_ISREG(mode)) return FT_FILE;
  if (S_ISDIR(mode)) return FT_DIR;
  if (S_ISLNK(mode)) return FT_SYMLINK;
  return FT_OTHER;
}

int target_stat(const struct target *t, int follow, struct stat *st) {
  if (!t->name[0]) return fstat(t->dirfd, st);
  int flags = follow && !resolve_confined_mode() ? 0 : AT_SYMLINK_NOFOLLOW;
  return fstatat(t->dirfd, t->name, st, flags);
}

int target_open(const struct target *t, int flags, mode_t mode) {
  if (resolve_confined_mode()) flags |= O_NOFOLLOW;
  return openat(t->dirfd, t->name[0] ? t->name : ".", flags | O_CLOEXEC | O_NOCTTY, mode);
}

/* Reports a failed operation: errno, or E_OUTSIDE for a confined path that leaves the roots. */
void send_failure(uint32_t id, int err) {
  if (err == EXDEV && resolve_confined_mode()) return send_error(id, E_OUTSIDE, err, NULL);
  send_error(id, E_ERRNO, err, NULL);
}

/* The request's path and numeric options; 0, or -1 after reporting a malformed request. */
int parse_file_request(const struct frame *fr, struct file_request *req) {
  struct fields it;
  struct field f;
  memset(req, 0, sizeof *req);
  req->mode = 0644;
  fields_init(&it, fr->payload, fr->len);
  int ok = 1;
  while (ok && fields_next(&it, &f)) {
    switch (f.tag) {
      case F_PATH:
        ok = field_cstr(&f, req->path, sizeof req->path) == 0 && req->path[0];
        break;
      case F_MODE:
        ok = field_u32(&f, &req->mode) == 0 && req->mode <= 07777;
        break;
      case F_FOLLOW:
        ok = field_u32(&f, &req->follow) == 0;
        break;
      case F_RECURSIVE:
        ok = field_u32(&f, &req->recursive) == 0;
        break;
      case F_MAX_BYTES:
        ok = field_u64(&f, &req->max_bytes) == 0;
        break;
      default:
        ok = (f.tag & TAG_OPTIONAL) != 0;
    }
  }
  if (!ok || it.bad || !req->path[0]) {
    send_error(fr->id, E_BAD_REQUEST, 0, "malformed file request");
    return -1;
  }
  return 0;
}

static void do_stat(uint32_t id, const struct target *t, int follow) {
  struct stat st;
  if (target_stat(t, follow, &st) < 0) return send_failure(id, errno);
  struct fb f;
  fb_begin(&f, T_OK, 0, 0, id);
  fb_u32(&f, F_TYPE, (uint32_t)file_type(st.st_mode));
  fb_u64(&f, F_SIZE, (uint64_t)st.st_size);
  fb_u32(&f, F_MODE, (uint32_t)(st.st_mode & 07777));
  fb_u64(&f, F_MTIME_NS, (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec);
  fb_end(&f);
}

static void do_mkdir(uint32_t id, const struct target *t) {
  struct stat st;
  if (target_stat(t, 1, &st) < 0) return send_failure(id, errno);
  if (!S_ISDIR(st.st_mode)) return send_failure(id, EEXIST);
  send_ok(id);
}

/* Removes a tree below an open directory, never following a symlink. */
static int remove_tree(int parent, const char *name) {
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -errno;
  DIR *dir = fdopendir(fd);
  if (!dir) {
    int err = errno;
    close(fd);
    return -err;
  }
  int err = 0;
  struct dirent *entry;
  while (!err && (entry = readdir(dir))) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    if (unlinkat(fd, entry->d_name, 0) == 0) continue;
    if (errno == EISDIR || errno == EPERM) err = remove_tree(fd, entry->d_name);
    else if (errno != ENOENT) err = -errno;
  }
  closedir(dir);
  if (!err && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT) err = -errno;
  return err;
}

static void do_remove(uint32_t id, const struct target *t, int recursive) {
  if (!t->name[0]) return send_failure(id, EINVAL);
  struct stat st;
  if (target_stat(t, 0, &st) < 0) {
    if (errno == ENOENT) return send_ok(id);
    return send_failure(id, errno);
  }
  int err = 0;
  if (!S_ISDIR(st.st_mode)) err = unlinkat(t->dirfd, t->name, 0) < 0 ? -errno : 0;
  else if (recursive) err = remove_tree(t->dirfd, t->name);
  else err = unlinkat(t->dirfd, t->name, AT_REMOVEDIR) < 0 ? -errno : 0;
  if (err < 0 && err != -ENOENT) return send_failure(id, -err);
  send_ok(id);
}

void files_request(const struct frame *fr) {
  struct file_request req;
  if (parse_file_request(fr, &req) < 0) return;
  int follow = fr->type == T_STAT ? (int)req.follow : fr->type != T_REMOVE;
  int create = fr->type == T_MKDIR ? 2 : fr->type == T_WRITE ? 1 : 0;
  struct target t;
  int err = resolve_path(req.path, follow, create, &t);
  if (err < 0) return send_failure(fr->id, -err);
  switch (fr->type) {
    case T_STAT:
      do_stat(fr->id, &t, follow);
      break;
    case T_MKDIR:
      do_mkdir(fr->id, &t);
      break;
    case T_REMOVE:
      do_remove(fr->id, &t, (int)req.recursive);
      break;
    default:
      files_open_channel(fr, &req, &t);
  }
  target_release(&t);
}
