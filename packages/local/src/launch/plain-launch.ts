import type { AgentLaunch } from "./agent-hub.js";

/** What shapes one none-tier sandbox: the agent on the host, in its workspace. */
export interface NonePlan {
  readonly agentBinary: string;
  readonly provider: string;
  readonly workdir: string;
  /** Host directories the files extension may reach (the workspace, a workdir outside it). */
  readonly fileRoots: readonly string[];
  readonly cgroupProcs: readonly string[];
  readonly asRoot: boolean;
}

/** `agent serve`: joins the cgroups itself and serves; file paths are confined to the roots. */
export function noneLaunch(plan: NonePlan): AgentLaunch {
  return {
    file: plan.agentBinary,
    args: [
      "serve",
      ...plan.cgroupProcs.flatMap((file) => ["--cgroup", file]),
      ...(plan.asRoot ? ["--oom-score-adj", "-1000"] : []),
      ...plan.fileRoots.flatMap((root) => ["--root", root]),
    ],
    cwd: plan.workdir,
    provider: plan.provider,
  };
}
