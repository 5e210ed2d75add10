import { createHash } from "node:crypto";
import type { CallContext } from "nice-grpc";
import { ServerError, Status } from "nice-grpc";
import { GenericStatus } from "./emulated-sandbox.js";
import type { EmulatorCore } from "./emulator-core.js";
import { prefixedId } from "./ids.js";
import type { ControlMethod, ControlRequest, ControlResponse, DeepPartial } from "./protocol-types.js";
import { createSandboxHandlers } from "./sandbox-handlers.js";

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

export function createControlHandlers(core: EmulatorCore): ControlHandlers {
  return {
    authTokenGet: async () => ({ token: core.tokens.issue({ sub: "emulator" }) }),

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
      const steps = commands.filter((line) => !/^FROM\s+/i.test(line));
      if (steps.length > 0 && core.settings.dockerfileCommands === "refuse") {
        // Reported as Modal reports a failed build: the SDK raises "Image build for … failed".
        return {
          imageId,
          result: {
            status: GenericStatus.FAILURE,
            exception: `the openlattice Modal emulator does not run Dockerfile commands (${steps[0]?.slice(0, 80)}); start it with dockerfileCommands: "ignore" to accept them unexecuted`,
          },
        };
      }
      core.images.set(imageId, {
        imageId,
        dockerfileCommands: commands,
        ...(tag === undefined ? {} : { tag }),
        ...(parent?.snapshotFile ? { snapshotFile: parent.snapshotFile } : {}),
        ...(parent?.backendSnapshot ? { backendSnapshot: parent.backendSnapshot } : {}),
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

    ...createSandboxHandlers(core),
  };
}
