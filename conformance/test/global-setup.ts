import { lstatSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Removes what the reference providers of this test run left in their default root: snapshot
 * copies (spec v1 has no snapshot delete) and workspaces of workers vitest killed before their
 * exit hooks ran. Only entries created since this run started are touched.
 */
export default function setup(): () => void {
  const started = Date.now();
  const root = join(tmpdir(), "openlattice-reference");
  return () => {
    let names: string[] = [];
    try {
      names = readdirSync(root);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(root, name);
      try {
        if (lstatSync(path).birthtimeMs >= started - 1_000) rmSync(path, { recursive: true, force: true });
      } catch {
        // Removed concurrently: nothing to do.
      }
    }
  };
}
