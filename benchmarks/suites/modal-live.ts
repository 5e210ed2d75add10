import { measureTti, type TtiMode, type TtiResult } from "../harness/tti.ts";

/**
 * TTI against real Modal (CPU sandboxes, the provider's default image), for the README's
 * apples-to-apples comparison with ComputeSDK's published Modal figures. Needs
 * MODAL_TOKEN_ID/MODAL_TOKEN_SECRET; every sandbox is destroyed after its measurement.
 */
export async function runModalLive(runs: Record<TtiMode, number>): Promise<{ tti: TtiResult[] }> {
  if (!process.env.MODAL_TOKEN_ID || !process.env.MODAL_TOKEN_SECRET) {
    throw new Error("--live needs MODAL_TOKEN_ID and MODAL_TOKEN_SECRET");
  }
  const { ModalProvider } = await import("@openlattice/modal");
  const provider = new ModalProvider({ runId: `bench-${Date.now()}` });
  const tti: TtiResult[] = [];
  for (const mode of ["sequential", "staggered", "burst"] as TtiMode[]) {
    tti.push(
      await measureTti(provider, mode, runs[mode], {
        command: ["node", "-v"],
        spec: { duration: { maxSeconds: 600 } },
      }),
    );
  }
  return { tti };
}
