import type { FileEntry, FileStat, FileType } from "@openlattice/core";
import { type AgentConnection, InboundWindow } from "./agent-connection.js";
import { type AgentFailure, readFailure } from "./agent-errors.js";
import { encodeData, encodeFrame, Fields, FieldWriter, type Frame, ProtocolViolation } from "./frame-codec.js";
import { Field, FileKind, FLAG_FIN, MAX_DATA_PAYLOAD, Stream, Type } from "./protocol.js";

/** A failed operation, as the agent reported it (mapped to a typed error by the caller). */
export class AgentFileError extends Error {
  constructor(readonly failure: AgentFailure) {
    super(failure.code ?? `kind ${failure.kind}`);
  }
}

/** Longest file name accepted from the agent (Linux NAME_MAX is 255 bytes). */
const MAX_NAME_BYTES = 255;

const KINDS: Record<number, FileType> = {
  [FileKind.file]: "file",
  [FileKind.directory]: "directory",
  [FileKind.symlink]: "symlink",
  [FileKind.other]: "other",
};

function kindOf(value: number | undefined): FileType {
  const kind = value === undefined ? undefined : KINDS[value];
  if (!kind) throw new ProtocolViolation(`unknown file type ${value}`);
  return kind;
}

/**
 * Runs one request channel: `onFrame` returns a value to resolve with, or `undefined` to keep
 * going; ERROR rejects with an `AgentFileError`; a closed connection rejects with its error.
 */
function request<T>(
  connection: AgentConnection,
  type: number,
  fields: FieldWriter,
  onFrame: (frame: Frame, id: number) => T | undefined,
  afterOpen?: (id: number) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const settle = (action: () => void) => {
      if (done) return;
      done = true;
      connection.release(id);
      action();
    };
    const id = connection.open({
      onFrame: (frame) => {
        if (frame.type === Type.error) {
          const failure = readFailure(frame);
          return settle(() => reject(new AgentFileError(failure)));
        }
        const value = onFrame(frame, id);
        if (value !== undefined) settle(() => resolve(value));
      },
      onClose: (error) => settle(() => reject(error)),
    });
    connection.send(encodeFrame(type, id, fields.finish()));
    afterOpen?.(id);
  });
}

/** Reads a regular file, refusing more than `maxBytes` however large the agent claims it is. */
export function readFile(connection: AgentConnection, path: string, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let window: InboundWindow | undefined;
  return request(
    connection,
    Type.read,
    new FieldWriter().str(Field.path, path).u64(Field.maxBytes, maxBytes),
    (frame, id) => {
      if (frame.type !== Type.data || frame.stream !== Stream.out)
        throw new ProtocolViolation("unexpected frame for a read");
      window ??= new InboundWindow(connection, id, Stream.out);
      window.receive(frame.payload.byteLength);
      total += frame.payload.byteLength;
      // The agent reads one byte past the limit to detect a larger file, then reports it.
      if (total > maxBytes + 1) throw new ProtocolViolation("a read returned more than was asked for");
      if (total <= maxBytes) chunks.push(frame.payload.slice());
      window.consumed(frame.payload.byteLength);
      if (!(frame.flags & FLAG_FIN)) return undefined;
      if (total > maxBytes) throw new ProtocolViolation("a read ended past its limit");
      return Buffer.concat(chunks, total);
    },
  );
}

/** Creates or replaces a regular file with `data`, sending it as the agent grants credit. */
export function writeFile(connection: AgentConnection, path: string, data: Uint8Array): Promise<void> {
  let rest: Uint8Array | undefined = data;
  let credit = 0;
  return request(
    connection,
    Type.write,
    new FieldWriter().str(Field.path, path).u32(Field.mode, 0o644),
    (frame, id) => {
      if (frame.type === Type.ok) return true;
      if (frame.type !== Type.credit || frame.stream !== Stream.in || frame.payload.byteLength !== 4) {
        throw new ProtocolViolation("unexpected frame for a write");
      }
      credit += Buffer.from(frame.payload.buffer, frame.payload.byteOffset, 4).readUInt32LE(0);
      while (rest && credit > 0) {
        const part: Uint8Array = rest.subarray(0, Math.min(credit, MAX_DATA_PAYLOAD * 4));
        rest = part.byteLength < rest.byteLength ? rest.subarray(part.byteLength) : undefined;
        credit -= part.byteLength;
        connection.send(...encodeData(id, Stream.in, part, rest === undefined));
      }
      return undefined;
    },
  ).then(() => undefined);
}

/** Lists a directory (names are the agent's, bounded; sorted here). */
export function listDirectory(connection: AgentConnection, path: string, sandboxPath: string, maxEntries: number) {
  const entries: FileEntry[] = [];
  let window: InboundWindow | undefined;
  return request(connection, Type.list, new FieldWriter().str(Field.path, path), (frame, id) => {
    if (frame.type !== Type.entries) throw new ProtocolViolation("unexpected frame for a list");
    window ??= new InboundWindow(connection, id, Stream.out);
    window.receive(frame.payload.byteLength);
    const fields = new Fields(frame.payload).only([Field.name, Field.type, Field.size]);
    const names = fields.all(Field.name);
    const types = fields.all(Field.type);
    const sizes = fields.all(Field.size);
    if (names.length !== types.length || names.length !== sizes.length) throw new ProtocolViolation("ragged entries");
    names.forEach((raw, index) => {
      if (raw.byteLength === 0 || raw.byteLength > MAX_NAME_BYTES || raw.includes(0x2f) || raw.includes(0)) {
        throw new ProtocolViolation("bad entry name");
      }
      const name = Buffer.from(raw).toString("utf8");
      const typeField = types[index]!;
      const sizeField = sizes[index]!;
      if (typeField.byteLength !== 4 || sizeField.byteLength !== 8) throw new ProtocolViolation("bad entry fields");
      const type = kindOf(new DataView(typeField.buffer, typeField.byteOffset, 4).getUint32(0, true));
      const size = Number(new DataView(sizeField.buffer, sizeField.byteOffset, 8).getBigUint64(0, true));
      entries.push({ name, path: `${sandboxPath.replace(/\/$/, "")}/${name}`, type, size });
    });
    if (entries.length > maxEntries) throw new ProtocolViolation(`more than ${maxEntries} entries`);
    window.consumed(frame.payload.byteLength);
    if (!(frame.flags & FLAG_FIN)) return undefined;
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });
}

/** Facts about a path; a final symlink is described, not followed. */
export function statPath(connection: AgentConnection, path: string, sandboxPath: string): Promise<FileStat> {
  return request(connection, Type.stat, new FieldWriter().str(Field.path, path).u32(Field.follow, 0), (frame) => {
    if (frame.type !== Type.ok) throw new ProtocolViolation("unexpected frame for a stat");
    const fields = new Fields(frame.payload).only([Field.type, Field.size, Field.mode, Field.mtimeNs]);
    const mode = fields.u32(Field.mode) ?? 0;
    if (mode > 0o7777) throw new ProtocolViolation("bad mode");
    return {
      name: sandboxPath.split("/").filter(Boolean).pop() ?? "/",
      path: sandboxPath,
      type: kindOf(fields.u32(Field.type)),
      size: fields.u64(Field.size) ?? 0,
      mode,
      modifiedAt: new Date(Number((fields.bigint(Field.mtimeNs) ?? 0n) / 1_000_000n)),
    };
  });
}

/** MKDIR (with parents) or REMOVE (`recursive` for trees). */
export function simpleRequest(connection: AgentConnection, type: number, path: string, recursive = false) {
  const fields = new FieldWriter().str(Field.path, path);
  if (type === Type.remove) fields.u32(Field.recursive, recursive ? 1 : 0);
  return request(connection, type, fields, (frame) => {
    if (frame.type !== Type.ok) throw new ProtocolViolation("unexpected reply");
    return true;
  }).then(() => undefined);
}
