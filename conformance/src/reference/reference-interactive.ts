import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type Capabilities, type Extensions, NotFoundError } from "@openlattice/core";
import { createReferenceFileStreams } from "./reference-file-streams.js";
import { createReferenceFileWatch } from "./reference-file-watch.js";
import { referenceLifetime } from "./reference-lifetime.js";
import { referenceProcesses } from "./reference-processes.js";
import { beginActivity, type ReferenceSandbox } from "./reference-state.js";

/**
 * The working directory a command runs in: the sandbox's workdir, or `cwd` resolved against it.
 * One that is no directory is `not_found`: a command must never run somewhere else.
 */
export async function resolveCwd(
  sandbox: ReferenceSandbox,
  cwd: string | undefined,
  provider: string,
): Promise<string> {
  const path = cwd === undefined ? sandbox.workdir : resolve(sandbox.workdir, cwd);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) throw new NotFoundError(`cwd ${JSON.stringify(cwd)} is not a directory`, { provider });
  return path;
}

/** What the interactive extensions need from their provider. */
export interface InteractiveDeps {
  /** The sandbox, or `not_found`/`terminated`. */
  readonly live: () => ReferenceSandbox;
  readonly provider: string;
  readonly capabilities: Capabilities;
  /** Where terminal wrappers record their sessions. */
  readonly ptyDir: string;
}

/** The extensions for interactive use: background processes, streamed files, watches, lifetime. */
export function interactiveExtension(
  name: "processes" | "fileStreams" | "fileWatch" | "lifetime",
  deps: InteractiveDeps,
): Extensions[typeof name] {
  const { live, provider } = deps;
  const workdir = () => live().workdir;
  switch (name) {
    case "processes":
      return referenceProcesses({ ...deps, cwdOf: (sandbox, cwd) => resolveCwd(sandbox, cwd, provider) });
    case "fileStreams":
      return createReferenceFileStreams(workdir, provider, () => beginActivity(live()));
    case "fileWatch":
      return createReferenceFileWatch(workdir, provider, () => {
        try {
          return live().status !== "terminated";
        } catch {
          return false;
        }
      });
    case "lifetime":
      return referenceLifetime(live, provider, deps.capabilities.constraints.maxDurationSeconds);
  }
}
