import { UnsupportedError } from "../errors/error-classes.js";
import type { ExecOptions, ExecResult } from "../provider/v1/exec.js";
import type { ExtensionName, Extensions } from "../provider/v1/extensions.js";
import type { Provider } from "../provider/v1/provider.js";
import type { ProvisionSpec } from "../provider/v1/provision-spec.js";
import type { SandboxInfo, SandboxNode } from "../provider/v1/sandbox-info.js";
import type { SnapshotRef } from "../provider/v1/snapshot.js";
import { type RetryPolicy, withRetry } from "../retry/with-retry.js";
import { assertProvider } from "../validation/assert-provider.js";
import { parseProvisionSpec } from "../validation/parse-provision-spec.js";

export interface OpenSandboxOptions {
  /** Cancels provisioning; whatever was created is destroyed by the provider. */
  signal?: AbortSignal;
  /**
   * Retry policy for provisioning, or `false` for none. Provisioning is retried only when the
   * spec has an `idempotencyKey`, so retries never create a second sandbox. Default: 3 retries.
   */
  retry?: RetryPolicy | false;
}

/**
 * Provisions a sandbox and returns a handle to it. The spec is validated before the provider
 * is called. Use `await using sandbox = await openSandbox(...)` to destroy it on scope exit.
 */
export async function openSandbox(
  provider: Provider,
  spec: ProvisionSpec = {},
  options: OpenSandboxOptions = {},
): Promise<Sandbox> {
  assertProvider(provider);
  parseProvisionSpec(spec, provider.name);
  const provision = () => provider.provision(spec, options.signal ? { signal: options.signal } : undefined);
  const node =
    options.retry === false
      ? await provision()
      : await withRetry(provision, {
          ...options.retry,
          idempotent: false,
          idempotencyKey: spec.idempotencyKey,
          signal: options.signal ?? options.retry?.signal,
        });
  return new Sandbox(provider, node);
}

/**
 * A handle to one sandbox: the way most code talks to a provider. Every method delegates to
 * the provider with this sandbox's id. Extensions the provider lacks throw `unsupported` when
 * accessed, naming the provider.
 */
export class Sandbox implements AsyncDisposable {
  /** The provider's id of this sandbox. */
  readonly id: string;
  private destroyed = false;

  constructor(
    readonly provider: Provider,
    readonly node: SandboxNode,
  ) {
    this.id = node.externalId;
  }

  /** Runs `argv` (never through a shell). See `Provider.exec`. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.provider.exec(this.id, argv, options);
  }

  /** Files inside the sandbox. */
  get files(): Extensions["files"] {
    return this.require("files");
  }

  /** URLs of servers inside the sandbox. */
  get network(): Extensions["network"] {
    return this.require("network");
  }

  /** CPU and memory usage. */
  get metrics(): Extensions["metrics"] {
    return this.require("metrics");
  }

  /** Pause and resume. */
  get lifecycle(): Extensions["lifecycle"] {
    return this.require("lifecycle");
  }

  /** Background processes: start, list, attach, PTYs. */
  get processes(): Extensions["processes"] {
    return this.require("processes");
  }

  /** Files as streams, in constant memory. */
  get fileStreams(): Extensions["fileStreams"] {
    return this.require("fileStreams");
  }

  /** Change notifications for files. */
  get fileWatch(): Extensions["fileWatch"] {
    return this.require("fileWatch");
  }

  /** The duration limit: read it, extend it. */
  get lifetime(): Extensions["lifetime"] {
    return this.require("lifetime");
  }

  /** The extension, or `undefined` when the provider lacks it (never throws). */
  extension<K extends ExtensionName>(name: K): Extensions[K] | undefined {
    return this.provider.getExtension(this.id, name) as Extensions[K] | undefined;
  }

  inspect(): Promise<SandboxInfo> {
    return this.provider.inspect(this.id);
  }

  snapshot(): Promise<SnapshotRef> {
    return this.provider.snapshot(this.id);
  }

  /** Destroys the sandbox. Idempotent. */
  async destroy(): Promise<void> {
    await this.provider.destroy(this.id);
    this.destroyed = true;
  }

  /** True once `destroy` has resolved through this handle. */
  get isDestroyed(): boolean {
    return this.destroyed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }

  private require<K extends ExtensionName>(name: K): Extensions[K] {
    const extension = this.extension(name);
    if (extension === undefined) {
      throw new UnsupportedError(name, `the ${this.provider.name} provider has no "${name}" extension`, {
        provider: this.provider.name,
      });
    }
    return extension;
  }
}

/** Restores `ref` through `provider` and returns a handle to the new sandbox. */
export async function restoreSandbox(
  provider: Provider,
  ref: SnapshotRef,
  overrides?: Partial<ProvisionSpec>,
): Promise<Sandbox> {
  assertProvider(provider);
  return new Sandbox(provider, await provider.restore(ref, overrides));
}
