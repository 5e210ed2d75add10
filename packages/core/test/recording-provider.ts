import {
  type Capabilities,
  createExecResult,
  type ExecOptions,
  type ExecResult,
  type ExtensionOf,
  type FilesExtension,
  type HealthReport,
  NotFoundError,
  OutputCollector,
  type Provider,
  type ProvisionSpec,
  parseProvisionSpec,
  type SandboxInfo,
  type SandboxNode,
  type SnapshotRef,
  UnavailableError,
} from "../src/index.js";
import { testCapabilities } from "./fixtures.js";

/**
 * A provider whose sandboxes are records in a map, used to test core's handle. It can fail the
 * first N provisions with a retryable error, and keys sandboxes by idempotency key like a
 * well-behaved backend would.
 */
export class RecordingProvider implements Provider {
  readonly name = "recording";
  readonly specificationVersion = "v1" as const;
  readonly capabilities: Capabilities = testCapabilities({ extensions: ["files"] });
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly live = new Map<string, SandboxNode>();
  private readonly byKey = new Map<string, string>();
  private readonly files = new Map<string, Uint8Array>();
  private counter = 0;

  constructor(private failProvisions = 0) {}

  async provision(spec: ProvisionSpec): Promise<SandboxNode> {
    this.calls.push({ method: "provision", args: [spec] });
    const valid = parseProvisionSpec(spec, this.name);
    const existing = valid.idempotencyKey ? this.byKey.get(valid.idempotencyKey) : undefined;
    const node: SandboxNode = (existing && this.live.get(existing)) || {
      externalId: `rec-${++this.counter}`,
      provider: this.name,
      status: "running",
      createdAt: new Date(),
      labels: valid.labels ?? {},
    };
    this.live.set(node.externalId, node);
    if (valid.idempotencyKey) this.byKey.set(valid.idempotencyKey, node.externalId);
    if (this.failProvisions > 0) {
      this.failProvisions -= 1;
      // The sandbox was created but the response was "lost".
      throw new UnavailableError("connection reset");
    }
    return node;
  }

  async exec(externalId: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.calls.push({ method: "exec", args: [externalId, argv, options] });
    if (!this.live.has(externalId)) throw new NotFoundError(`no sandbox ${externalId}`);
    if (argv[0] === "stream") return this.stream(Number(argv[1]), options);
    const out = new TextEncoder().encode(argv.join(" "));
    return createExecResult({ exitCode: 0, stdoutBytes: out, stderrBytes: new Uint8Array(), durationMs: 0 });
  }

  /** Emits `chunks` chunks of 1 KiB, one per macrotask, honouring the abort signal. */
  private async stream(chunks: number, options?: ExecOptions): Promise<ExecResult> {
    const out = new OutputCollector(Number.POSITIVE_INFINITY, {
      onText: options?.onStdout,
      onBytes: options?.onStdoutBytes,
    });
    for (let index = 0; index < chunks; index++) {
      options?.signal?.throwIfAborted();
      out.push(new Uint8Array(1024).fill(index % 256));
      await new Promise((resolve) => setImmediate(resolve));
    }
    out.end();
    return createExecResult({ exitCode: 0, stdoutBytes: out.bytes(), stderrBytes: new Uint8Array(), durationMs: 0 });
  }

  async destroy(externalId: string): Promise<void> {
    this.calls.push({ method: "destroy", args: [externalId] });
    this.live.delete(externalId);
  }

  async inspect(externalId: string): Promise<SandboxInfo> {
    this.calls.push({ method: "inspect", args: [externalId] });
    const node = this.live.get(externalId);
    if (!node) throw new NotFoundError(`no sandbox ${externalId}`);
    return node;
  }

  async snapshot(externalId: string): Promise<SnapshotRef> {
    this.calls.push({ method: "snapshot", args: [externalId] });
    return { provider: this.name, externalId: `snap-${externalId}`, type: "filesystem", createdAt: new Date() };
  }

  async restore(ref: SnapshotRef): Promise<SandboxNode> {
    this.calls.push({ method: "restore", args: [ref] });
    return this.provision({});
  }

  async list(filter: { labels?: Record<string, string> } = {}): Promise<SandboxNode[]> {
    const wanted = Object.entries(filter.labels ?? {});
    return [...this.live.values()].filter((node) => wanted.every(([key, value]) => node.labels[key] === value));
  }

  async healthCheck(): Promise<HealthReport> {
    return { healthy: true, latencyMs: 0 };
  }

  getExtension<K extends string>(externalId: string, name: K): ExtensionOf<K> {
    if (name !== "files") return undefined as ExtensionOf<K>;
    const files: FilesExtension = {
      read: async (path) => this.files.get(`${externalId}:${path}`) ?? new Uint8Array(),
      readText: async (path) => new TextDecoder().decode(this.files.get(`${externalId}:${path}`)),
      write: async (path, data) => {
        this.files.set(`${externalId}:${path}`, typeof data === "string" ? new TextEncoder().encode(data) : data);
      },
      list: async () => [],
      remove: async () => {},
      mkdir: async () => {},
      stat: async (path) => ({ name: path, path, type: "file", size: 0, mode: 0o644, modifiedAt: new Date() }),
    };
    return files as ExtensionOf<K>;
  }
}
