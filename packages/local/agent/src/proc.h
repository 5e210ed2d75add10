/* The process table (proc.c), shared with the spawner (spawn.c) and the reaper (reap.c). */
#ifndef OL_PROC_H
#define OL_PROC_H

#include "agent.h"

#define MAX_PROCS 1024

/*
 * One process the host started. The agent forks a shim per process: a subreaper that forks the
 * command and then reaps everything the command leaves behind, so the whole tree (daemons and
 * `setsid` escapees included) stays below one pid the agent can kill. The shim reports the
 * command's wait status over `status_fd`.
 */
struct proc {
  int used;
  uint32_t id;
  pid_t shim;      /* 0 once reaped */
  int status_fd;   /* shim -> agent: 'X' + wait status; -1 after EOF */
  int in_fd;       /* stdin pipe (write end), -1 when none or closed */
  struct buf in;   /* stdin bytes received, not yet written */
  int in_fin;      /* the host closed stdin */
  int out_fd[2];   /* stdout, stderr (read ends), -1 at EOF */
  uint32_t credit[2];
  int big_pipe[2]; /* grown for bulk output */
  int have_status; /* the command's wait status is known */
  int status;
  int killed;    /* the agent killed the tree */
  int timed_out; /* ... because of the timeout */
  int64_t deadline;  /* timeout, 0 for none */
  int64_t exited_at; /* when the command's status arrived */
  int64_t last_out;  /* last output read (or blocked by the host) */
  int reported;      /* EXIT sent */
};

extern struct proc g_procs[MAX_PROCS];
/* One past the highest slot ever used. */
extern int g_proc_span;
struct proc *proc_find(uint32_t id);
extern int g_oom_reset;

struct spawn_request {
  char **argv;
  char **envp;
  int cwd_fd; /* -1: the agent's own working directory */
  int stdin_pipe;
  int discard_output;
  const char *resolved; /* argv[0] found in PATH by the agent, or NULL */
};
const char *resolve_program(const char *name, char **envp, char *out, size_t cap);
/* Forks the shim for `p`; 0 or -errno. */
int spawn_proc(struct proc *p, const struct spawn_request *req);

void proc_read_status(struct proc *p);
void proc_set_status(struct proc *p, int status);

/* reap.c */
void reap_children(void);
pid_t first_child_of(pid_t parent);
void sweep_strays(void);
int sweep_active(void);
int is_live_shim(pid_t pid);

#endif
