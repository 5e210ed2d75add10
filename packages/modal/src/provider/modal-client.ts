import { AsyncLocalStorage } from "node:async_hooks";
import { ModalClient } from "modal";
import type { CallOptions, ClientMiddleware, ClientMiddlewareCall } from "nice-grpc";
import { mapModalError } from "./map-modal-error.js";
import type { ModalProviderOptions } from "./modal-provider-options.js";

/** Who wants to know the id of a sandbox being created in the current async context. */
interface CreationWatch {
  onCreated(sandboxId: string): void;
}

const watches = new AsyncLocalStorage<CreationWatch>();

/**
 * Tells the current `watchCreation` caller the id of each sandbox the SDK creates. A GPU
 * `sandboxes.create` returns only once Modal scheduled the sandbox (up to 21 minutes), so
 * without this a provider could not terminate a sandbox it stopped waiting for.
 */
const reportCreatedSandboxes: ClientMiddleware = async function* <Request, Response>(
  call: ClientMiddlewareCall<Request, Response>,
  options: CallOptions,
) {
  if (call.requestStream || call.responseStream) return yield* call.next(call.request, options);
  const response = yield* call.next(call.request, options);
  if (/\/SandboxCreate(V2)?$/.test(call.method.path)) {
    const id = (response as { sandboxId?: unknown }).sandboxId;
    if (typeof id === "string" && id !== "") watches.getStore()?.onCreated(id);
  }
  return response;
};

/** Runs `work` so that sandboxes it creates through a client of `buildModalClient` are reported. */
export function watchCreation<T>(onCreated: (sandboxId: string) => void, work: () => Promise<T>): Promise<T> {
  return watches.run({ onCreated }, work);
}

/**
 * The SDK client for a provider. The SDK reads its server only from `MODAL_SERVER_URL` (or the
 * toml) while constructing, so `serverUrl` is set in the environment for that moment only.
 * `reportsCreations` says whether `watchCreation` works with it (not for a caller's client).
 */
export function buildModalClient(options: ModalProviderOptions): { client: ModalClient; reportsCreations: boolean } {
  if (options.client) return { client: options.client, reportsCreations: false };
  const previous = process.env.MODAL_SERVER_URL;
  if (options.serverUrl) process.env.MODAL_SERVER_URL = options.serverUrl;
  try {
    const client = new ModalClient({
      ...(options.tokenId === undefined ? {} : { tokenId: options.tokenId }),
      ...(options.tokenSecret === undefined ? {} : { tokenSecret: options.tokenSecret }),
      ...(options.environment === undefined ? {} : { environment: options.environment }),
      maxThrottleWaitSecs: options.maxThrottleWaitSecs ?? 60,
      grpcMiddleware: [reportCreatedSandboxes],
    });
    return { client, reportsCreations: true };
  } catch (error) {
    throw mapModalError(error, { operation: "connect" });
  } finally {
    if (options.serverUrl) {
      if (previous === undefined) delete process.env.MODAL_SERVER_URL;
      else process.env.MODAL_SERVER_URL = previous;
    }
  }
}
