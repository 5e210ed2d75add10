import type { ProcessInfo } from "@openlattice/core";
import { signalName } from "./signals.js";

/** A process record as the sandbox keeps it (see `process-scripts.ts`). */
export interface ProcessRecord extends ProcessInfo {
  /** Whether the process is still running, as `/proc` shows it. */
  readonly alive: boolean;
}

const decoder = new TextDecoder();

/**
 * Parses `LIST_SCRIPT`'s output: `P pid startMs pty alive code ended argvBytes\n` headers, each
 * followed by its NUL-separated argv. Malformed entries (a record written while listed) are
 * skipped rather than guessed at.
 */
export function parseProcessRecords(output: Uint8Array): ProcessRecord[] {
  const records: ProcessRecord[] = [];
  let offset = 0;
  while (offset < output.byteLength) {
    const newline = output.indexOf(0x0a, offset);
    if (newline < 0) break;
    const fields = decoder.decode(output.subarray(offset, newline)).split(" ");
    offset = newline + 1;
    if (fields[0] !== "P" || fields.length !== 8) continue;
    const [, pidText, startText, ptyText, aliveText, codeText, endText, lengthText] = fields;
    const length = Number(lengthText);
    if (!Number.isSafeInteger(length) || length < 0 || offset + length > output.byteLength) break;
    const argvBytes = output.subarray(offset, offset + length);
    offset += length;
    const pid = Number(pidText);
    const startMs = Number(startText);
    if (!Number.isSafeInteger(pid) || pid <= 0 || !Number.isFinite(startMs)) continue;
    const argv = decoder.decode(argvBytes).split("\u0000");
    if (argv.at(-1) === "") argv.pop();
    const alive = aliveText === "1";
    const exitCode = codeText === "-" ? undefined : Number(codeText);
    const endMs = endText === "-" ? undefined : Number(endText);
    const signal = exitCode === undefined ? undefined : signalName(exitCode);
    records.push({
      pid,
      argv,
      startedAt: new Date(startMs),
      state: alive ? "running" : "exited",
      pty: ptyText === "1",
      alive,
      ...(alive || exitCode === undefined || !Number.isFinite(exitCode) ? {} : { exitCode }),
      ...(alive || signal === undefined ? {} : { signal }),
      ...(alive || endMs === undefined || !Number.isFinite(endMs) ? {} : { endedAt: new Date(endMs) }),
    });
  }
  return records;
}
