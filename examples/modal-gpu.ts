/**
 * Provisions a Modal GPU sandbox, runs `nvidia-smi` and a CUDA-visibility check, prints timings
 * and always destroys the sandbox.
 *
 * With MODAL_TOKEN_ID/MODAL_TOKEN_SECRET set it runs on Modal. Without them (or with
 * --emulator) the same code runs against the offline Modal emulator: the GPU request travels
 * through the real `modal` SDK and is shown as the emulator received it, but the sandbox is a
 * local one without a GPU, so `nvidia-smi` is reported missing.
 *
 * Run: pnpm --filter @openlattice/examples run modal-gpu --gpu H100 --count 1 [--emulator]
 */
import { parseArgs } from "node:util";
import { openSandbox } from "@openlattice/core";
import { modalTarget } from "./lib/modal-target.js";
import { since, step } from "./lib/print.js";

const { values } = parseArgs({
  options: {
    gpu: { type: "string", default: "H100" },
    count: { type: "string", default: "1" },
    emulator: { type: "boolean", default: false },
  },
});

const target = await modalTarget(values.emulator);
step(
  target.emulator ? `Modal emulator at ${target.emulator.url} (modal SDK ${target.emulator.sdkVersion})` : "real Modal",
);
try {
  let clock = performance.now();
  await using sandbox = await openSandbox(target.provider, {
    gpu: { type: values.gpu, count: Number(values.count) },
    duration: { maxSeconds: 600 },
    labels: { example: "modal-gpu" },
  });
  step(`provisioned ${sandbox.id} with ${values.gpu} x ${values.count} in ${since(clock)}`);
  if (target.emulator) {
    const create = target.emulator.calls.of("SandboxCreate").at(-1)?.request as
      | { definition?: { resources?: { gpuConfig?: { gpuType?: string; count?: number } } } }
      | undefined;
    const gpu = create?.definition?.resources?.gpuConfig;
    step(`the server received the GPU request as ${gpu?.gpuType} x ${gpu?.count}`);
  }

  clock = performance.now();
  const smi = await sandbox.exec(
    ["sh", "-c", "command -v nvidia-smi >/dev/null && nvidia-smi -L || echo 'nvidia-smi: not available'"],
    {
      timeoutMs: 60_000,
    },
  );
  step(`nvidia-smi (${since(clock)}): ${smi.stdout.trim()}`);

  clock = performance.now();
  const visible = await sandbox.exec(
    [
      "sh",
      "-c",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
      'echo "devices: $(ls /dev/nvidia[0-9]* 2>/dev/null | wc -l), CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-unset}"',
    ],
    { timeoutMs: 30_000 },
  );
  step(`CUDA-visible check (${since(clock)}): ${visible.stdout.trim()}`);
} finally {
  await target.close();
}
step("sandbox destroyed");
