/**
 * Time-to-interactive published by ComputeSDK's benchmark (computesdk/benchmarks, results of
 * 2026-05-05T01:17:50Z): create → `runCommand('node -v')` finished, 100 iterations per mode on
 * GitHub Actions (Namespace runners), Node 24. Medians / p95 / p99 in milliseconds.
 */
export const PUBLISHED_SOURCE = "ComputeSDK benchmarks, 2026-05-05 (computesdk/benchmarks results/*/latest.json)";

export interface PublishedTti {
  readonly provider: string;
  readonly sequential: readonly [number, number, number];
  readonly staggered: readonly [number, number, number];
  readonly burst: readonly [number, number, number];
  readonly burstSuccess: number;
}

export const PUBLISHED_TTI: readonly PublishedTti[] = [
  {
    provider: "daytona",
    sequential: [186, 492, 560],
    staggered: [210, 446, 487],
    burst: [367, 611, 741],
    burstSuccess: 100,
  },
  {
    provider: "e2b",
    sequential: [491, 685, 740],
    staggered: [454, 675, 708],
    burst: [822, 965, 1048],
    burstSuccess: 100,
  },
  {
    provider: "vercel",
    sequential: [671, 1062, 1315],
    staggered: [641, 974, 1074],
    burst: [832, 1308, 1323],
    burstSuccess: 100,
  },
  {
    provider: "modal",
    sequential: [1723, 2309, 2494],
    staggered: [1711, 2027, 2243],
    burst: [2261, 2943, 3023],
    burstSuccess: 100,
  },
];
