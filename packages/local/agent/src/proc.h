/* The process table (proc.c), shared with the spawner (spawn.c) and the reaper (reap.c). */
#ifndef OL_PROC_H
#define OL_PROC_H

#include "agent.h"

#define MAX_PROCS 1024
/* Followers of one background process at a time. */
#define MAX_SUBS 16

/* What a background process printed: the last RING_BYTES of a stream, by absolute position. */
struct ring {
  uint8_t *data;
  size_t cap;     /* grows to RING_BYTES, then wraps */
  uint64_t total; /* bytes ever written */
};

/* A host channel following a background process (the START channel or an ATTACH). */
struct sub {
  uint32_t id;       /* 0: free */
  uint64_t cursor[2]; /* next absolute position to send, per stream */
  uint32_t credit[2];
  uint32_t in_owed;   /* stdin credit held back while the stdin queue is long */
};

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
  int64_t held_at;   /* since when the host holds output back after exit (0: it does not) */
  int reported;      /* EXIT sent (background: the command is done and its pipes closed) */
  /* Background processes (bg.c) and terminals (pty.c). */
  int background;
  int pty;           /* runs on a terminal */
  int pty_fd;        /* its master, kept for RESIZE until the process is done; -1 otherwise */
  pid_t command;     /* the command's pid, from the shim; 0 until known */
  int64_t started_wall, ended_wall;
  char *argv_block;  /* NUL-separated argv, for PLIST */
  size_t argv_len;
  struct ring ring[2];
  struct sub subs[MAX_SUBS];
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
  int pty;              /* run under a new terminal of cols x rows */
  int report_pid;       /* the shim reports the command's pid ('P') */
  uint16_t cols, rows;
};
const char *resolve_program(const char *name, char **envp, char *out, size_t cap);
/* Forks the shim for `p`; 0 or -errno. */
int spawn_proc(struct proc *p, const struct spawn_request *req);

void proc_read_status(struct proc *p);
void proc_set_status(struct proc *p, int status);

/* bg.c */
struct proc *bg_find_channel(uint32_t id, struct sub **sub);
void bg_begin(struct proc *p, uint32_t id, char *argv_block, size_t argv_len);
void bg_read(struct proc *p, int i);
void bg_stdin_credit(struct proc *p, uint32_t id, uint32_t bytes);
void bg_stdin_drained(struct proc *p);
void bg_credit(struct proc *p, struct sub *s, uint16_t stream, uint32_t bytes);
void bg_tick(struct proc *p, int64_t now, int64_t *next);
void bg_started(struct proc *p);
void bg_attach(const struct frame *fr);
void bg_list(const struct frame *fr);
int bg_close(uint32_t id);
void bg_free(struct proc *p);
void bg_retain(void);
void proc_send_exit(struct proc *p, uint32_t id);

/* pty.c */
int pty_open(uint16_t cols, uint16_t rows, int *master, int *slave);
void pty_resize(const struct frame *fr);

/* tree.c: a signal for every process below a shim */
void signal_tree(pid_t shim, int signum);

/* reap.c */
void reap_children(void);
pid_t first_child_of(pid_t parent);
void sweep_strays(void);
int sweep_active(void);
int is_live_shim(pid_t pid);

#endif
