import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Provider } from "@openlattice/core";
import type { LocalProviderOptions } from "@openlattice/local";
import { type CallContext, createServer, type Server } from "nice-grpc";
import { CallRecorder } from "./call-recorder.js";
import { createControlHandlers } from "./control-plane-handlers.js";
import { EmulatorCore } from "./emulator-core.js";
import { FaultInjector } from "./fault-injector.js";
import { loadModalDefinitions } from "./load-definitions.js";
import { createRouterHandlers } from "./router-handlers.js";
import { serveDefinition } from "./serve-definition.js";
import { selfSignedCertificate, type TlsMaterial } from "./tls-certificate.js";
import { TokenIssuer } from "./tokens.js";

export interface ModalEmulatorOptions {
  /**
   * Where sandboxes really run. Default: `new LocalProvider()` from `@openlattice/local`.
   * Any spec v1 provider works; its `files`/`network` extensions back the SDK's filesystem
   * and tunnel APIs, and its `snapshot`/`restore` back `snapshotFilesystem` and `images.fromId`.
   */
  backend?: Provider;
  /**
   * Options of the default `LocalProvider` backend (e.g. `{ isolation: "none", stateDir }`).
   * Default `sandboxUid: 0`: commands run as root inside the sandbox, as on Modal.
   */
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
   * GPU types that are never scheduled: a GPU (V1) sandbox of one waits for a task until it is
   * terminated, as a sandbox queued behind a full GPU pool does on Modal.
   */
  unschedulableGpuTypes?: readonly string[];
  /**
   * When set, calls must carry these credentials (and the tokens the emulator issued for
   * them); others get UNAUTHENTICATED, as Modal answers.
   */
  credentials?: { tokenId: string; tokenSecret: string };
  /** Receives one line per call and the emulator's notices; no secrets or payloads. Default: discarded. */
  log?: (line: string) => void;
  /** Certificate and key the tunnels serve TLS with. Default: a self-signed one made at start. */
  tls?: TlsMaterial;
  /**
   * Give sandboxes the backend's `egress: "all"` (Modal's default networking is open). Default
   * false: the backend's default applies (on `@openlattice/local`'s namespace tier: no egress,
   * because opening it shares the host's network).
   */
  openEgress?: boolean;
  /**
   * Images with Dockerfile commands beyond `FROM` (`image.dockerfileCommands([...])`): the
   * emulator cannot run them, so by default their build fails as a Modal build does ("Image
   * build for … failed"); `"ignore"` accepts them without running them.
   */
  dockerfileCommands?: "refuse" | "ignore";
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
  /** PEM certificate the tunnels present; trust it to use `Tunnel.url` (`https://127.0.0.1:…`). */
  readonly tlsCertificate: string;
  /** A file holding `tlsCertificate`, for `NODE_EXTRA_CA_CERTS`. */
  readonly tlsCertificateFile: string;
  /**
   * Options that point a `ModalProvider` at this emulator, credentials included (the SDK needs
   * some even offline): `new ModalProvider({ ...emulator.providerOptions })`.
   */
  readonly providerOptions: { readonly serverUrl: string; readonly tokenId: string; readonly tokenSecret: string };
  /**
   * Environment variables that point the unmodified `modal` SDK at this emulator, and make
   * Node trust its tunnels (`NODE_EXTRA_CA_CERTS`, read when a Node process starts).
   */
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
  const tokens = new TokenIssuer();
  const tls = options.tls ?? (await selfSignedCertificate());
  const stateDir = await mkdtemp(path.join(tmpdir(), "openlattice-modal-emulator-"));
  const tlsCertificateFile = path.join(stateDir, "tunnel-ca.pem");
  await writeFile(tlsCertificateFile, tls.cert, { mode: 0o644 });
  const log = options.log ?? (() => undefined);
  const upper = (types: readonly string[] | undefined) => new Set((types ?? []).map((type) => type.toUpperCase()));
  const core = new EmulatorCore(
    backend,
    {
      imageForTag: options.imageForTag ?? (() => "host"),
      schedulingDelayMs: options.schedulingDelayMs ?? 0,
      unavailableGpuTypes: upper(options.unavailableGpuTypes),
      unschedulableGpuTypes: upper(options.unschedulableGpuTypes),
      credentials: options.credentials,
      extraEnv: options.sandboxEnv ?? ((env) => env),
      openEgress: options.openEgress ?? false,
      dockerfileCommands: options.dockerfileCommands ?? "refuse",
      log,
    },
    recorder,
    faults,
    tokens,
    tls,
    stateDir,
  );
  const credentials = options.credentials;
  // The SDK's router channel allows 100 MiB messages (file writes, stdin); so does the emulator.
  const server: Server = createServer({
    "grpc.max_receive_message_length": 100 * 1024 * 1024,
    "grpc.max_send_message_length": 100 * 1024 * 1024,
  });
  const header = (context: CallContext, name: string) => {
    const value = context.metadata.get(name);
    return typeof value === "string" ? value : undefined;
  };
  server.add(
    definitions.control as never,
    serveDefinition("control", definitions.control, createControlHandlers(core), {
      recorder,
      faults,
      log,
      requireAuthentication: credentials !== undefined,
      authenticated: (context) => {
        const id = header(context, "x-modal-token-id");
        if (!credentials) return id !== undefined && id !== "";
        if (id !== credentials.tokenId || header(context, "x-modal-token-secret") !== credentials.tokenSecret) {
          return false;
        }
        // A session token, when sent, must be one this emulator issued (and not expired).
        const token = header(context, "x-modal-auth-token");
        return token === undefined || tokens.verify(token) !== undefined;
      },
    }) as never,
  );
  server.add(
    definitions.router as never,
    serveDefinition("router", definitions.router, createRouterHandlers(core), {
      recorder,
      faults,
      log,
      requireAuthentication: credentials !== undefined,
      authenticated: (context, request) => {
        const bearer = /^Bearer (.+)$/.exec(header(context, "authorization") ?? "")?.[1];
        if (!bearer) return false;
        if (!credentials) return true;
        // The router token is minted for one task: it must match the task the call names.
        const claims = tokens.verify(bearer);
        const taskId = taskIdOf(request);
        return claims !== undefined && (taskId === undefined || claims.sub === taskId);
      },
    }) as never,
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
    tlsCertificate: tls.cert,
    tlsCertificateFile,
    env: () => ({
      MODAL_SERVER_URL: url,
      MODAL_TOKEN_ID: tokenId,
      MODAL_TOKEN_SECRET: tokenSecret,
      MODAL_CONFIG_PATH: "/nonexistent/openlattice-modal-emulator.toml",
      NODE_EXTRA_CA_CERTS: tlsCertificateFile,
    }),
    close: async () => {
      await Promise.all([...core.sandboxes.values()].map((sandbox) => sandbox.finish(3, 137, "emulator closed")));
      // Graceful first; long-lived calls (stdio streams, waits) must not hold the port forever.
      const grace = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([server.shutdown(), grace]);
      server.forceShutdown();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** The task a router request names (client streams carry it in their first message). */
function taskIdOf(request: unknown): string | undefined {
  const value = (request as { taskId?: unknown } | undefined)?.taskId;
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** `@openlattice/local`'s provider; loaded on demand so that a custom backend never loads it. */
async function defaultBackend(options: LocalProviderOptions | undefined): Promise<Provider> {
  const { LocalProvider } = await import("@openlattice/local");
  return new LocalProvider({ sandboxUid: 0, ...options });
}
