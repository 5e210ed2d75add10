import { createHash } from "node:crypto";
import type { CallContext } from "nice-grpc";
import { ServerError, Status } from "nice-grpc";
import { EmulatedSandbox, GenericStatus, type SandboxDefinition } from "./emulated-sandbox.js";
import type { EmulatorCore } from "./emulator-core.js";
import { prefixedId, unsignedJwt, v1SandboxId, v2SandboxId } from "./ids.js";
import type { ControlMethod, ControlRequest, ControlResponse, DeepPartial } from "./protocol-types.js";
import { toServerError } from "./to-server-error.js";
import { tunnelsOf } from "./tunnels.js";

type UnaryHandler<K extends ControlMethod> = (
  request: ControlRequest<K>,
  context: CallContext,
) => Promise<DeepPartial<ControlResponse<K>>>;

/** The control-plane methods the emulator implements; every other method answers UNIMPLEMENTED. */
export type ImplementedControlMethod =
  | "authTokenGet"
  | "environmentGetOrCreate"
  | "appGetOrCreate"
  | "imageGetOrCreate"
  | "imageFromId"
  | "imageDelete"
  | "secretGetOrCreate"
  | "sandboxCreate"
  | "sandboxCreateV2"
  | "sandboxGetTaskId"
  | "sandboxGetTaskIdV2"
  | "taskGetCommandRouterAccess"
  | "sandboxGetCommandRouterAccess"
  | "sandboxWait"
  | "sandboxWaitV2"
  | "sandboxTerminate"
  | "sandboxTerminateV2"
  | "sandboxGetTunnels"
  | "sandboxGetTunnelsV2"
  | "sandboxList"
  | "sandboxListV2"
  | "sandboxTagsSet"
  | "sandboxTagsSetV2"
  | "sandboxTagsGet"
  | "sandboxTagsGetV2";

/** Handlers typed against the SDK's own messages: protocol drift fails compilation here. */
export type ControlHandlers = { [K in ImplementedControlMethod]: UnaryHandler<K> };

/** `ObjectCreationType.CREATE_IF_MISSING`. */
const CREATE_IF_MISSING = 1;
const LIST_PAGE_SIZE = 100;

export function createControlHandlers(core: EmulatorCore): ControlHandlers {
  const routerAccess = (sandbox: EmulatedSandbox) => ({
    url: core.routerUrl,
    jwt: unsignedJwt({ sub: sandbox.taskId, sandbox_id: sandbox.sandboxId }),
  });

  const create = async (
    request: ControlRequest<"sandboxCreate"> | ControlRequest<"sandboxCreateV2">,
    v1: boolean,
    env: Record<string, string>,
  ): Promise<EmulatedSandbox> => {
    const definition = (request.definition ?? {}) as SandboxDefinition;
    const appId = request.appId ?? "";
    const gpu = definition.resources?.gpuConfig;
    if (gpu?.gpuType && core.settings.unavailableGpuTypes.has(gpu.gpuType.toUpperCase())) {
      throw new ServerError(Status.RESOURCE_EXHAUSTED, `No capacity for GPU type ${gpu.gpuType}`);
    }
    if (definition.name) {
      for (const other of core.sandboxes.values()) {
        if (other.running && other.appId === appId && other.name === definition.name) {
          throw new ServerError(Status.ALREADY_EXISTS, `Sandbox with name '${definition.name}' already exists`);
        }
      }
    }
    const imageId = definition.imageId ?? "";
    const sandbox = new EmulatedSandbox(
      v1 ? v1SandboxId() : v2SandboxId(),
      prefixedId("ta"),
      appId,
      v1,
      definition,
      env,
      imageId,
    );
    if ("tags" in request) {
      for (const tag of request.tags ?? []) if (tag?.tagName) sandbox.tags.set(tag.tagName, tag.tagValue ?? "");
    }
    core.addSandbox(sandbox);
    sandbox.scheduledAfter = Date.now() + (v1 ? core.settings.schedulingDelayMs : 0);
    void sandbox.launch({
      backend: core.backend,
      image: core.images.get(imageId),
      imageForTag: core.settings.imageForTag,
      log: core.settings.log,
      extraEnv: core.settings.extraEnv,
    });
    return sandbox;
  };

  const getTaskId = async (request: ControlRequest<"sandboxGetTaskId">) => {
    const sandbox = core.sandbox(request.sandboxId);
    if (Date.now() >= sandbox.scheduledAfter) await sandbox.ready;
    if (sandbox.result) return { taskResult: sandbox.result };
    if (Date.now() < sandbox.scheduledAfter || !sandbox.backendId) return {};
    return { taskId: sandbox.taskId };
  };

  const wait = async (request: ControlRequest<"sandboxWait">) => {
    const sandbox = core.sandbox(request.sandboxId);
    const deadline = Date.now() + Math.max(0, request.timeout ?? 0) * 1000;
    await sandbox.refresh();
    while (sandbox.running && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await sandbox.refresh();
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
    return { result: { status: GenericStatus.SUCCESS }, tunnels: await tunnelsOf(core, sandbox) };
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
    sandbox.tags.clear();
    for (const tag of request.tags ?? []) if (tag?.tagName) sandbox.tags.set(tag.tagName, tag.tagValue ?? "");
    return {};
  };

  const getTags = async (request: ControlRequest<"sandboxTagsGet">) => {
    const sandbox = core.sandbox(request.sandboxId);
    return { tags: [...sandbox.tags].map(([tagName, tagValue]) => ({ tagName, tagValue })) };
  };

  return {
    authTokenGet: async () => ({ token: unsignedJwt({ sub: "emulator" }) }),

    environmentGetOrCreate: async (request) => ({
      environmentId: `en-${request.deploymentName || "main"}`,
      metadata: { name: request.deploymentName || "main", settings: { imageBuilderVersion: "2024.10" } },
    }),

    appGetOrCreate: async (request) => {
      const key = `${request.environmentName ?? ""}/${request.appName ?? ""}`;
      let appId = core.apps.get(key);
      if (!appId) {
        if (request.objectCreationType !== CREATE_IF_MISSING) {
          throw new ServerError(Status.NOT_FOUND, `App '${request.appName}' not found`);
        }
        appId = prefixedId("ap");
        core.apps.set(key, appId);
      }
      return { appId };
    },

    imageGetOrCreate: async (request) => {
      const commands = (request.image?.dockerfileCommands ?? []).filter((line): line is string => !!line);
      const base = request.image?.baseImages?.[0]?.imageId;
      const imageId = `im-${createHash("sha256")
        .update(JSON.stringify([base ?? "", commands]))
        .digest("base64url")
        .slice(0, 22)}`;
      const from = commands.find((line) => /^FROM\s+/i.test(line));
      const parent = base ? core.images.get(base) : undefined;
      const tag = from && !/^FROM\s+base$/i.test(from) ? from.replace(/^FROM\s+/i, "").trim() : parent?.tag;
      core.images.set(imageId, {
        imageId,
        dockerfileCommands: commands,
        ...(tag === undefined ? {} : { tag }),
        ...(parent?.snapshot ? { snapshot: parent.snapshot } : {}),
      });
      return { imageId, result: { status: GenericStatus.SUCCESS } };
    },

    imageFromId: async (request) => {
      if (!request.imageId || !core.images.has(request.imageId)) {
        throw new ServerError(Status.NOT_FOUND, `Image ${request.imageId ?? ""} not found`);
      }
      return { imageId: request.imageId };
    },

    imageDelete: async (request) => {
      if (!request.imageId || !core.images.delete(request.imageId)) {
        throw new ServerError(Status.NOT_FOUND, `Image ${request.imageId ?? ""} not found`);
      }
      return {};
    },

    secretGetOrCreate: async (request) => {
      const secretId = prefixedId("st");
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.envDict ?? {})) if (value !== undefined) env[key] = value;
      core.secrets.set(secretId, env);
      return { secretId };
    },

    sandboxCreate: async (request) => {
      const env: Record<string, string> = {};
      for (const secretId of request.definition?.secretIds ?? []) {
        const secret = secretId ? core.secrets.get(secretId) : undefined;
        if (!secret) throw new ServerError(Status.NOT_FOUND, `Secret ${secretId ?? ""} not found`);
        Object.assign(env, secret);
      }
      const sandbox = await create(request, true, env);
      return { sandboxId: sandbox.sandboxId };
    },

    sandboxCreateV2: async (request) => {
      const env: Record<string, string> = {};
      for (const source of request.secretSources ?? []) {
        if (source?.secretId) {
          const secret = core.secrets.get(source.secretId);
          if (!secret) throw new ServerError(Status.NOT_FOUND, `Secret ${source.secretId} not found`);
          Object.assign(env, secret);
        }
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
        tunnels: await tunnelsOf(core, sandbox),
        commandRouterAccess: routerAccess(sandbox),
        metadata: { appId: sandbox.appId },
      };
    },

    sandboxGetTaskId: getTaskId,
    sandboxGetTaskIdV2: getTaskId,

    taskGetCommandRouterAccess: async (request) => {
      const sandbox = core.task(request.taskId);
      return routerAccess(sandbox);
    },

    sandboxGetCommandRouterAccess: async (request) => {
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
