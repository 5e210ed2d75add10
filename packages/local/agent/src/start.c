/* START: parsing a request into argv, env and options, and starting its process. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

/* Parses the strings of a START: argv, env and cwd, copied NUL-terminated into one block. */
static int parse_start(const struct frame *fr, struct spawn_request *req, char **block, uint64_t *timeout, char *cwd,
                       size_t cwd_cap) {
  struct fields it;
  struct field f;
  size_t args = 0, envs = 0, bytes = 0;
  uint32_t value;
  fields_init(&it, fr->payload, fr->len);
  while (fields_next(&it, &f)) {
    switch (f.tag) {
      case F_ARG:
      case F_ENV:
        if (memchr(f.value, 0, f.len)) return -1;
        if (f.tag == F_ARG) args++;
        else envs++;
        bytes += f.len + 1;
        break;
      case F_CWD:
        if (field_cstr(&f, cwd, cwd_cap) < 0 || !cwd[0]) return -1;
        break;
      case F_TIMEOUT_MS:
        if (field_u64(&f, timeout) < 0) return -1;
        break;
      case F_STDIN:
        if (field_u32(&f, &value) < 0 || value > STDIN_PIPE) return -1;
        req->stdin_pipe = value == STDIN_PIPE;
        break;
      case F_OUTPUT:
        if (field_u32(&f, &value) < 0 || value > OUTPUT_DISCARD) return -1;
        req->discard_output = value == OUTPUT_DISCARD;
        break;
      default:
        if (!(f.tag & TAG_OPTIONAL)) return -1;
    }
  }
  if (it.bad || args == 0) return -1;
  char **vec = calloc(args + envs + 2, sizeof *vec);
  char *text = malloc(bytes);
  if (!vec || !text) {
    free(vec);
    free(text);
    return -2;
  }
  req->argv = vec;
  req->envp = vec + args + 1;
  size_t a = 0, e = 0, at = 0;
  fields_init(&it, fr->payload, fr->len);
  while (fields_next(&it, &f)) {
    if (f.tag != F_ARG && f.tag != F_ENV) continue;
    memcpy(text + at, f.value, f.len);
    text[at + f.len] = 0;
    if (f.tag == F_ARG) req->argv[a++] = text + at;
    else req->envp[e++] = text + at;
    at += f.len + 1;
  }
  *block = text;
  return 0;
}

void proc_start(const struct frame *fr) {
  if (fr->id == 0 || proc_find(fr->id)) return send_error(fr->id, E_BAD_REQUEST, 0, "the id is in use");
  struct proc *p = NULL;
  for (int i = 0; i < MAX_PROCS && !p; i++)
    if (!g_procs[i].used) p = &g_procs[i];
  /* Loops only look at slots below the span: an idle agent does no work per slot. */
  if (p && p - g_procs >= g_proc_span) g_proc_span = (int)(p - g_procs) + 1;
  if (!p) return send_error(fr->id, E_LIMIT, EAGAIN, "too many processes");
  struct spawn_request req = {.cwd_fd = -1};
  char *block = NULL, cwd[4096] = "";
  uint64_t timeout = 0;
  int parsed = parse_start(fr, &req, &block, &timeout, cwd, sizeof cwd);
  if (parsed < 0) return send_error(fr->id, parsed == -2 ? E_LIMIT : E_BAD_REQUEST, 0, "malformed START");
  if (cwd[0]) {
    req.cwd_fd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (req.cwd_fd < 0) {
      send_error(fr->id, E_CWD, errno, NULL);
      goto done;
    }
  }
  memset(p, 0, sizeof *p);
  p->id = fr->id;
  char program[4096];
  req.resolved = resolve_program(req.argv[0], req.envp, program, sizeof program);
  int err = spawn_proc(p, &req);
  if (err < 0) {
    send_error(fr->id, E_START, -err, NULL);
    goto done;
  }
  p->used = 1;
  p->credit[0] = p->credit[1] = OUTPUT_WINDOW;
  p->deadline = timeout ? now_ms() + (int64_t)timeout : 0;
  if (p->in_fd >= 0) send_credit(p->id, STREAM_IN, INPUT_WINDOW);
  /* A process that is not an exec (its output discarded) is confirmed as running; an exec is
   * not (its EXIT follows soon, and one frame less is one wake-up of the host less). */
  if (req.discard_output) {
    struct fb f;
    fb_begin(&f, T_STARTED, 0, 0, p->id);
    fb_end(&f);
  }
done:
  if (req.cwd_fd >= 0) close(req.cwd_fd);
  free(req.argv);
  free(block);
}

