import type { Provider } from "@openlattice/core";
import { ServerError, Status } from "nice-grpc";
import type { CallRecorder } from "./call-recorder.js";
import type { EmulatedImage, EmulatedSandbox } from "./emulated-sandbox.js";
import type { FaultInjector } from "./fault-injector.js";
import type { TlsMaterial } from "./tls-certificate.js";
import type { TokenIssuer } from "./tokens.js";

/** Settings the handlers read; see `ModalEmulatorOptions` for their meaning. */
export interface EmulatorSettings {
  readonly imageForTag: (tag: string | undefined) => string;
  readonly schedulingDelayMs: number;
  readonly unavailableGpuTypes: ReadonlySet<string>;
  readonly unschedulableGpuTypes: ReadonlySet<string>;
  readonly credentials: { readonly tokenId: string; readonly tokenSecret: string } | undefined;
  readonly extraEnv: (env: Record<string, string>) => Record<string, string>;
  readonly openEgress: boolean;
  readonly dockerfileCommands: "refuse" | "ignore";
  readonly log: (line: string) => void;
}

/** The emulator's state, shared by the control-plane and router handlers. */
export class EmulatorCore {
  readonly apps = new Map<string, string>();
  readonly images = new Map<string, EmulatedImage>();
  readonly secrets = new Map<string, Record<string, string>>();
  readonly sandboxes = new Map<string, EmulatedSandbox>();
  readonly tasks = new Map<string, EmulatedSandbox>();
  /** The URL the router is reached at (`https://127.0.0.1:<port>`; the SDK dials it in plaintext). */
  routerUrl = "";

  constructor(
    readonly backend: Provider,
    readonly settings: EmulatorSettings,
    readonly recorder: CallRecorder,
    readonly faults: FaultInjector,
    readonly tokens: TokenIssuer,
    readonly tls: TlsMaterial,
    /** Private directory for snapshot archives (0700), removed on close. */
    readonly stateDir: string,
  ) {}

  addSandbox(sandbox: EmulatedSandbox): void {
    this.sandboxes.set(sandbox.sandboxId, sandbox);
    this.tasks.set(sandbox.taskId, sandbox);
  }

  /** The sandbox with this id, or NOT_FOUND (what Modal answers for unknown ids). */
  sandbox(sandboxId: string | undefined): EmulatedSandbox {
    const sandbox = sandboxId ? this.sandboxes.get(sandboxId) : undefined;
    if (!sandbox) throw new ServerError(Status.NOT_FOUND, `Sandbox ${sandboxId ?? ""} not found`);
    return sandbox;
  }

  /** The running sandbox of a task id, or the router's error for a gone task. */
  task(taskId: string | undefined): EmulatedSandbox {
    const sandbox = taskId ? this.tasks.get(taskId) : undefined;
    if (!sandbox) throw new ServerError(Status.NOT_FOUND, `Task ${taskId ?? ""} not found`);
    if (!sandbox.running) {
      throw new ServerError(Status.FAILED_PRECONDITION, `Sandbox ${sandbox.sandboxId} has already finished`);
    }
    return sandbox;
  }
}
