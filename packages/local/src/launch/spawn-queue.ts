import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

let tail: Promise<unknown> = Promise.resolve();

/**
 * `spawn` blocks the event loop while libuv forks this (possibly large) process; a burst of
 * provisions must not do a hundred of them in one turn. Spawns run one per macrotask, in order.
 */
export function queuedSpawn(file: string, args: readonly string[], options: SpawnOptions): Promise<ChildProcess> {
  const run = tail.then(
    () =>
      new Promise<ChildProcess>((resolve, reject) =>
        setImmediate(() => {
          try {
            resolve(spawn(file, args, options));
          } catch (error) {
            reject(error);
          }
        }),
      ),
  );
  tail = run.catch(() => {});
  return run;
}
