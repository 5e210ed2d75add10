import {
  CapacityError,
  type ExecOptions,
  type ExecResult,
  InternalError,
  runSetupCommand,
  type SandboxError,
  type SandboxNode,
  type ValidProvisionSpec,
} from "@openlattice/core";
import type { App, Image, Sandbox, SandboxCreateParams } from "modal";
import { type CreateTarget, createCpuSandbox, createGpuSandbox } from "./create-sandbox.js";
import { DEFAULT_GPU_TYPE, toModalGpuString, validateGpu } from "./gpu.js";
import { mapModalError } from "./map-modal-error.js";
import type { SandboxMeta } from "./sandbox-meta.js";
import { tailscaleUpCommand, waitForTailscale } from "./tailscale.js";

/** What the provision flow needs from the provider. */
export interface ProvisionContext {
  readonly target: CreateTarget;
  readonly fallbacks: readonly string[];
  readonly tailscaleReadyMs: number;
  readonly app: () => Promise<App>;
  readonly image: () => Promise<Image>;
  readonly adopt: (sandbox: Sandbox, meta: SandboxMeta) => void;
  readonly exec: (externalId: string, argv: readonly string[], options?: ExecOptions) => Promise<ExecResult>;
  readonly destroy: (externalId: string) => Promise<void>;
}

/**
 * Creates a sandbox and brings it up: GPU types are tried in order (each bounded by the
 * scheduling deadline), the node joins the tailnet (the key goes to one exec's stdin), and
 * the setup command runs to completion. Any failure after creation destroys the sandbox.
 */
export async function provisionSandbox(
  context: ProvisionContext,
  spec: ValidProvisionSpec,
  params: SandboxCreateParams,
  meta: Omit<SandboxMeta, "gpu">,
  signal: AbortSignal | undefined,
): Promise<SandboxNode> {
  let app: App;
  let image: Image;
  try {
    app = await context.app();
    image = await context.image();
  } catch (error) {
    throw mapModalError(error, { operation: "provision" });
  }
  const { sandbox, gpuType } = await createWithFallbacks(context, spec, app, image, params, signal);
  const externalId = sandbox.sandboxId;
  let destroyed = false;
  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    await context.destroy(externalId);
  };
  context.adopt(sandbox, {
    ...meta,
    ...(spec.gpu && gpuType ? { gpu: { type: gpuType, count: spec.gpu.count } } : {}),
  });
  try {
    signal?.throwIfAborted();
    const key = spec.network?.tailscaleAuthKey;
    if (key !== undefined)
      await joinTailnet(context, externalId, key, spec.name ?? `openlattice-${externalId}`, signal);
    const command = spec.runtime?.command;
    if (command) {
      await runSetupCommand({
        provider: "modal",
        externalId,
        command,
        exec: (argv, options) => context.exec(externalId, argv, options),
        destroy,
        signal,
      });
    }
  } catch (error) {
    await destroy().catch(() => undefined);
    throw error;
  }
  return {
    externalId,
    provider: "modal",
    status: "running",
    createdAt: meta.createdAt,
    labels: { ...spec.labels },
    ...(spec.name === undefined ? {} : { name: spec.name }),
  };
}

async function createWithFallbacks(
  context: ProvisionContext,
  spec: ValidProvisionSpec,
  app: App,
  image: Image,
  params: SandboxCreateParams,
  signal: AbortSignal | undefined,
): Promise<{ sandbox: Sandbox; gpuType?: string }> {
  const gpu = spec.gpu;
  if (!gpu) {
    try {
      return { sandbox: await createCpuSandbox(context.target, app, image, params, signal) };
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      throw mapModalError(error, { operation: "provision" });
    }
  }
  const types = [...new Set([gpu.type ?? DEFAULT_GPU_TYPE, ...context.fallbacks])].filter((type) => {
    try {
      validateGpu(type, gpu.count);
      return true;
    } catch {
      return false;
    }
  });
  const failures: SandboxError[] = [];
  for (const type of types) {
    signal?.throwIfAborted();
    try {
      const gpuString = toModalGpuString(type, gpu.count);
      return { sandbox: await createGpuSandbox(context.target, app, image, params, gpuString, signal), gpuType: type };
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      const mapped = mapModalError(error, { operation: "provision" });
      // No capacity (or not scheduled in time): the next type; anything else is final.
      if (mapped.code !== "capacity") throw mapped;
      failures.push(mapped);
    }
  }
  const last = failures.at(-1);
  if (failures.length <= 1 && last) throw last;
  throw new CapacityError(
    `modal provision: no capacity for any of ${types.join(", ")} x ${gpu.count}: ${failures.map((failure) => failure.message).join("; ")}`,
    { provider: "modal", retryable: true, cause: last, details: { tried: types } },
  );
}

/**
 * `tailscale up` with the key on its stdin only, then a wait for `Running`. The key is in no
 * argv, env, tag or file; its exec's output never contains it (and is redacted anyway).
 */
async function joinTailnet(
  context: ProvisionContext,
  externalId: string,
  key: string,
  hostname: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const up = await context.exec(externalId, tailscaleUpCommand(hostname), {
    stdin: key,
    timeoutMs: context.tailscaleReadyMs,
    ...(signal ? { signal } : {}),
  });
  if (up.exitCode !== 0) {
    const output = `${up.stdout}${up.stderr}`.trim().slice(-300);
    throw new InternalError(
      `modal provision ${externalId}: tailscale up ${up.timedOut ? "did not finish in time" : `exited ${up.exitCode}`}${output ? `: ${output}` : ""}`,
      { provider: "modal", details: { externalId, exitCode: up.exitCode } },
    );
  }
  await waitForTailscale(
    (argv) => context.exec(externalId, argv, { timeoutMs: 10_000 }),
    externalId,
    context.tailscaleReadyMs,
    signal,
  );
}
