import path from "node:path";
import type { ValidProvisionSpec } from "@openlattice/core";
import type { PreparedImage } from "../images/provider/provider-images.js";
import { namespaceEnv } from "./sandbox-env.js";
import { DEFAULT_WORKSPACE, planNamespaceWorkspace, type WorkspacePlan } from "./workdir.js";

const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** How a namespace sandbox runs, from its spec and its image's config. */
export interface SandboxRuntime {
  readonly plan: WorkspacePlan;
  readonly env: Record<string, string>;
  /** Uid and gid inside; undefined: the provider's `sandboxUid`. */
  readonly user: { readonly uid: number; readonly gid: number } | undefined;
}

/**
 * Applies an image's config the way `docker run` does, within the spec's own rules: the image's
 * `Env` under the spec's `env`, its `WorkingDir` unless the spec names a `workdir` (the
 * workspace is then still mounted at `/workspace`), and its `User` (root when unset). The
 * image's `Entrypoint` and `Cmd` are not started: a sandbox idles until `exec` unless the spec
 * names a `runtime.entrypoint`, which then runs as given (as `docker run --entrypoint` replaces
 * both).
 */
export function sandboxRuntime(spec: ValidProvisionSpec, image: PreparedImage): SandboxRuntime {
  const wanted = spec.runtime?.workdir;
  if (image.kind !== "image") {
    const plan = planNamespaceWorkspace(wanted);
    return { plan, env: namespaceEnv(spec, plan.workdir), user: undefined };
  }
  const config = image.config;
  const fromImage = config.workdir && config.workdir !== "/" ? path.posix.resolve(config.workdir) : undefined;
  const plan: WorkspacePlan =
    wanted === undefined && fromImage !== undefined && fromImage !== DEFAULT_WORKSPACE
      ? // The image's own directory, made in its writable root when the image lacks it.
        { mountPoint: DEFAULT_WORKSPACE, workdir: fromImage, create: "tmp" }
      : planNamespaceWorkspace(wanted ?? fromImage);
  const home = image.user.uid === 0 ? "/root" : plan.workdir;
  const env = { PATH: BASE_PATH, HOME: home, HOSTNAME: "sandbox", ...config.env, ...spec.runtime?.env };
  return { plan, env, user: image.user };
}
