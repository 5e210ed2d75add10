/*
 * Wire constants of the openlattice agent protocol, version 1. PROTOCOL.md beside this
 * directory is the specification; packages/local/src/agent/protocol.ts mirrors these numbers
 * for the host. Change both together and bump PROTO_VERSION for incompatible changes.
 */
#ifndef OL_PROTOCOL_H
#define OL_PROTOCOL_H

#define PROTO_VERSION 1u
#define AGENT_NAME "openlattice-agent 0.1.0"

/* Frame header: u32 length (bytes after this field), u8 type, u8 flags, u16 stream, u32 id. */
#define HEADER_BYTES 12u
/* Largest frame the agent accepts (a request carrying argv and env). */
#define MAX_INBOUND_FRAME (8u * 1024u * 1024u)
/* Largest DATA payload the agent sends (one read of a grown pipe); the host rejects frames above 1 MiB. */
#define MAX_DATA_PAYLOAD (1024u * 1024u - 64u)
/* Bytes the host may receive on one output stream before it grants more credit. */
#define OUTPUT_WINDOW (4u * 1024u * 1024u)
/* Bytes the agent lets the host send on one input stream before it grants more. */
#define INPUT_WINDOW (1024u * 1024u)

#define FLAG_FIN 0x01u

/* Streams of a channel. */
#define STREAM_IN 0u  /* into the sandbox: stdin, upload, TCP towards the target */
#define STREAM_OUT 1u /* stdout, download, directory entries, TCP from the target */
#define STREAM_ERR 2u /* stderr */

/* Frame types, agent to host. */
#define T_HELLO 0x01
#define T_LOG 0x02
#define T_STARTED 0x10
#define T_EXIT 0x11
#define T_OK 0x12
#define T_ERROR 0x13
#define T_ENTRIES 0x14
/* Both directions. */
#define T_DATA 0x20
#define T_CREDIT 0x21
/* Host to agent. */
#define T_START 0x30
#define T_KILL 0x31
#define T_READ 0x32
#define T_WRITE 0x33
#define T_STAT 0x34
#define T_LIST 0x35
#define T_MKDIR 0x36
#define T_REMOVE 0x37
#define T_CONNECT 0x38
#define T_CLOSE 0x39
#define T_SHUTDOWN 0x3f

/* Spawner messages (host <-> `openlattice-agent spawner`, the host-side helper that starts
 * every sandbox so the host never forks itself). */
#define T_SPAWN 0x50   /* host: ARG..., CWD */
#define T_SPAWNED 0x51 /* spawner: PID */
#define T_EXITED 0x52  /* spawner: EXIT_CODE or SIGNAL, MESSAGE (stderr tail) */
#define T_SIGNAL 0x53  /* host: SIGNUM for the spawned process */

/* First bytes a launcher writes on its connection back to the host: magic + 16 token bytes. */
#define TOKEN_MAGIC "OLA1"
#define TOKEN_BYTES 16

/* Field tags. Tags with TAG_OPTIONAL set may be ignored by a receiver that does not know them. */
#define TAG_OPTIONAL 0x8000u
#define F_VERSION 1
#define F_AGENT 2
#define F_FEATURES 3
#define F_PID 4
#define F_ARG 10
#define F_ENV 11
#define F_CWD 12
#define F_TIMEOUT_MS 13
#define F_STDIN 14
#define F_OUTPUT 15
#define F_EXIT_CODE 20
#define F_SIGNAL 21
#define F_TIMED_OUT 22
#define F_PATH 30
#define F_MODE 31
#define F_FOLLOW 32
#define F_RECURSIVE 33
#define F_MAX_BYTES 34
#define F_TYPE 40
#define F_SIZE 41
#define F_MTIME_NS 42
#define F_NAME 43
#define F_ERRNO 50
#define F_KIND 51
#define F_MESSAGE 52
#define F_PORT 60
#define F_SIGNUM 61

/* F_STDIN values. */
#define STDIN_NULL 0
#define STDIN_PIPE 1
/* F_OUTPUT values. */
#define OUTPUT_STREAM 0
#define OUTPUT_DISCARD 1

/* F_TYPE values. */
#define FT_FILE 1
#define FT_DIR 2
#define FT_SYMLINK 3
#define FT_OTHER 4

/* F_KIND values of an ERROR frame. */
#define E_ERRNO 1       /* an operating-system error; F_ERRNO holds it */
#define E_BAD_REQUEST 2 /* the request was malformed */
#define E_NOT_REGULAR 3 /* not a regular file (FIFO, device, socket) */
#define E_TOO_LARGE 4   /* more bytes than F_MAX_BYTES */
#define E_CWD 5         /* the working directory is unusable; F_ERRNO says why */
#define E_LIMIT 6       /* the agent's tables are full */
#define E_OUTSIDE 7     /* the path leaves the reachable roots */
#define E_START 8       /* the process could not be created; F_ERRNO says why */

/* HELLO feature bits. */
#define FEAT_PID1 0x1u /* the agent is pid 1 of the sandbox's pid namespace */
#define FEAT_CONFINED 0x2u /* file paths are confined to configured roots */

#endif
