import type { Capabilities } from "@openlattice/core";

const started = performance.now();

/** Prints one step of an example with the time since the example started. */
export function step(message: string): void {
  const elapsed = (performance.now() - started).toFixed(0).padStart(5);
  console.log(`[${elapsed} ms] ${message}`);
}

/** Milliseconds since `from` (a `performance.now()` reading), rounded for printing. */
export function since(from: number): string {
  return `${(performance.now() - from).toFixed(1)} ms`;
}

/** Renders a provider's declared capabilities as a markdown table. */
export function capabilityTable(name: string, capabilities: Capabilities): string {
  const rows: [string, string][] = [
    ["isolation", capabilities.isolation],
    ["snapshot", String(capabilities.snapshot)],
    ["exec streaming", String(capabilities.execStreaming)],
    ["pause / resume", yes(capabilities.pause)],
    ["gpu", yes(capabilities.gpu)],
    ["tailscale", yes(capabilities.tailscale)],
    ["egress policies", capabilities.egress.join(", ")],
    ["extensions", capabilities.extensions.join(", ") || "none"],
    ["images", capabilities.constraints.imageKinds.join(", ")],
    ["gpu types", capabilities.constraints.gpuTypes.join(", ") || "none"],
    ["architectures", capabilities.architectures.join(", ")],
  ];
  for (const [feature, reason] of Object.entries(capabilities.limitations ?? {})) {
    rows.push([`limitation: ${feature}`, reason]);
  }
  const width = Math.max(...rows.map(([key]) => key.length), 10);
  const lines = [`| ${"capability".padEnd(width)} | ${name} |`, `| ${"-".repeat(width)} | --- |`];
  for (const [key, value] of rows) lines.push(`| ${key.padEnd(width)} | ${value} |`);
  return lines.join("\n");
}

function yes(value: boolean): string {
  return value ? "yes" : "no";
}

/** Polls `url` until it answers 200 or `timeoutMs` passes; returns the body. */
export async function fetchWhenReady(url: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return await response.text();
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}
