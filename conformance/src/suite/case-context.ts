import type { ExecOptions, ExecResult, Provider, ProvisionSpec, SandboxNode } from "@openlattice/core";
import type { Requirement } from "../requirements/requirement-list.js";
import { NotRunSignal, UnsupportedSignal } from "./case-signals.js";
import type { SandboxTracker } from "./sandbox-tracker.js";
import { LABEL_CASE, LABEL_RUN, type ResolvedSuiteOptions } from "./suite-options.js";
import { type ErrorLog, type RecordedError, trackProvider } from "./tracking-provider.js";

/** A provisioned sandbox plus where a case may write: its default working directory and a fresh scratch directory in it. */
export interface CaseSandbox {
  readonly id: string;
  readonly node: SandboxNode;
  /** The sandbox's default working directory, as `pwd` reports it. */
  readonly workdir: string;
  /** An empty directory made for this case under `workdir`. */
  readonly scratch: string;
}

/** What the run shares between its cases. */
export interface RunState {
  /** Every sandbox id created in this `describeProvider` run so far (for the leak check). */
  readonly sandboxes: Set<string>;
  /** Every rejection seen through a case's provider so far (for `errors.typed`). */
  readonly errors: RecordedError[];
}

/**
 * Everything a case body gets. `provider` is a tracking proxy: sandboxes it provisions or
 * restores are destroyed after the case (newest first) unless the case destroyed them, and its
 * rejections are recorded for `errors.typed`.
 */
export class CaseContext {
  readonly provider: Provider;
  readonly runSandboxes: ReadonlySet<string>;

  constructor(
    readonly raw: Provider,
    readonly requirement: Requirement,
    readonly options: ResolvedSuiteOptions,
    tracker: SandboxTracker,
    /** @internal What the run shares between cases: the suite's own bookkeeping. */
    readonly run: RunState,
    /** Records a note on the test (shown in the JSON and markdown reports). */
    readonly note: (message: string) => void,
    /** The suite's provider factory, for cases that compare two instances. */
    readonly createProvider: () => Provider | Promise<Provider>,
  ) {
    const log: ErrorLog = { requirement: requirement.id, errors: run.errors };
    this.provider = trackProvider(raw, tracker, log);
    this.runSandboxes = run.sandboxes;
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

  /**
   * The image sandboxes of this run use: `options.image`, else the provider's declared default.
   * Ends the case as `not-run` when there is neither (the provider needs an image in every spec).
   */
  requireImage(): string {
    const image = this.options.image ?? this.capabilities.constraints.defaultImage;
    if (image === undefined) {
      this.notRun(
        "needs a runtime image: the provider declares no capabilities.constraints.defaultImage; pass options.image (CLI: --image)",
      );
    }
    return image;
  }

  /**
   * A second provider from the factory, independent of `raw`; ends the case as `not-run` when
   * the factory hands out one shared instance (`options.sharedInstance`, or the same object).
   */
  async freshProvider(): Promise<Provider> {
    const why = "needs a second, independent provider instance, but createProvider returns one shared instance";
    if (this.options.sharedInstance) this.notRun(why);
    const other = await this.createProvider();
    if (other === this.raw) this.notRun(why);
    return other;
  }

  /**
   * A spec carrying the run and case labels, the TTL backstop and `options.image`, merged with
   * `extra` (its labels are added, its other sections replace the defaults).
   */
  spec(extra: ProvisionSpec = {}): ProvisionSpec {
    const max = this.capabilities.constraints.maxDurationSeconds;
    const ttl = max === undefined ? this.options.ttlSeconds : Math.min(max, this.options.ttlSeconds);
    const image = this.options.image;
    const runtime =
      image === undefined || extra.runtime?.image !== undefined ? extra.runtime : { ...extra.runtime, image };
    return {
      duration: { maxSeconds: ttl },
      ...extra,
      ...(runtime === undefined ? {} : { runtime }),
      labels: { [LABEL_RUN]: this.options.runId, [LABEL_CASE]: this.requirement.id, ...extra.labels },
    };
  }

  /** Provisions a labelled sandbox; `not-run` when no image can be named (see `requireImage`). */
  provision(extra?: ProvisionSpec): Promise<SandboxNode> {
    if (extra?.runtime?.image === undefined) this.requireImage();
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

  /** The first of `programs` the sandbox has, or `undefined`. */
  async firstProgram(id: string, programs: readonly string[]): Promise<string | undefined> {
    for (const program of programs) if (await this.hasProgram(id, program)) return program;
    return undefined;
  }
}
