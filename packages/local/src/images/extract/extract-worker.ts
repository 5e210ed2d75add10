/**
 * The extraction worker: a separate Node process that applies an image's layers to its current
 * directory. The parent starts it with the rootfs being built as its cwd and, when the parent is
 * root, as an unprivileged uid: it can reach nothing of the host by a path it could not reach
 * as that user, and it is handed the layer blobs as inherited file descriptors (it cannot open
 * the 0700 cache). The job (`ExtractJob`) arrives as JSON on stdin; one JSON line on stdout says
 * how it went. It imports nothing from `@openlattice/core` so it runs from a built copy and from
 * source alike.
 */
import { applyLayers, type ExtractJob } from "./apply-layers.js";
import { LayerError } from "./scoped-path.js";

async function main(): Promise<void> {
  // Modes come from the layers, exactly (minus setuid/setgid): nothing masked.
  process.umask(0);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const job = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ExtractJob;
  const stats = await applyLayers(".", job);
  // Which uid did the writing, so the parent (and its tests) can tell privileges were dropped.
  process.stdout.write(`${JSON.stringify({ ok: true, stats: { ...stats, extractedBy: process.getuid?.() } })}\n`);
}

main().catch((error: unknown) => {
  const layer = error instanceof LayerError;
  const message = error instanceof Error ? error.message : String(error);
  process.stdout.write(`${JSON.stringify({ ok: false, layer, message })}\n`);
  process.exitCode = 1;
});
