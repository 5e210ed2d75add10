import { afterAll, beforeAll } from "vitest";
import type { ModalEmulator, ModalProvider, ModalProviderOptions, RecordedCall } from "../../src/index.js";
import { providerFor, startTestEmulator } from "../support/fixture.js";

/**
 * The 0.0.3 scenarios run against our public API (`ModalProvider`) on the real `modal` SDK,
 * talking to one emulator per file; assertions read the calls the emulator recorded.
 */
export interface Seed {
  readonly emulator: ModalEmulator;
  readonly provider: ModalProvider;
  /** Provisions and remembers the sandbox for cleanup. */
  provision(spec: Parameters<ModalProvider["provision"]>[0], target?: ModalProvider): Promise<string>;
  /** Requests of one method, newest last. */
  requests<T>(method: string): T[];
  /** Calls recorded after `mark` (from `mark()`). */
  since(mark: number): RecordedCall[];
  mark(): number;
}

export function useSeed(options: ModalProviderOptions = {}): Seed {
  const created: { id: string; provider: ModalProvider }[] = [];
  const seed = {} as { emulator: ModalEmulator; provider: ModalProvider };
  beforeAll(async () => {
    seed.emulator = await startTestEmulator();
    seed.provider = providerFor(seed.emulator, options);
  });
  afterAll(async () => {
    await Promise.allSettled(created.map(({ id, provider }) => provider.destroy(id)));
    await seed.emulator?.close();
  });
  return {
    get emulator() {
      return seed.emulator;
    },
    get provider() {
      return seed.provider;
    },
    async provision(spec, target = seed.provider) {
      const node = await target.provision(spec);
      created.push({ id: node.externalId, provider: target });
      return node.externalId;
    },
    requests: <T>(method: string) => seed.emulator.calls.requests<T>(method),
    since: (mark: number) => seed.emulator.calls.all().slice(mark),
    mark: () => seed.emulator.calls.all().length,
  };
}

/** The parts of a create request the scenarios look at. */
export interface CreateRequest {
  definition: {
    imageId: string;
    entrypointArgs: string[];
    timeoutSecs: number;
    workdir?: string;
    resources?: { gpuConfig?: { gpuType: string; count: number } };
  };
  secretSources: { env?: { contents: Record<string, string> } }[];
  tags: { tagName: string; tagValue: string }[];
}
