import type { ModalClient } from "modal";

/** Tailscale settings used when a spec carries `network.tailscaleAuthKey`. */
export interface ModalTailscaleOptions {
  /**
   * Install Tailscale into the image with a Dockerfile layer (Debian/Ubuntu images with apt).
   * Set false when the image already has `tailscale` and `tailscaled`. Default true.
   */
  install?: boolean;
  /** Local port of tailscaled's SOCKS5 and HTTP proxy inside the sandbox. Default 1055. */
  proxyPort?: number;
  /** How long `tailscale up` and reaching `BackendState: Running` may take. Default 120000 ms. */
  readyTimeoutMs?: number;
}

/** Options of `new ModalProvider(options)`. Every field is optional. */
export interface ModalProviderOptions {
  /** Modal token id; default: `MODAL_TOKEN_ID` or `~/.modal.toml`, as the SDK resolves it. */
  tokenId?: string;
  /** Modal token secret; default: `MODAL_TOKEN_SECRET` or `~/.modal.toml`. */
  tokenSecret?: string;
  /** Modal environment; default: `MODAL_ENVIRONMENT`, the toml, or the workspace default. */
  environment?: string;
  /** App the sandboxes belong to (created if missing); default `OPENLATTICE_MODAL_APP` or `"openlattice"`. */
  appName?: string;
  /**
   * Server URL, e.g. an emulator's `http://127.0.0.1:PORT`. The SDK reads its server only from
   * `MODAL_SERVER_URL` or the toml; this option sets the variable while the client is built.
   */
  serverUrl?: string;
  /** A ready `ModalClient` to use instead of building one (the options above are then ignored). */
  client?: ModalClient;
  /** Image when `runtime.image` is absent. Default `"python:3.12-slim"`. */
  defaultImage?: string;
  /** Lifetime when `duration.maxSeconds` is absent, in seconds. Default 3600 (the SDK's own default is 300). */
  defaultDurationSeconds?: number;
  /**
   * GPU types tried in order, after `spec.gpu.type`, when Modal has no capacity for a type or
   * does not schedule it within `gpuSchedulingTimeoutMs` (e.g. `["H100", "A100-80GB"]`). Each
   * must be a Modal GPU type.
   */
  gpuFallbacks?: readonly string[];
  /**
   * How long one GPU type may wait to be scheduled (ms) before its queued sandbox is
   * terminated and the next fallback type is tried (or provision fails with a retryable
   * `capacity` error). Counted from Modal's acceptance of the sandbox, not image builds.
   * Default 300000 (the SDK alone would wait 21 minutes).
   */
  gpuSchedulingTimeoutMs?: number;
  /** Deadline of `healthCheck` (ms); a server that never answers is reported unreachable then. Default 5000. */
  healthCheckTimeoutMs?: number;
  /** Value of the `openlattice-owner` tag, used by sweeps. Default: `OPENLATTICE_OWNER` or `"openlattice"`. */
  owner?: string;
  /** Value of the `openlattice-run` tag (e.g. a CI run id). Default: `OPENLATTICE_RUN_ID` or a random id. */
  runId?: string;
  /**
   * Budget of one filesystem snapshot, in ms: `snapshot` rejects with `timeout` when it passes.
   * It never waits for running execs (the snapshot captures the filesystem as it is). Default
   * 600000 (the SDK's default is 55 s).
   */
  snapshotTimeoutMs?: number;
  /** How long Modal keeps snapshots, in ms; `null` keeps them until deleted (the SDK's default is 30 days). */
  snapshotTtlMs?: number | null;
  /** Upper bound of the SDK's waits on server throttling, in seconds. Default 60 (the SDK waits forever). */
  maxThrottleWaitSecs?: number;
  tailscale?: ModalTailscaleOptions;
}
