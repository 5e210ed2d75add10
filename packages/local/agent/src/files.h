/* File operations shared by files.c (one-shot requests) and files_io.c (streamed channels). */
#ifndef OL_FILES_H
#define OL_FILES_H

#include <sys/stat.h>

#include "agent.h"

struct file_request {
  char path[4096];
  uint32_t mode;
  uint32_t follow;
  uint32_t recursive;
  uint64_t max_bytes;
};

int target_stat(const struct target *t, int follow, struct stat *st);
int target_open(const struct target *t, int flags, mode_t mode);
void send_failure(uint32_t id, int err);
int parse_file_request(const struct frame *fr, struct file_request *req);
void files_open_channel(const struct frame *fr, const struct file_request *req, const struct target *t);

#endif
