/*
 * Where a file path leads. Namespace tier ("native"): the agent runs inside the sandbox as its
 * user, so the kernel resolves paths exactly as for any command there. None tier ("confined"):
 * the agent runs on the host, and paths are resolved by hand against the configured roots,
 * like openat2(RESOLVE_IN_ROOT) but with absolute symlinks meaning the root's own path: every
 * component is opened without following symlinks, `..` never climbs above the root, and a
 * symlink pointing outside fails with EXDEV.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

#define MAX_ROOTS 8
#define MAX_DEPTH 256
#define MAX_HOPS 40

static char *g_roots[MAX_ROOTS];
static int g_root_count;

int resolve_init(char **roots, int count) {
  if (count > MAX_ROOTS) return -1;
  for (int i = 0; i < count; i++) g_roots[i] = roots[i];
  g_root_count = count;
  return 0;
}

int resolve_confined_mode(void) { return g_root_count > 0; }

void target_release(struct target *t) {
  if (t->dirfd >= 0) close(t->dirfd);
  t->dirfd = -1;
}

/* mkdir -p of every parent (and of the path itself when `all`), by path, as the kernel sees it. */
static int native_mkdirs(const char *path, int all) {
  char prefix[4096];
  size_t n = strlen(path);
  if (n >= sizeof prefix) return -ENAMETOOLONG;
  for (size_t i = 1; i <= n; i++) {
    if (i < n && path[i] != '/') continue;
    if (i == n && !all) break;
    memcpy(prefix, path, i);
    prefix[i] = 0;
    if (mkdir(prefix, 0755) < 0 && errno != EEXIST) return -errno;
  }
  return 0;
}

/* The root whose path prefixes `path` (longest first), and the remainder after it. */
static const char *pick_root(const char *path, const char **rest) {
  const char *best = NULL;
  size_t best_len = 0;
  for (int i = 0; i < g_root_count; i++) {
    size_t len = strlen(g_roots[i]);
    int inside = strncmp(path, g_roots[i], len) == 0 && (path[len] == 0 || path[len] == '/');
    if (inside && len >= best_len) best = g_roots[i], best_len = len;
  }
  if (best) *rest = path + best_len;
  return best;
}

/* Pops the next component off `q` (skipping empty ones and "."). */
static int next_component(const char *q, size_t *pos, char *name) {
  for (;;) {
    while (q[*pos] == '/') (*pos)++;
    if (!q[*pos]) return 0;
    size_t start = *pos;
    while (q[*pos] && q[*pos] != '/') (*pos)++;
    size_t len = *pos - start;
    if (len > 255) return -ENAMETOOLONG;
    memcpy(name, q + start, len);
    name[len] = 0;
    if (strcmp(name, ".") != 0) return 1;
  }
}

static int more_components(const char *q, size_t pos) {
  for (; q[pos]; pos++)
    if (q[pos] != '/' && !(q[pos] == '.' && (q[pos + 1] == '/' || !q[pos + 1]))) return 1;
  return 0;
}

/* Replaces the queue with `target` followed by what was left of it. */
static int requeue(char *q, size_t *pos, const char *target) {
  char joined[8192];
  if (strlen(target) + 1 + strlen(q + *pos) >= sizeof joined) return -ENAMETOOLONG;
  strcpy(joined, target);
  strcat(joined, "/");
  strcat(joined, q + *pos);
  strcpy(q, joined);
  *pos = 0;
  return 0;
}

/*
 * One component that is not a directory we could open: a missing entry (created when asked),
 * a file, or a symlink (resolved). Returns 1 to stop at it, 0 to go on, or -errno.
 */
static int step_special(const char *root, int *stack, int *depth, char *q, size_t *pos, const char *name, int last,
                        int create, int *hops) {
  int top = stack[*depth - 1];
  int open_err = errno;
  struct stat st;
  if (open_err == ENOENT && create && (!last || create == 2)) {
    if (mkdirat(top, name, 0755) < 0 && errno != EEXIST) return -errno;
    *pos -= strlen(name); /* open it again */
    return 0;
  }
  if (open_err != ENOENT && open_err != ENOTDIR && open_err != ELOOP) return -open_err;
  if (fstatat(top, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return last && errno == ENOENT ? 1 : -errno;
  if (!S_ISLNK(st.st_mode)) return last ? 1 : -ENOTDIR;
  if (++*hops > MAX_HOPS) return -ELOOP;
  char link[4096];
  ssize_t n = readlinkat(top, name, link, sizeof link - 1);
  if (n < 0) return -errno;
  link[n] = 0;
  const char *target = link;
  if (link[0] == '/') {
    /* Absolute targets name the root's own path; anything else leaves the sandbox. */
    size_t len = strlen(root);
    if (strncmp(link, root, len) != 0 || (link[len] && link[len] != '/')) return -EXDEV;
    target = link + len;
    while (*depth > 1) close(stack[--*depth]);
  }
  return requeue(q, pos, target);
}

static int confined(const char *path, int follow_last, int create, struct target *t) {
  const char *rest;
  const char *root = pick_root(path, &rest);
  if (!root) return -EXDEV;
  char q[8192], name[256] = "";
  if (strlen(rest) >= sizeof q) return -ENAMETOOLONG;
  strcpy(q, rest);
  int stack[MAX_DEPTH];
  int depth = 0;
  stack[depth++] = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (stack[0] < 0) return -errno;
  size_t pos = 0;
  int hops = 0, result = 0, whole = 0;
  for (;;) {
    int got = next_component(q, &pos, name);
    if (got <= 0) {
      result = got;
      whole = 1;
      break;
    }
    if (strcmp(name, "..") == 0) {
      if (depth > 1) close(stack[--depth]);
      continue;
    }
    int last = !more_components(q, pos);
    if (last && !follow_last && create < 2) break;
    int fd = openat(stack[depth - 1], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      if (depth == MAX_DEPTH) {
        close(fd);
        result = -ENAMETOOLONG;
        break;
      }
      stack[depth++] = fd;
      continue;
    }
    result = step_special(root, stack, &depth, q, &pos, name, last, create, &hops);
    if (result != 0) break;
  }
  for (int i = 0; i < depth - 1; i++) close(stack[i]);
  if (result < 0) {
    close(stack[depth - 1]);
    return result;
  }
  t->dirfd = stack[depth - 1];
  /* Consumed whole: the path is that directory itself. */
  strcpy(t->name, whole ? "" : name);
  return 0;
}

int resolve_path(const char *path, int follow_last, int create, struct target *t) {
  t->dirfd = -1;
  t->name[0] = 0;
  if (resolve_confined_mode()) {
    if (path[0] != '/') return -EXDEV;
    return confined(path, follow_last, create, t);
  }
  if (strlen(path) >= sizeof t->name) return -ENAMETOOLONG;
  if (create) {
    int err = native_mkdirs(path, create == 2);
    if (err < 0) return err;
  }
  t->dirfd = AT_FDCWD;
  strcpy(t->name, path);
  return 0;
}
