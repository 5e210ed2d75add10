import type { ValidProvisionSpec } from "@openlattice/core";

const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The environment every command of a sandbox starts with (before the call's own `env`). It
 * travels to the agent as data with each START: no host process ever holds it in its argv or
 * environment.
 */
export function namespaceEnv(spec: ValidProvisionSpec, workdir: string): Record<string, string> {
  return { PATH: BASE_PATH, HOME: workdir, LANG: "C.UTF-8", HOSTNAME: "sandbox", ...spec.runtime?.env };
}

/** None tier: the host's PATH (commands are host programs), a private HOME and TMPDIR. */
export function noneEnv(spec: ValidProvisionSpec, workspace: string, tmp: string): Record<string, string> {
  return {
    PATH: process.env.PATH || BASE_PATH,
    HOME: workspace,
    TMPDIR: tmp,
    LANG: "C.UTF-8",
    ...spec.runtime?.env,
  };
}
