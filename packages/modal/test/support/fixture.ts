import { chmod, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Provider } from "@openlattice/core";
import { type IsolationPreference, LocalProvider } from "@openlattice/local";
import {
  type ModalEmulator,
  type ModalEmulatorOptions,
  ModalProvider,
  type ModalProviderOptions,
  startModalEmulator,
} from "../../src/index.js";
import { ProcessBackend } from "./process-backend.js";

let stateRoot: string | undefined;

/**
 * The backend the tests run sandboxes on: `@openlattice/local` (namespace tier where the host
 * allows it; `OPENLATTICE_MODAL_TEST_ISOLATION=none|namespace` forces a tier).
 * `OPENLATTICE_MODAL_TEST_BACKEND=process` switches to a bare child-process backend, for
 * debugging the emulator without bubblewrap.
 */
export async function testBackend(
  isolation: IsolationPreference = (process.env.OPENLATTICE_MODAL_TEST_ISOLATION as IsolationPreference) || "auto",
): Promise<Provider> {
  if (process.env.OPENLATTICE_MODAL_TEST_BACKEND === "process") return new ProcessBackend();
  stateRoot ??= await mkdtemp(path.join(tmpdir(), "ol-modal-local-"));
  // Root inside the sandbox, as on Modal (the emulator's default backend does the same).
  return new LocalProvider({ isolation, stateDir: path.join(stateRoot, isolation), sandboxUid: 0 });
}

/** Starts an emulator on the test backend. */
export async function startTestEmulator(
  options: ModalEmulatorOptions & { isolation?: IsolationPreference } = {},
): Promise<ModalEmulator> {
  const { isolation, ...rest } = options;
  return startModalEmulator({ backend: await testBackend(isolation), tls: await testTls(), ...rest });
}

/** The certificate made by test/global-setup.ts, which the test workers trust. */
async function testTls(): Promise<{ cert: string; key: string } | undefined> {
  const cert = process.env.OPENLATTICE_MODAL_TEST_TLS_CERT;
  const key = process.env.OPENLATTICE_MODAL_TEST_TLS_KEY;
  if (!cert || !key) return undefined;
  return { cert: await readFile(cert, "utf8"), key: await readFile(key, "utf8") };
}

/** A provider pointed at `emulator`, with short waits suited to tests. */
export function providerFor(emulator: ModalEmulator, options: ModalProviderOptions = {}): ModalProvider {
  return new ModalProvider({ ...emulator.providerOptions, appName: "openlattice-test", ...options });
}

/**
 * Fake `tailscale` and `tailscaled` programs: `up --auth-key=file:F` reads the key from F (the
 * provider passes `/dev/stdin`), keeps it for the test to check, and marks the node running;
 * `status --json` reports the state; `logout` records itself. They let the provider's Tailscale
 * path run end to end offline (a real join needs Modal).
 */
export async function writeTailscaleShims(): Promise<{ dir: string; state: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "ol-ts-shim-"));
  const state = path.join(dir, "state");
  await mkdir(state, { recursive: true });
  const tailscale = `#!/bin/sh
state='${state}'
for arg in "$@"; do
  case "$arg" in
    status) if [ -f "$state/running" ]; then echo '{"BackendState":"Running"}'; else echo '{"BackendState":"NeedsLogin"}'; fi; exit 0 ;;
    logout) rm -f "$state/running"; echo logout >> "$state/events"; exit 0 ;;
    --auth-key=file:*) file="\${arg#--auth-key=file:}"; cat "$file" > "$state/key"; [ -s "$state/key" ] || { echo "empty key" >&2; exit 1; }; touch "$state/running"; echo up >> "$state/events"; exit 0 ;;
  esac
done
exit 0
`;
  await writeFile(path.join(dir, "tailscale"), tailscale);
  await writeFile(path.join(dir, "tailscaled"), "#!/bin/sh\nexec sleep 600\n");
  await chmod(path.join(dir, "tailscale"), 0o755);
  await chmod(path.join(dir, "tailscaled"), 0o755);
  return { dir, state };
}

/**
 * A recorded request as text, with bytes (stdin, file data) decoded as UTF-8 so that a secret
 * that travelled as bytes is visible to a search. Nice-grpc decodes bytes as Buffers, whose
 * JSON form is an array of numbers.
 */
export function requestText(request: unknown): string {
  return JSON.stringify(request, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
    const buffer = value as { type?: unknown; data?: unknown };
    if (buffer && buffer.type === "Buffer" && Array.isArray(buffer.data)) {
      return Buffer.from(buffer.data as number[]).toString("utf8");
    }
    return value;
  });
}
