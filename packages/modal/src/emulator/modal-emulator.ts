import type { Provider } from "@openlattice/core";
import type { LocalProviderOptions } from "@openlattice/local";
import { createServer, type Server } from "nice-grpc";
import { CallRecorder } from "./call-recorder.js";
import { createControlHandlers } from "./control-plane-handlers.js";
import { EmulatorCore } from "./emulator-core.js";
import { FaultInjector } from "./fault-injector.js";
import { loadModalDefinitions } from "./load-definitions.js";
import { createRouterHandlers } from "./router-handlers.js";
import { serveDefinition } from "./serve-definition.js";

export interface ModalEmulatorOptions {
  /**
   * Where sandboxes really run. Default: `new LocalProvider()` from `@openlattice/local`.
   * Any spec v1 provider works; its `files`/`network` extensions back the SDK's filesystem
   * and tunnel APIs, and its `snapshot`/`restore` back `snapshotFilesystem` and `images.fromId`.
   */
  backend?: Provider;
  /** Options of the default `LocalProvider` backend (e.g. `{ isolation: "none", stateDir }`). */
  local?: LocalProviderOptions;
  /** Interface to listen on. Default `127.0.0.1` (the SDK only dials the router in plaintext on localhost). */
  host?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /**
   * Maps the registry tag of a Modal image (`python:3.12-slim`) to the backend's image
   * reference. Default: `"host"` for every tag, i.e. the local backend's host image.
   */
  imageForTag?: (tag: string | undefined) => string;
  /** GPU (V1) sandboxes get a task only after this long, emulating a slow scheduler. Default 0. */
  schedulingDelayMs?: number;
  /** GPU types with no capacity: creating a sandbox with one fails with RESOURCE_EXHAUSTED. */
  unavailableGpuTypes?: readonly string[];
  /**
   * An exec whose client neither closes stdin nor reads its output starts after this long
   * anyway (ms). Default 1000. See the README: the backend takes stdin up front.
   */
  execStartGraceMs?: number;
  /** When set, control-plane calls must carry these credentials; others get UNAUTHENTICATED. */
  credentials?: { tokenId: string; tokenSecret: string };
  /** Receives the emulator's log lines (secrets are redacted). Default: discarded. */
  log?: (line: string) => void;
  /** Adds variables to the environment of every backend sandbox (e.g. a PATH with test tools). */
  sandboxEnv?: (env: Record<string, string>) => Record<string, string>;
}

/** A running emulator. */
export interface ModalEmulator {
  /** The value for `MODAL_SERVER_URL`: `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Every RPC received, for assertions. */
  readonly calls: CallRecorder;
  /** Fault injection: `faults.add({ method: "SandboxCreateV2", code: Status.UNAVAILABLE })`. */
  readonly faults: FaultInjector;
  /** The provider sandboxes run on. */
  readonly backend: Provider;
  /** The modal SDK version whose definitions the emulator serves. */
  readonly sdkVersion: string;
  /**
   * Options that point a `ModalProvider` at this emulator, credentials included (the SDK needs
   * some even offline): `new ModalProvider({ ...emulator.providerOptions })`.
   */
  readonly providerOptions: { readonly serverUrl: string; readonly tokenId: string; readonly tokenSecret: string };
  /** Environment variables that point the unmodified `modal` SDK at this emulator. */
  env(): Record<string, string>;
  /** Terminates every sandbox it started and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a local gRPC server that speaks Modal's control-plane and task-command-router
 * protocols, encoded with the installed SDK's own definitions. Point the `modal` SDK at it with
 * `MODAL_SERVER_URL=emulator.url` (set before `modal` is imported, along with a nonexistent
 * `MODAL_CONFIG_PATH` and any `MODAL_TOKEN_ID`/`MODAL_TOKEN_SECRET`).
 */
export async function startModalEmulator(options: ModalEmulatorOptions = {}): Promise<ModalEmulator> {
  const definitions = loadModalDefinitions();
  const backend = options.backend ?? (await defaultBackend(options.local));
  const recorder = new CallRecorder();
  const faults = new FaultInjector();
  const core = new EmulatorCore(
    backend,
    {
      imageForTag: options.imageForTag ?? (() => "host"),
      schedulingDelayMs: options.schedulingDelayMs ?? 0,
      unavailableGpuTypes: new Set((options.unavailableGpuTypes ?? []).map((type) => type.toUpperCase())),
      execStartGraceMs: options.execStartGraceMs ?? 1000,
      credentials: options.credentials,
      extraEnv: options.sandboxEnv ?? ((env) => env),
      log: options.log ?? (() => undefined),
    },
    recorder,
    faults,
  );
  const credentials = options.credentials;
  // The SDK's router channel allows 100 MiB messages (file writes, stdin); so does the emulator.
  const server: Server = createServer({
    "grpc.max_receive_message_length": 100 * 1024 * 1024,
    "grpc.max_send_message_length": 100 * 1024 * 1024,
  });
  server.add(
    definitions.control as never,
    serveDefinition(
      "control",
      definitions.control,
      createControlHandlers(core),
      recorder,
      faults,
      (context) => {
        const id = context.metadata.get("x-modal-token-id");
        if (credentials) {
          const secret = context.metadata.get("x-modal-token-secret");
          return id === credentials.tokenId && secret === credentials.tokenSecret;
        }
        return typeof id === "string" && id !== "";
      },
      credentials !== undefined,
    ) as never,
  );
  server.add(
    definitions.router as never,
    serveDefinition(
      "router",
      definitions.router,
      createRouterHandlers(core),
      recorder,
      faults,
      (context) => String(context.metadata.get("authorization") ?? "").startsWith("Bearer "),
      false,
    ) as never,
  );
  const host = options.host ?? "127.0.0.1";
  const port = await server.listen(`${host}:${options.port ?? 0}`);
  const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  core.routerUrl = `https://${authority}`;
  const url = `http://${authority}`;
  const tokenId = credentials?.tokenId ?? "ak-emulator";
  const tokenSecret = credentials?.tokenSecret ?? "as-emulator";
  return {
    url,
    port,
    providerOptions: { serverUrl: url, tokenId, tokenSecret },
    calls: recorder,
    faults,
    backend,
    sdkVersion: definitions.sdkVersion,
    env: () => ({
      MODAL_SERVER_URL: url,
      MODAL_TOKEN_ID: tokenId,
      MODAL_TOKEN_SECRET: tokenSecret,
      MODAL_CONFIG_PATH: "/nonexistent/openlattice-modal-emulator.toml",
    }),
    close: async () => {
      await Promise.all([...core.sandboxes.values()].map((sandbox) => sandbox.finish(3, 137, "emulator closed")));
      // Graceful first; long-lived calls (stdio streams, waits) must not hold the port forever.
      const grace = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([server.shutdown(), grace]);
      server.forceShutdown();
    },
  };
}

/** `@openlattice/local`'s provider; loaded on demand so that a custom backend never loads it. */
async function defaultBackend(options: LocalProviderOptions | undefined): Promise<Provider> {
  const { LocalProvider } = await import("@openlattice/local");
  return new LocalProvider(options);
}
