/**
 * Quickstart on the local provider: provision a sandbox, stream a command's output, move files
 * in and out, reach a server inside it through a port, snapshot it, restore the snapshot into a
 * second sandbox, and destroy both — printing what happened at each step.
 *
 * Run: pnpm --filter @openlattice/examples run quickstart
 */
import { openSandbox, restoreSandbox } from "@openlattice/core";
import { LocalProvider } from "@openlattice/local";
import { capabilityLines, fetchWhenReady, since, step } from "./lib/print.js";

const provider = new LocalProvider();
const health = await provider.healthCheck();
// The health message repeats the limitations printed below; only the verdict is shown here.
step(
  `provider "${provider.name}": ${health.healthy ? "healthy" : `UNHEALTHY (${health.message ?? "no reason given"})`}`,
);
for (const line of capabilityLines(provider.capabilities)) console.log(line);

{
  let clock = performance.now();
  await using sandbox = await openSandbox(provider, {
    labels: { example: "quickstart" },
    network: { ports: [8000] },
    duration: { maxSeconds: 300 },
  });
  step(`provisioned sandbox ${sandbox.id} in ${since(clock)}`);

  clock = performance.now();
  const ticks = await sandbox.exec(
    ["sh", "-c", 'for i in 1 2 3; do echo "tick $i"; sleep 0.1; done; echo "done" >&2'],
    {
      onStdout: (chunk) => step(`  streamed stdout: ${JSON.stringify(chunk)}`),
    },
  );
  step(`exec finished: exit ${ticks.exitCode}, stderr ${JSON.stringify(ticks.stderr)}, ${since(clock)}`);

  await sandbox.files.write("notes/hello.txt", "hello from the host\n");
  const cat = await sandbox.exec(["cat", "notes/hello.txt"]);
  const listing = await sandbox.files.list("notes");
  step(
    `wrote notes/hello.txt; the sandbox reads ${JSON.stringify(cat.stdout)}; notes/ holds ${listing.map((entry) => entry.name).join(", ")}`,
  );

  const server = new AbortController();
  const serving = sandbox
    .exec(["node", "-e", "require('http').createServer((q, s) => s.end('hello through the port')).listen(8000)"], {
      signal: server.signal,
    })
    .catch(() => undefined);
  const url = await sandbox.network.getUrl(8000);
  step(`server in the sandbox answers at ${url}: ${JSON.stringify(await fetchWhenReady(url))}`);
  server.abort();
  await serving;

  clock = performance.now();
  const ref = await sandbox.snapshot();
  step(`snapshot ${ref.externalId} (${ref.type}) taken in ${since(clock)}`);
  await sandbox.files.write("notes/hello.txt", "changed after the snapshot\n");

  clock = performance.now();
  await using restored = await restoreSandbox(provider, ref);
  step(`restored into new sandbox ${restored.id} in ${since(clock)}`);
  step(`  original now reads: ${JSON.stringify(await sandbox.files.readText("notes/hello.txt"))}`);
  step(`  restored reads:     ${JSON.stringify(await restored.files.readText("notes/hello.txt"))}`);
}
step("both sandboxes destroyed (await using)");
