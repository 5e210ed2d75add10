import { ServerError, Status } from "nice-grpc";
import { checkDefinition } from "./definition-checks.js";
import { EmulatedSandbox, GenericStatus, type SandboxDefinition } from "./emulated-sandbox.js";
import type { EmulatorCore } from "./emulator-core.js";
import { prefixedId, v1SandboxId, v2SandboxId } from "./ids.js";
import type { ControlRequest } from "./protocol-types.js";
import { toServerError } from "./to-server-error.js";
import { SandboxTunnels } from "./tunnels.js";

const LIST_PAGE_SIZE = 100;

type CreateRequest = ControlRequest<"sandboxCreate"> | ControlRequest<"sandboxCreateV2">;

/** The sandbox lifecycle methods of the control plane, for both the V1 and the V2 families. */
export function createSandboxHandlers(core: EmulatorCore) {
  const routerAccess = (sandbox: EmulatedSandbox) => ({
    url: core.routerUrl,
    jwt: core.tokens.issue({ sub: sandbox.taskId, sandbox_id: sandbox.sandboxId }),
  });

  const create = async (request: CreateRequest, v1: boolean, env: Record<string, string>) => {
    const definition = (request.definition ?? {}) as SandboxDefinition;
    const appId = request.appId ?? "";
    const tags = (request.tags ?? []).map((tag) => ({ tagName: tag?.tagName ?? "", tagValue: tag?.tagValue ?? "" }));
    checkDefinition(definition, tags, core.backend.capabilities);
    const gpuType = (definition.resources?.gpuConfig?.gpuType ?? "").toUpperCase();
    if (gpuType && core.settings.unavailableGpuTypes.has(gpuType)) {
      throw new ServerError(Status.RESOURCE_EXHAUSTED, `No capacity for GPU type ${gpuType}`);
    }
    if (definition.name) {
      for (const other of core.sandboxes.values()) {
        if (other.running && other.appId === appId && other.name === definition.name) {
          throw new ServerError(Status.ALREADY_EXISTS, `Sandbox with name '${definition.name}' already exists`);
        }
      }
    }
    const imageId = definition.imageId ?? "";
    if (imageId && !core.images.has(imageId)) throw new ServerError(Status.NOT_FOUND, `Image ${imageId} not found`);
    const sandbox = new EmulatedSandbox(
      v1 ? v1SandboxId() : v2SandboxId(),
      prefixedId("ta"),
      appId,
      v1,
      definition,
      env,
      imageId,
      new SandboxTunnels(core.tls),
    );
    for (const tag of tags) sandbox.tags.set(tag.tagName, tag.tagValue);
    core.addSandbox(sandbox);
    sandbox.scheduledAfter = !v1
      ? 0
      : core.settings.unschedulableGpuTypes.has(gpuType)
        ? Number.POSITIVE_INFINITY
        : Date.now() + core.settings.schedulingDelayMs;
    void sandbox.launch({
      backend: core.backend,
      image: core.images.get(imageId),
      imageForTag: core.settings.imageForTag,
      log: core.settings.log,
      extraEnv: core.settings.extraEnv,
      openEgress: core.settings.openEgress,
    });
    return sandbox;
  };

  const secretEnv = (secretId: string | undefined): Record<string, string> => {
    const secret = secretId ? core.secrets.get(secretId) : undefined;
    if (!secret) throw new ServerError(Status.NOT_FOUND, `Secret ${secretId ?? ""} not found`);
    return secret;
  };

  const getTaskId = async (request: ControlRequest<"sandboxGetTaskId">) => {
    const sandbox = core.sandbox(request.sandboxId);
    if (Date.now() >= sandbox.scheduledAfter) await sandbox.ready;
    if (sandbox.result) return { taskResult: sandbox.result };
    if (Date.now() < sandbox.scheduledAfter || !sandbox.backendId) return {};
    return { taskId: sandbox.taskId };
  };

  const wait = async (request: ControlRequest<"sandboxWait">, context: { signal: AbortSignal }) => {
    const sandbox = core.sandbox(request.sandboxId);
    const waitMs = Math.max(0, request.timeout ?? 0) * 1000;
    if (sandbox.running && waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      await Promise.race([
        sandbox.finished,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, waitMs);
          onAbort = () => resolve();
          context.signal.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
      clearTimeout(timer);
      if (onAbort) context.signal.removeEventListener("abort", onAbort);
    }
    return { ...(sandbox.result ? { result: sandbox.result } : {}), metadata: { appId: sandbox.appId } };
  };

  const terminate = async (request: ControlRequest<"sandboxTerminate">) => {
    const sandbox = core.sandbox(request.sandboxId);
    const existing = sandbox.result;
    await sandbox.finish(GenericStatus.TERMINATED, 137, "Sandbox terminated");
    return existing ? { existingResult: existing } : {};
  };

  const tunnels = async (request: ControlRequest<"sandboxGetTunnels">) => {
    const sandbox = core.sandbox(request.sandboxId);
    return { result: { status: GenericStatus.SUCCESS }, tunnels: await sandbox.openTunnels() };
  };

  const list = async (request: ControlRequest<"sandboxList">) => {
    const wanted = (request.tags ?? []).filter((tag) => tag?.tagName);
    const before = request.beforeTimestamp ?? 0;
    const sandboxes = [...core.sandboxes.values()]
      .filter((sandbox) => !request.appId || sandbox.appId === request.appId)
      .filter((sandbox) => request.includeFinished || sandbox.running)
      .filter((sandbox) => !before || sandbox.createdAt < before)
      .filter((sandbox) => wanted.every((tag) => sandbox.tags.get(tag?.tagName ?? "") === (tag?.tagValue ?? "")))
      .sort((left, right) => right.createdAt - left.createdAt)
      .slice(0, LIST_PAGE_SIZE);
    return {
      sandboxes: sandboxes.map((sandbox) => ({
        id: sandbox.sandboxId,
        createdAt: sandbox.createdAt,
        appId: sandbox.appId,
        name: sandbox.name,
        imageId: sandbox.imageId,
        timeoutSecs: sandbox.definition.timeoutSecs ?? 0,
        tags: [...sandbox.tags].map(([tagName, tagValue]) => ({ tagName, tagValue })),
      })),
    };
  };

  const setTags = async (request: ControlRequest<"sandboxTagsSet">) => {
    const sandbox = core.sandbox(request.sandboxId);
    const tags = (request.tags ?? []).map((tag) => ({ tagName: tag?.tagName ?? "", tagValue: tag?.tagValue ?? "" }));
    checkDefinition({} as SandboxDefinition, tags, core.backend.capabilities);
    sandbox.tags.clear();
    for (const tag of tags) sandbox.tags.set(tag.tagName, tag.tagValue);
    return {};
  };

  const getTags = async (request: ControlRequest<"sandboxTagsGet">) => {
    const sandbox = core.sandbox(request.sandboxId);
    return { tags: [...sandbox.tags].map(([tagName, tagValue]) => ({ tagName, tagValue })) };
  };

  return {
    sandboxCreate: async (request: ControlRequest<"sandboxCreate">) => {
      const env: Record<string, string> = {};
      for (const secretId of request.definition?.secretIds ?? []) Object.assign(env, secretEnv(secretId));
      const sandbox = await create(request, true, env);
      return { sandboxId: sandbox.sandboxId };
    },

    sandboxCreateV2: async (request: ControlRequest<"sandboxCreateV2">) => {
      const env: Record<string, string> = {};
      for (const source of request.secretSources ?? []) {
        if (source?.secretId) Object.assign(env, secretEnv(source.secretId));
        for (const [key, value] of Object.entries(source?.env?.contents ?? {})) {
          if (value !== undefined) env[key] = value;
        }
      }
      const sandbox = await create(request, false, env);
      await sandbox.ready;
      // The backend's reason, as a status the SDK does not retry unless it is transient.
      if (sandbox.result) throw toServerError(sandbox.launchError ?? new Error(sandbox.result.exception));
      return {
        sandboxId: sandbox.sandboxId,
        taskId: sandbox.taskId,
        tunnels: await sandbox.openTunnels(),
        commandRouterAccess: routerAccess(sandbox),
        metadata: { appId: sandbox.appId },
      };
    },

    sandboxGetTaskId: getTaskId,
    sandboxGetTaskIdV2: getTaskId,

    taskGetCommandRouterAccess: async (request: ControlRequest<"taskGetCommandRouterAccess">) =>
      routerAccess(core.task(request.taskId)),

    sandboxGetCommandRouterAccess: async (request: ControlRequest<"sandboxGetCommandRouterAccess">) => {
      const sandbox = request.sandboxId ? core.sandbox(request.sandboxId) : core.task(request.taskId);
      if (!sandbox.running) {
        throw new ServerError(Status.FAILED_PRECONDITION, `Sandbox ${sandbox.sandboxId} has already finished`);
      }
      return routerAccess(sandbox);
    },

    sandboxWait: wait,
    sandboxWaitV2: wait,
    sandboxTerminate: terminate,
    sandboxTerminateV2: terminate,
    sandboxGetTunnels: tunnels,
    sandboxGetTunnelsV2: tunnels,
    sandboxList: list,
    sandboxListV2: list,
    sandboxTagsSet: setTags,
    sandboxTagsSetV2: setTags,
    sandboxTagsGet: getTags,
    sandboxTagsGetV2: getTags,
  };
}
