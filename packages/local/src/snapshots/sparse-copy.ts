import { constants as fsConstants } from "node:fs";
import { copyFile, type FileHandle, open, rm } from "node:fs/promises";

/** Reads this much at a time. */
const READ_BYTES = 1024 * 1024;
/** Runs of zeros this long (aligned) become holes; ext4 and tmpfs allocate in 4 KiB blocks. */
const HOLE_BYTES = 64 * 1024;
const ZEROS = Buffer.alloc(HOLE_BYTES);

/**
 * Writes `data` into `handle` at `offset`, skipping every aligned all-zero run of HOLE_BYTES:
 * those stay holes, so a sparse file stays sparse (and a file of zeros becomes one), with the
 * same bytes when read back.
 */
async function writeSkippingZeros(handle: FileHandle, data: Buffer, offset: number): Promise<void> {
  for (let start = 0; start < data.length; start += HOLE_BYTES) {
    const piece = data.subarray(start, Math.min(start + HOLE_BYTES, data.length));
    if (piece.equals(ZEROS.subarray(0, piece.length))) continue;
    await handle.write(piece, 0, piece.length, offset + start);
  }
}

/**
 * Copies the whole of `source` into the new file `dest` (created `0o600`, must not exist),
 * leaving holes for zero runs; `onChunk` sees every byte in order (for hashing). Returns the
 * number of bytes copied. Reads stop at end of file, never at the size `stat` reported.
 */
export async function copySparse(source: FileHandle, dest: string, onChunk?: (chunk: Buffer) => void): Promise<number> {
  const target = await open(dest, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    let offset = 0;
    for (;;) {
      const { bytesRead } = await source.read(buffer, 0, READ_BYTES, offset);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      onChunk?.(chunk);
      await writeSkippingZeros(target, chunk, offset);
      offset += bytesRead;
    }
    // The trailing holes: the size is the source's, whatever was skipped at the end.
    await target.truncate(offset);
    return offset;
  } finally {
    await target.close();
  }
}

/** Writes `data` as the new file `dest`, sparse where it is zero. */
export async function writeSparse(dest: string, data: Buffer): Promise<void> {
  const target = await open(dest, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    await writeSkippingZeros(target, data, 0);
    await target.truncate(data.length);
  } finally {
    await target.close();
  }
}

/**
 * Copies a file keeping it sparse: a reflink where the filesystem has them (instant, shares
 * blocks until written), else a copy that leaves holes for zero runs.
 */
export async function copyFileSparse(from: string, to: string): Promise<void> {
  try {
    await copyFile(from, to, fsConstants.COPYFILE_FICLONE_FORCE);
    return;
  } catch {
    // No reflinks here (ext4, tmpfs): copy by hand below, into a fresh file.
    await rm(to, { force: true });
  }
  const source = await open(from, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  try {
    await copySparse(source, to);
  } finally {
    await source.close();
  }
}
