import type { Capabilities, ExtensionName, Extensions } from "@openlattice/core";
import type { Sandbox } from "modal";
import { MAX_LIFETIME_SECONDS } from "./durations.js";
import { createFileStreamsExtension } from "./file-streams-extension.js";
import { createFileWatchExtension } from "./file-watch-extension.js";
import { createFilesExtension } from "./files-extension.js";
import { createLifetimeExtension } from "./lifetime-extension.js";
import { createNetworkExtension } from "./network-extension.js";
import { createProcessesExtension, ProcessTable } from "./processes-extension.js";

/** What every extension of one sandbox needs from the provider. */
export interface ExtensionContext {
  readonly externalId: string;
  readonly capabilities: Capabilities;
  sandbox(): Promise<Sandbox>;
  /** The sandbox's working directory, which relative paths are resolved against. */
  workdir(): Promise<string>;
  /** Ports declared at provision, when this provider instance knows them. */
  ports(): readonly number[] | undefined;
  /** When the sandbox was created (known, or from its tags). */
  createdAt(): Promise<Date>;
}

/**
 * The extensions of one provider instance's sandboxes. Stateless ones are built per call;
 * the background processes an instance follows live here, per sandbox, until `forget`.
 */
export class ModalExtensions {
  readonly #processTables = new Map<string, ProcessTable>();

  /** The extension `name` of a sandbox, or `undefined` when the capabilities do not declare it. */
  get<K extends ExtensionName>(name: K, context: ExtensionContext): Extensions[K] | undefined {
    if (!context.capabilities.extensions.includes(name)) return undefined;
    const built = this.#build(name, context);
    return built as Extensions[K] | undefined;
  }

  /** Drops what is kept for a destroyed sandbox. */
  forget(externalId: string): void {
    this.#processTables.delete(externalId);
  }

  #build(name: ExtensionName, context: ExtensionContext): Extensions[ExtensionName] | undefined {
    switch (name) {
      case "files":
        return createFilesExtension(context);
      case "network":
        return createNetworkExtension(context.externalId, context.sandbox, context.ports);
      case "fileStreams":
        return createFileStreamsExtension(context);
      case "fileWatch":
        return createFileWatchExtension(context);
      case "lifetime":
        return createLifetimeExtension({
          ...context,
          limitSeconds: context.capabilities.constraints.maxDurationSeconds ?? MAX_LIFETIME_SECONDS,
        });
      case "processes":
        return createProcessesExtension({ ...context, table: this.#table(context.externalId) });
      default:
        return undefined;
    }
  }

  #table(externalId: string): ProcessTable {
    let table = this.#processTables.get(externalId);
    if (!table) {
      table = new ProcessTable();
      this.#processTables.set(externalId, table);
    }
    return table;
  }
}
