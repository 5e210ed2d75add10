/*
 * The writable root of an image sandbox: an overlay of the shared, read-only image rootfs (the
 * lower layer, an fd opened while still privileged) and the sandbox's own upper directory.
 *
 * Done by the launcher after it dropped to the sandbox's host uid and before it execs bwrap:
 * it enters a new user namespace that maps only that uid to itself (so bwrap and everything
 * after see the same uid, and no capability survives the exec) plus a new mount namespace, and
 * mounts the overlay there (unprivileged overlayfs in a user namespace, Linux >= 5.11, with
 * user.* xattrs). bwrap, started next in that mount namespace, binds the merged tree as the
 * sandbox's `/`. The mount is nosuid and nodev, and dies with the sandbox's last process.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "agent.h"

static int write_text(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int err = errno;
  close(fd);
  errno = err;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int fail(const char *what) {
  fprintf(stderr, "openlattice-agent: overlay root: %s: %s\n", what, strerror(errno));
  return -1;
}

/* SPEC is FD:UPPER:WORK:TARGET, with absolute paths that contain no ':' or ','. */
int mount_overlay_root(const char *spec) {
  char buf[4096];
  if (strlen(spec) >= sizeof buf) return errno = ENAMETOOLONG, fail("spec too long");
  strcpy(buf, spec);
  char *parts[4];
  char *cursor = buf;
  for (int i = 0; i < 4; i++) {
    parts[i] = cursor;
    char *colon = i < 3 ? strchr(cursor, ':') : NULL;
    if (i < 3 && !colon) return errno = EINVAL, fail("bad spec");
    if (colon) {
      *colon = 0;
      cursor = colon + 1;
    }
  }
  char *end;
  long fd = strtol(parts[0], &end, 10);
  if (*end || fd < 4 || fd > 1023 || fcntl((int)fd, F_GETFD) < 0) return errno = EBADF, fail("bad lower fd");
  for (int i = 1; i < 4; i++) {
    if (parts[i][0] != '/' || strchr(parts[i], ',')) return errno = EINVAL, fail("bad path");
  }
  uid_t uid = getuid();
  gid_t gid = getgid();
  /*
   * The fd names the lower layer in the old mount namespace, which overlayfs refuses; the
   * working directory is carried into the new namespace by unshare itself, and needs no path
   * the sandbox's uid could walk (the image cache is owner-only).
   */
  if (fchdir((int)fd) < 0) return fail("enter the lower layer");
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) return fail("unshare");
  /* After a uid change the process is not dumpable and its /proc files belong to root. */
  int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  (void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  char map[64];
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
  if (write_text("/proc/self/uid_map", map) < 0) return fail("uid_map");
  if (write_text("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) return fail("setgroups");
  snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
  if (write_text("/proc/self/gid_map", map) < 0) return fail("gid_map");
  (void)prctl(PR_SET_DUMPABLE, dumpable > 0 ? 1 : 0, 0, 0, 0);
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return fail("make mounts private");
  char options[4096 + 64];
  int n = snprintf(options, sizeof options, "lowerdir=.,upperdir=%s,workdir=%s,userxattr", parts[1], parts[2]);
  if (n < 0 || (size_t)n >= sizeof options) return errno = ENAMETOOLONG, fail("options too long");
  if (mount("overlay", parts[3], "overlay", MS_NOSUID | MS_NODEV, options) < 0) return fail("mount");
  /* The lower layer is reachable only through the overlay from now on. */
  close((int)fd);
  if (chdir("/") < 0) return fail("leave the lower layer");
  return 0;
}
