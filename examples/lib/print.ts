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

/**
 * A provider's declared capabilities as a few `key value` lines, wrapped at `width` columns so
 * that the quickstart and the demo fit one screen. Limitations (what is missing and why) get
 * one line each.
 */
export function capabilityLines(capabilities: Capabilities, width = 100): string[] {
  const items = [
    `isolation ${capabilities.isolation}`,
    `snapshots ${capabilities.snapshot ? capabilities.snapshotTypes.join(", ") : "no"}`,
    `exec streaming ${capabilities.execStreaming}`,
    `pause ${yes(capabilities.pause)}`,
    `gpu ${capabilities.gpu ? capabilities.constraints.gpuTypes.join(", ") : "no"}`,
    `tailscale ${yes(capabilities.tailscale)}`,
    `egress ${capabilities.egress.join(", ")}`,
    `extensions ${capabilities.extensions.join(", ") || "none"}`,
    `images ${capabilities.constraints.imageKinds.join(", ")}`,
    `architectures ${capabilities.architectures.join(", ")}`,
  ];
  const lines: string[] = [];
  let line = "capabilities:";
  for (const item of items) {
    if (line.length + item.length + 3 > width) {
      lines.push(line);
      line = "             ";
    }
    line += line.trim().endsWith(":") || line.trim() === "" ? ` ${item}` : ` · ${item}`;
  }
  lines.push(line);
  for (const [feature, reason] of Object.entries(capabilities.limitations ?? {})) {
    lines.push(`limitation:   ${feature}: ${reason}`);
  }
  return lines;
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
