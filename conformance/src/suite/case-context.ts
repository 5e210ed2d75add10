import {
  type ExecOptions,
  type ExecResult,
  type Provider,
  type ProvisionSpec,
  type SandboxNode,
  SPECIFICATION_VERSION,
} from "@openlattice/core";
import type { Requirement } from "../requirements/requirement-list.js";
import { NotRunSignal, UnsupportedSignal } from "./case-signals.js";
import type { SandboxTracker } from "./sandbox-tracker.js";
import { LABEL_CASE, LABEL_RUN, type ResolvedSuiteOptions } from "./suite-options.js";

/** A provisioned sandbox plus where a case may write: its default working directory and a fresh scratch directory in it. */
export interface CaseSandbox {
  readonly id: string;
  readonly node: SandboxNode;
  /** The sandbox's default working directory, as `pwd` reports it. */
  readonly workdir: string;
  /** An empty directory made for this case under `workdir`. */
  readonly scratch: string;
}

/**
 * Everything a case body gets. `provider` is a tracking proxy: sandboxes it provisions or
 * restores are destroyed after the case (newest first) unless the case destroyed them.
 */
export class CaseContext {
  readonly provider: Provider;

  constructor(
    readonly raw: Provider,
    readonly requirement: Requirement,
    readonly options: ResolvedSuiteOptions,
    tracker: SandboxTracker,
    /** Every sandbox id created in this `describeProvider` run so far (for the leak check). */
    readonly runSandboxes: ReadonlySet<string>,
    /** Records a note on the test (shown in the JSON and markdown reports). */
    readonly note: (message: string) => void,
    /** The suite's provider factory, for cases that compare two instances. */
    readonly createProvider: () => Provider | Promise<Provider>,
  ) {
    this.provider = trackProvider(raw, tracker);
  }

  get capabilities() {
    return this.raw.capabilities;
  }

  /** Ends the case as `unsupported`. Call only after verifying the feature is really absent. */
  unsupported(reason: string): never {
    throw new UnsupportedSignal(reason);
  }

  /** Ends the case as `not-run` with the reason. */
  notRun(reason: string): never {
    throw new NotRunSignal(reason);
  }

  /** The configured image, or ends the case as `not-run` when there is none. */
  requireImage(): string {
    if (this.options.image === undefined) {
      this.notRun(
        "needs a runtime image: pass options.image (CLI: --image) to run cases that set runtime.command/env/workdir",
      );
    }
    return this.options.image;
  }

  /**
   * A spec carrying the run and case labels and the TTL backstop, merged with `extra` (its
   * labels are added, its other sections replace the defaults).
   */
  spec(extra: ProvisionSpec = {}): ProvisionSpec {
    const max = this.capabilities.constraints.maxDurationSeconds;
    const ttl = max === undefined ? this.options.ttlSeconds : Math.min(max, this.options.ttlSeconds);
    return {
      duration: { maxSeconds: ttl },
      ...extra,
      labels: { [LABEL_RUN]: this.options.runId, [LABEL_CASE]: this.requirement.id, ...extra.labels },
    };
  }

  provision(extra?: ProvisionSpec): Promise<SandboxNode> {
    return this.provider.provision(this.spec(extra));
  }

  /** Provisions a sandbox and prepares an empty scratch directory in its working directory. */
  async sandbox(extra?: ProvisionSpec): Promise<CaseSandbox> {
    const node = await this.provision(extra);
    const pwd = await this.mustExec(node.externalId, ["pwd"]);
    const workdir = pwd.stdout.replace(/\n$/, "");
    const scratch = `${workdir === "/" ? "" : workdir}/olc-${this.requirement.id.replaceAll(".", "-")}-${Math.random().toString(36).slice(2, 8)}`;
    await this.mustExec(node.externalId, ["mkdir", "-p", "--", scratch]);
    return { id: node.externalId, node, workdir, scratch };
  }

  exec(id: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.provider.exec(id, argv, options);
  }

  /** Runs a helper command the case relies on; a non-zero exit is a failure of the provider. */
  async mustExec(id: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    const result = await this.provider.exec(id, argv, options);
    if (result.exitCode !== 0) {
      throw new Error(
        `helper command ${JSON.stringify(argv)} exited ${result.exitCode}: ${result.stderr.slice(0, 500) || result.stdout.slice(0, 500)}`,
      );
    }
    return result;
  }

  /** True when `program` exists in the sandbox (`command -v`). */
  async hasProgram(id: string, program: string): Promise<boolean> {
    const result = await this.provider.exec(id, ["sh", "-c", 'command -v "$1" >/dev/null 2>&1', "sh", program]);
    return result.exitCode === 0;
  }
}

/** A view of `provider` whose provision/restore/destroy keep `tracker` up to date. */
function trackProvider(provider: Provider, tracker: SandboxTracker): Provider {
  return {
    name: provider.name,
    specificationVersion: SPECIFICATION_VERSION,
    get capabilities() {
      return provider.capabilities;
    },
    provision: async (spec, options) => {
      const node = await provider.provision(spec, options);
      tracker.add(node);
      return node;
    },
    restore: async (ref, overrides) => {
      const node = await provider.restore(ref, overrides);
      tracker.add(node);
      return node;
    },
    destroy: async (id) => {
      await provider.destroy(id);
      tracker.forget(id);
    },
    exec: (id, argv, options) => provider.exec(id, argv, options),
    inspect: (id) => provider.inspect(id),
    snapshot: (id) => provider.snapshot(id),
    healthCheck: () => provider.healthCheck(),
    getExtension: (id, name) => provider.getExtension(id, name),
  };
}
