import type { ModalEmulator, ModalProvider } from "@openlattice/modal";
import { measureTti, type TtiMode, type TtiResult } from "../harness/tti.ts";

export interface ModalEmulatorResults {
  readonly tti: TtiResult[];
  /** RPCs the SDK sent per provider operation, counted by the emulator (steady state: caches warm). */
  readonly rpcsPerOperation: Record<string, Record<string, number>>;
}

async function startTarget(): Promise<{ emulator: ModalEmulator; provider: ModalProvider }> {
  // The SDK reads ~/.modal.toml at import; point it at nothing before loading it.
  process.env.MODAL_CONFIG_PATH = "/nonexistent/openlattice-bench.toml";
  process.env.MODAL_LOGLEVEL ??= "error";
  const modal = await import("@openlattice/modal");
  // Offline there is no registry to pull from: every tag runs on the backend's host image, so
  // the figures are the SDK's and the emulator's costs, not an image pull's.
  const emulator = await modal.startModalEmulator({ imageForTag: () => "host" });
  return { emulator, provider: new modal.ModalProvider({ ...emulator.providerOptions }) };
}

/** Counts the RPCs each operation sends, by method, after one warm-up of each. */
async function countRpcs(
  emulator: ModalEmulator,
  provider: ModalProvider,
): Promise<ModalEmulatorResults["rpcsPerOperation"]> {
  const counts: ModalEmulatorResults["rpcsPerOperation"] = {};
  const measure = async (name: string, operation: () => Promise<unknown>) => {
    const mark = emulator.calls.all().length;
    await operation();
    const byMethod: Record<string, number> = {};
    for (const call of emulator.calls.all().slice(mark)) byMethod[call.method] = (byMethod[call.method] ?? 0) + 1;
    counts[name] = byMethod;
  };
  const warm = await provider.provision({});
  await provider.exec(warm.externalId, ["true"]);
  await provider.destroy(warm.externalId);

  let id = "";
  await measure("provision", async () => {
    id = (await provider.provision({ network: { ports: [8000] } })).externalId;
  });
  await measure("exec", () => provider.exec(id, ["echo", "hi"]));
  await measure("exec (second)", () => provider.exec(id, ["echo", "hi"]));
  await measure("files.write", () => provider.getExtension(id, "files")!.write("bench.txt", "x"));
  await measure("files.read", () => provider.getExtension(id, "files")!.read("bench.txt"));
  await measure("inspect", () => provider.inspect(id));
  await measure("network.getUrl", () => provider.getExtension(id, "network")!.getUrl(8000));
  await measure("snapshot", () => provider.snapshot(id));
  await measure("destroy", () => provider.destroy(id));
  await measure("provision (GPU, V1 path)", async () => {
    id = (await provider.provision({ gpu: { type: "A100-80GB", count: 2 } })).externalId;
  });
  await provider.destroy(id);
  return counts;
}

/** TTI through the real `modal` SDK and the emulator, plus the SDK's RPC cost per operation. */
export async function runModalEmulator(runs: {
  sequential: number;
  staggered: number;
  burst: number;
}): Promise<ModalEmulatorResults> {
  const { emulator, provider } = await startTarget();
  try {
    const rpcsPerOperation = await countRpcs(emulator, provider);
    const tti: TtiResult[] = [];
    for (const mode of ["sequential", "staggered", "burst"] as TtiMode[]) {
      tti.push(await measureTti(provider, mode, runs[mode]));
    }
    return { tti, rpcsPerOperation };
  } finally {
    await emulator.close();
  }
}
