import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalProvider } from "@openlattice/local";

export interface SnapshotRow {
  readonly workspaceMiB: number;
  readonly changedPercent: number;
  readonly firstMs: number;
  readonly firstNewBytes: number;
  readonly secondMs: number;
  readonly secondNewBytes: number;
  readonly restoreMs: number;
}

const FILE_BYTES = 100 * 1024;

/**
 * Snapshot cost against workspace size and change size: a first snapshot of a workspace of
 * 100 KiB files, then a second after rewriting a share of them, then a restore.
 */
export async function runSnapshots(
  cases: readonly { workspaceMiB: number; changedPercent: number }[],
): Promise<SnapshotRow[]> {
  const rows: SnapshotRow[] = [];
  for (const { workspaceMiB, changedPercent } of cases) {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), "ol-bench-snap-"));
    const provider = new LocalProvider({ stateDir });
    try {
      const { externalId } = await provider.provision({});
      const files = provider.getExtension(externalId, "files");
      if (!files) throw new Error("files extension missing");
      const count = Math.round((workspaceMiB * 1024 * 1024) / FILE_BYTES);
      for (let index = 0; index < count; index++)
        await files.write(`data/d${index % 10}/f${index}.bin`, randomBytes(FILE_BYTES));
      const newBytes = (ref: { metadata?: Readonly<Record<string, unknown>> }) =>
        Number(ref.metadata?.newBytes ?? Number.NaN);

      let started = performance.now();
      const first = await provider.snapshot(externalId);
      const firstMs = performance.now() - started;
      const changed = Math.max(1, Math.round((count * changedPercent) / 100));
      for (let index = 0; index < changed; index++) {
        const file = (index * 97) % count;
        await files.write(`data/d${file % 10}/f${file}.bin`, randomBytes(FILE_BYTES));
      }
      started = performance.now();
      const second = await provider.snapshot(externalId);
      const secondMs = performance.now() - started;
      started = performance.now();
      await provider.restore(second);
      const restoreMs = performance.now() - started;
      rows.push({
        workspaceMiB,
        changedPercent,
        firstMs,
        firstNewBytes: newBytes(first),
        secondMs,
        secondNewBytes: newBytes(second),
        restoreMs,
      });
    } finally {
      await provider.destroyAll();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  return rows;
}
