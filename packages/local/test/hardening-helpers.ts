import type { LocalProvider } from "../src/index.js";
import { StateLayout } from "../src/state/state-layout.js";

/** The host directory of a sandbox's workspace, as the provider lays it out (root: under the temp dir). */
export function hostWorkspace(provider: LocalProvider, id: string): string {
  const asRoot = process.getuid?.() === 0 && provider.tier === "namespace";
  return new StateLayout(provider.stateDir, { traversableWork: asRoot }).workspaceDir(id);
}
