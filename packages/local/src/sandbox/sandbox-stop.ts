import { TerminatedError } from "@openlattice/core";
import { encodeFrame } from "../agent/frame-codec.js";
import { Type } from "../agent/protocol.js";
import type { BootState } from "./sandbox-boot.js";

/** How long the agent gets to kill its trees after SHUTDOWN before it is killed itself. */
const SHUTDOWN_GRACE_MS = 2000;

/** Whether `promise` settles within `ms` (the timer is cleared either way). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops everything of a sandbox and waits until it is gone. With cgroups, one kill reaches every
 * process, frozen ones too. Without (rootless), the agent is told to kill every tree it started
 * and exit; in the namespace tier its exit as pid 1 also takes down anything left in the pid
 * namespace. An agent that does not comply is killed (bwrap's --die-with-parent and pid 1's
 * death do the rest in the namespace tier).
 */
export async function stopSandbox(state: BootState, provider: string, id: string): Promise<void> {
  const agent = state.agent;
  const ended = new TerminatedError(`sandbox ${id} has ended`, { provider, details: { externalId: id } });
  if (state.cgroups?.usable) {
    await state.cgroups.killAll();
  } else if (agent?.connection.isOpen) {
    agent.connection.send(encodeFrame(Type.shutdown, 0));
    if (!(await within(agent.exited, SHUTDOWN_GRACE_MS))) agent.kill();
  } else if (agent) {
    agent.kill();
  }
  if (agent && !(await within(agent.exited, SHUTDOWN_GRACE_MS))) {
    agent.kill();
    await within(agent.exited, SHUTDOWN_GRACE_MS);
  }
  agent?.connection.fail(ended);
  await state.cgroups?.destroy();
}
