import {
  type FileStreamsExtension,
  type FileWatchExtension,
  InternalError,
  InvalidArgumentError,
  type LifetimeExtension,
  type ProcessesExtension,
} from "@openlattice/core";
import type { AgentConnection } from "../agent/agent-connection.js";
import { Feature } from "../agent/protocol.js";
import { createFileStreamsExtension, createFileWatchExtension } from "../files/file-streams-extension.js";
import type { FilesBinding } from "../files/files-extension.js";
import { createProcessesExtension } from "../processes/processes-extension.js";
import type { SandboxTimers } from "./sandbox-timers.js";

/** The interactive extensions of one sandbox: background processes, streamed files, watch, lifetime. */
export interface InteractiveExtensions {
  readonly processes: ProcessesExtension;
  readonly fileStreams: FileStreamsExtension;
  readonly fileWatch: FileWatchExtension;
  readonly lifetime: LifetimeExtension;
}

export interface InteractiveBinding {
  readonly files: FilesBinding;
  readonly connection: () => AgentConnection;
  readonly baseEnv: () => Readonly<Record<string, string>>;
  readonly provider: string;
  readonly timers: SandboxTimers;
  readonly ensureLive: () => void;
}

/** Longest single extension accepted (a year): beyond it a timer cannot be meant. */
const MAX_EXTEND_SECONDS = 365 * 24 * 3600;

export function createInteractive(binding: InteractiveBinding): InteractiveExtensions {
  const { provider } = binding;
  // Frames of these extensions go only to an agent that said it knows them.
  const connection = () => {
    const live = binding.connection();
    if (!(live.features & Feature.processes)) {
      throw new InternalError("the sandbox agent is too old for processes, file streams and watch; rebuild it", {
        provider,
      });
    }
    return live;
  };
  const files = { ...binding.files, connection };
  const ended = (error: unknown) => {
    try {
      binding.ensureLive();
    } catch (terminated) {
      return terminated;
    }
    return error;
  };
  return {
    processes: createProcessesExtension({
      connection,
      baseEnv: binding.baseEnv,
      provider,
      capabilities: { pty: true },
      ended,
    }),
    fileStreams: createFileStreamsExtension(files),
    fileWatch: createFileWatchExtension(files),
    lifetime: {
      deadline: async () => {
        binding.ensureLive();
        return binding.timers.deadline;
      },
      extend: async (seconds: number) => {
        binding.ensureLive();
        if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_EXTEND_SECONDS) {
          throw new InvalidArgumentError(
            "seconds",
            `must be a positive number of seconds up to ${MAX_EXTEND_SECONDS}`,
            {
              provider,
            },
          );
        }
        // The local provider has no maximum duration: any deadline is kept.
        const from = binding.timers.deadline?.getTime() ?? Date.now();
        const next = new Date(from + seconds * 1000);
        binding.timers.setDeadline(next);
        return next;
      },
    },
  };
}
