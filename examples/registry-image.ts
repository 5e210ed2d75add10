/**
 * A registry image on the local provider: the first sandbox pulls it (one progress line per
 * layer), every sandbox gets a writable root of its own over the one shared, read-only copy,
 * and the second sandbox starts from the cache.
 *
 * Run: npx -y pnpm@10.34.9 --filter @openlattice/examples run registry-image python:3.12-slim
 * (any reference works: docker.io/library/alpine:3.20, ghcr.io/o/i:tag, localhost:5000/x:y)
 */
import { openSandbox } from "@openlattice/core";
import { imageProgressPrinter, LocalProvider } from "@openlattice/local";
import { since, step } from "./lib/print.js";

const image = process.argv[2] ?? "python:3.12-slim";
const provider = new LocalProvider({ onImageProgress: imageProgressPrinter((line) => step(`  ${line}`)) });
if (provider.tier !== "namespace") {
  step(
    `registry images need the namespace tier; this host runs "${provider.tier}": ${provider.capabilities.limitations?.isolation ?? ""}`,
  );
  process.exit(1);
}
try {
  let clock = performance.now();
  {
    await using sandbox = await openSandbox(provider, { runtime: { image } });
    step(`provisioned ${sandbox.id} from ${image} in ${since(clock)}`);
    const run = await sandbox.exec([
      "sh",
      "-c",
      'echo "uid $(id -u)"; echo mine > /etc/openlattice-demo && cat /etc/openlattice-demo',
    ]);
    step(`wrote into its own root: ${JSON.stringify(run.stdout)}`);
  }
  clock = performance.now();
  {
    await using second = await openSandbox(provider, { runtime: { image } });
    step(`second sandbox from the cache in ${since(clock)}`);
    const run = await second.exec(["sh", "-c", "cat /etc/openlattice-demo 2>/dev/null || echo absent"]);
    step(`the first sandbox's file in the second: ${run.stdout.trim()}`);
  }
} finally {
  await provider.close();
}
