/*
 * Build-time generator of the sandbox's default seccomp filter: compiles the deny list below
 * with libseccomp into the classic BPF program that bubblewrap loads with `--seccomp FD`.
 *
 *   gen-seccomp x64|arm64 OUT.bpf     # the filter for that architecture (any build host)
 *   gen-seccomp x64|arm64 --pfc       # the same filter as readable pseudo code, on stdout
 *
 * It runs on the build host only, so libseccomp is a build dependency, never a runtime one; the
 * agent itself stays a static binary without it. The list follows Docker's default profile
 * (moby profiles/seccomp/default.json) for an unprivileged container: what that profile allows
 * only with a capability the sandbox never has, plus io_uring, which it also refuses. Everything
 * else is allowed: the list is a deny list, so a program needing a syscall nobody thought of
 * still runs. Refused calls fail with EPERM (Docker's errno), clone3 with ENOSYS so that C
 * libraries fall back to clone(2), whose flags a filter can inspect.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Refused outright. Keep docs/security.md and packages/local/README.md in step with this list. */
static const char *const DENIED[] = {
    /* kernel keyrings: shared per host uid, and a long record of kernel bugs */
    "add_key", "keyctl", "request_key",
    /* io_uring: does I/O no later filter sees; many kernel bugs */
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    /* user-mode page faults: the classic kernel-race amplifier */
    "userfaultfd",
    /* eBPF and perf: kernel attack surface, host-wide information */
    "bpf", "perf_event_open",
    /* new kernels and kernel modules */
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
    "query_module", "get_kernel_syms",
    /* mounts and namespaces from inside (bwrap made every mount before the filter applies) */
    "mount", "umount", "umount2", "pivot_root", "mount_setattr", "move_mount", "open_tree", "fsopen",
    "fsconfig", "fsmount", "fspick", "setns",
    /* host-wide clocks, power, swap, accounting and quotas */
    "reboot", "settimeofday", "stime", "clock_settime", "clock_adjtime", "adjtimex", "swapon", "swapoff",
    "acct", "quotactl", "quotactl_fd", "nfsservctl",
    /* file handles bypass path permissions; kcmp and process_vm_* peek at other processes */
    "name_to_handle_at", "open_by_handle_at", "kcmp", "process_vm_readv", "process_vm_writev",
    /* obsolete or hardware-level interfaces */
    "uselib", "ustat", "sysfs", "_sysctl", "lookup_dcookie", "vm86", "vm86old", "ioperm", "iopl",
    "syslog", "fanotify_init",
    NULL,
};

/* Namespace flags: clone(2) and unshare(2) with any of them are refused (Docker: CAP_SYS_ADMIN). */
static const unsigned long NAMESPACE_FLAGS[] = {
    0x00020000 /* CLONE_NEWNS */,  0x02000000 /* CLONE_NEWCGROUP */, 0x04000000 /* CLONE_NEWUTS */,
    0x08000000 /* CLONE_NEWIPC */, 0x10000000 /* CLONE_NEWUSER */,   0x20000000 /* CLONE_NEWPID */,
    0x40000000 /* CLONE_NEWNET */, 0x00000080 /* CLONE_NEWTIME */,
};

/* Mode bits a sandbox may never set: a setuid file in a workspace would be setuid on the host disk. */
#define SETID_BITS 06000 /* S_ISUID | S_ISGID */
#define CREATE_FLAGS 0x400040 /* O_CREAT | __O_TMPFILE, the same on x86 and arm */

/* Calls whose `mode_arg` carries new mode bits; `flags_arg` >= 0 when O_CREAT must be set too. */
static const struct {
  const char *name;
  int mode_arg, flags_arg;
} MODE_CALLS[] = {
    {"chmod", 1, -1},  {"fchmod", 1, -1},  {"fchmodat", 2, -1}, {"mkdir", 1, -1}, {"mkdirat", 2, -1},
    {"mknod", 1, -1},  {"mknodat", 2, -1}, {"creat", 1, -1},    {"open", 2, 1},   {"openat", 3, 2},
};

/* Raw numbers of calls newer than the build host's libseccomp may know (same on every ABI here). */
#define NR_FCHMODAT2 452
#define NR_OPENAT2 437

static int fail(const char *what, int rc) {
  fprintf(stderr, "gen-seccomp: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
  return 1;
}

/* Native and compat ABIs of one machine: a 32-bit program must meet the same filter. */
static int add_arches(scmp_filter_ctx ctx, const char *arch) {
  const uint32_t *list;
  static const uint32_t x64[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, 0};
  static const uint32_t arm64[] = {SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, 0};
  if (strcmp(arch, "x64") == 0) list = x64;
  else if (strcmp(arch, "arm64") == 0) list = arm64;
  else return -EINVAL;
  int rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
  if (rc < 0) return rc;
  for (int i = 0; list[i]; i++) {
    rc = seccomp_arch_add(ctx, list[i]);
    if (rc < 0 && rc != -EEXIST) return rc;
  }
  return 0;
}

/* A name this libseccomp does not know on any architecture is a typo in the list: fail the build. */
static int deny(scmp_filter_ctx ctx, const char *name) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) {
    fprintf(stderr, "gen-seccomp: unknown syscall %s\n", name);
    return -EINVAL;
  }
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
  /* -EDOM/-EOPNOTSUPP: the call does not exist on one of the ABIs; nothing to refuse there. */
  return rc == -EDOM || rc == -EOPNOTSUPP ? 0 : rc;
}

static int deny_flags(scmp_filter_ctx ctx, int nr, unsigned arg) {
  for (size_t i = 0; i < sizeof NAMESPACE_FLAGS / sizeof NAMESPACE_FLAGS[0]; i++) {
    unsigned long flag = NAMESPACE_FLAGS[i];
    struct scmp_arg_cmp cmp = {arg, SCMP_CMP_MASKED_EQ, flag, flag};
    int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &cmp);
    if (rc < 0) return rc;
  }
  return 0;
}

/* Refuses setting S_ISUID/S_ISGID through any call that sets a mode (see SETID_BITS). */
static int deny_setid(scmp_filter_ctx ctx) {
  for (size_t i = 0; i < sizeof MODE_CALLS / sizeof MODE_CALLS[0]; i++) {
    int nr = seccomp_syscall_resolve_name(MODE_CALLS[i].name);
    struct scmp_arg_cmp cmp[2] = {{(unsigned)MODE_CALLS[i].mode_arg, SCMP_CMP_MASKED_EQ, SETID_BITS, 0}};
    unsigned count = 1;
    if (MODE_CALLS[i].flags_arg >= 0) {
      cmp[1] = (struct scmp_arg_cmp){(unsigned)MODE_CALLS[i].flags_arg, SCMP_CMP_MASKED_EQ, CREATE_FLAGS, 0};
      count = 2;
    }
    /* "bits & SETID_BITS != 0" is two rules, one per bit (MASKED_EQ compares for equality). */
    for (unsigned long bit = 02000; bit <= 04000; bit <<= 1) {
      cmp[0].datum_a = bit;
      cmp[0].datum_b = bit;
      if (count == 2) {
        for (unsigned long flag = 0x40; flag <= 0x400000; flag = flag == 0x40 ? 0x400000 : flag << 1) {
          cmp[1].datum_a = flag;
          cmp[1].datum_b = flag;
          int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, count, cmp);
          if (rc < 0 && rc != -EDOM && rc != -EOPNOTSUPP) return rc;
        }
      } else {
        int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, count, cmp);
        if (rc < 0 && rc != -EDOM && rc != -EOPNOTSUPP) return rc;
      }
    }
  }
  /* fchmodat2 and openat2 carry modes too (openat2 in memory): ENOSYS makes libc fall back. */
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), NR_FCHMODAT2, 0);
  if (rc < 0) return rc;
  return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), NR_OPENAT2, 0);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: gen-seccomp x64|arm64 OUT.bpf|--pfc\n");
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return fail("seccomp_init", ENOMEM);
  int rc = add_arches(ctx, argv[1]);
  if (rc < 0) return fail("architecture", rc);
  /* Let the kernel refuse anything of an ABI the filter does not know, rather than allow it. */
  if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0) return fail("badarch", rc);
  for (int i = 0; DENIED[i]; i++) {
    if ((rc = deny(ctx, DENIED[i])) < 0) return fail(DENIED[i], rc);
  }
  /* clone's flags are its first argument on x86 and arm (not on s390, which we do not build). */
  if ((rc = deny_flags(ctx, SCMP_SYS(clone), 0)) < 0) return fail("clone", rc);
  if ((rc = deny_flags(ctx, SCMP_SYS(unshare), 0)) < 0) return fail("unshare", rc);
  if ((rc = deny_setid(ctx)) < 0) return fail("setid modes", rc);
  /* clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc use clone. */
  if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0) return fail("clone3", rc);
  if (strcmp(argv[2], "--pfc") == 0) {
    rc = seccomp_export_pfc(ctx, STDOUT_FILENO);
    return rc < 0 ? fail("export", rc) : 0;
  }
  int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(argv[2], errno);
  rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) return fail("export", rc);
  if (close(fd) < 0) return fail(argv[2], errno);
  seccomp_release(ctx);
  return 0;
}
