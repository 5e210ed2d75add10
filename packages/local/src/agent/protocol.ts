/**
 * Wire constants of the agent protocol, version 1 (specified in `agent/PROTOCOL.md`; the C side
 * is `agent/src/protocol.h`). Both sides ship in this package, so they change together.
 */

export const PROTOCOL_VERSION = 1;

/** u32 length, u8 type, u8 flags, u16 stream, u32 id. */
export const HEADER_BYTES = 12;
/** Largest frame accepted from the agent: it sends DATA of at most 256 KiB. */
export const MAX_AGENT_FRAME = 1024 * 1024;
/** Largest request frame the agent accepts (argv and env travel in one). */
export const MAX_REQUEST_FRAME = 8 * 1024 * 1024;
/** Largest DATA payload the host sends. */
export const MAX_DATA_PAYLOAD = 256 * 1024;
/**
 * Credit the agent starts with on each output stream of a channel. It bounds what can be in
 * flight for one stream (in the agent's queue and the socket), not what the host keeps: the
 * host consumes synchronously and grants credit back in quarter-window steps.
 */
export const OUTPUT_WINDOW = 4 * 1024 * 1024;

export const FLAG_FIN = 0x01;

export const Stream = { in: 0, out: 1, err: 2 } as const;

export const Type = {
  hello: 0x01,
  log: 0x02,
  started: 0x10,
  exit: 0x11,
  ok: 0x12,
  error: 0x13,
  entries: 0x14,
  data: 0x20,
  credit: 0x21,
  start: 0x30,
  kill: 0x31,
  read: 0x32,
  write: 0x33,
  stat: 0x34,
  list: 0x35,
  mkdir: 0x36,
  remove: 0x37,
  connect: 0x38,
  close: 0x39,
  shutdown: 0x3f,
} as const;

/** Frame types the agent may send. */
export const AGENT_TYPES: ReadonlySet<number> = new Set([
  Type.hello,
  Type.log,
  Type.started,
  Type.exit,
  Type.ok,
  Type.error,
  Type.entries,
  Type.data,
  Type.credit,
]);

export const TAG_OPTIONAL = 0x8000;

export const Field = {
  version: 1,
  agent: 2,
  features: 3,
  pid: 4,
  arg: 10,
  env: 11,
  cwd: 12,
  timeoutMs: 13,
  stdin: 14,
  output: 15,
  exitCode: 20,
  signal: 21,
  timedOut: 22,
  path: 30,
  mode: 31,
  follow: 32,
  recursive: 33,
  maxBytes: 34,
  type: 40,
  size: 41,
  mtimeNs: 42,
  name: 43,
  errno: 50,
  kind: 51,
  message: 52,
  port: 60,
  signum: 61,
} as const;

export const StdinMode = { null: 0, pipe: 1 } as const;
export const OutputMode = { stream: 0, discard: 1 } as const;

/** File types in STAT replies and ENTRIES. */
export const FileKind = { file: 1, directory: 2, symlink: 3, other: 4 } as const;

/** Kinds of ERROR frames. */
export const ErrorKind = {
  errno: 1,
  badRequest: 2,
  notRegular: 3,
  tooLarge: 4,
  cwd: 5,
  limit: 6,
  outside: 7,
  start: 8,
} as const;

export const Feature = { pid1: 0x1, confined: 0x2 } as const;
