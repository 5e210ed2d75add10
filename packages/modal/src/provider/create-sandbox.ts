import { randomUUID } from "node:crypto";
import { CapacityError } from "@openlattice/core";
import type { App, Image, ModalClient, Sandbox, SandboxCreateParams } from "modal";
import { abortable } from "./abortable.js";
import { ATTEMPT_TAG } from "./labels.js";
import { watchCreation } from "./modal-client.js";

/** Default of `gpuSchedulingTimeoutMs`: how long one GPU type may take to be scheduled. */
export const DEFAULT_GPU_SCHEDULING_TIMEOUT_MS = 300_000;

/** What creating a sandbox needs from the provider. */
export interface CreateTarget {
  readonly client: ModalClient;
  /** Whether the client reports created sandbox ids (see `watchCreation`). */
  readonly reportsCreations: boolean;
  readonly schedulingTimeoutMs: number;
}

/** A CPU sandbox (V2): `create` returns at once, no scheduling wait. */
export function createCpuSandbox(
  target: CreateTarget,
  app: App,
  image: Image,
  params: SandboxCreateParams,
  signal: AbortSignal | undefined,
): Promise<Sandbox> {
  return abortable(target.client.sandboxes.create(app, image, params), signal);
}

/**
 * A GPU sandbox of one type (`"H100:2"`), waiting at most `schedulingTimeoutMs` for Modal to
 * schedule it (the SDK alone waits 21 minutes). The clock starts when Modal accepted the
 * sandbox, so image builds do not count. At the deadline the queued sandbox is terminated
 * (found by the id the client reported, or else by a per-attempt tag) and a retryable
 * `capacity` error lets the caller try the next type; a sandbox the SDK still returns later
 * is terminated too.
 */
export async function createGpuSandbox(
  target: CreateTarget,
  app: App,
  image: Image,
  params: SandboxCreateParams,
  gpu: string,
  signal: AbortSignal | undefined,
): Promise<Sandbox> {
  signal?.throwIfAborted();
  const attemptId = randomUUID();
  const tagged: SandboxCreateParams = { ...params, gpu, tags: { ...params.tags, [ATTEMPT_TAG]: attemptId } };
  let createdId: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let startClock!: () => void;
  const deadline = new Promise<"deadline">((resolve) => {
    startClock = () => {
      timer ??= setTimeout(() => resolve("deadline"), target.schedulingTimeoutMs);
    };
  });
  if (!target.reportsCreations) startClock();
  const work = watchCreation(
    (id) => {
      createdId = id;
      startClock();
    },
    () => target.client.sandboxes.create(app, image, tagged),
  );
  const aborted = new Promise<"aborted">((resolve) => {
    if (!signal) return;
    onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
  });
  let outcome: Sandbox | "deadline" | "aborted";
  try {
    outcome = await Promise.race([work, deadline, aborted]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
  if (typeof outcome !== "string") return outcome;
  // Given up: nothing may start later with no caller.
  work.then(terminateQuietly, () => undefined);
  await cancelQueued(target.client, app, createdId, attemptId);
  if (outcome === "aborted") throw signal?.reason;
  throw new CapacityError(
    `modal provision: no ${gpu} GPU was scheduled within ${target.schedulingTimeoutMs} ms (gpuSchedulingTimeoutMs); the queued sandbox was terminated`,
    { provider: "modal", retryable: true, details: { gpu, schedulingTimeoutMs: target.schedulingTimeoutMs } },
  );
}

async function cancelQueued(client: ModalClient, app: App, createdId: string | undefined, attemptId: string) {
  try {
    if (createdId) {
      await terminateQuietly(await client.sandboxes.fromId(createdId));
      return;
    }
    for await (const sandbox of client.sandboxes.list({ appId: app.appId, tags: { [ATTEMPT_TAG]: attemptId } })) {
      await terminateQuietly(sandbox);
    }
  } catch {
    // Best effort: the SDK terminates a sandbox it never got scheduled when its own wait ends.
  }
}

async function terminateQuietly(sandbox: Sandbox): Promise<void> {
  try {
    await sandbox.terminate();
  } catch {
    // Already gone.
  } finally {
    sandbox.detach();
  }
}
