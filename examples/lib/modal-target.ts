import type { ModalEmulator, ModalProvider, ModalProviderOptions } from "@openlattice/modal";

/** Where a Modal example runs: real Modal, or the offline emulator. */
export interface ModalTarget {
  readonly provider: ModalProvider;
  /** The emulator, when the example runs offline. */
  readonly emulator: ModalEmulator | undefined;
  close(): Promise<void>;
}

/**
 * Real Modal when credentials are set and `--emulator` was not asked for; otherwise the
 * offline emulator, whose sandboxes are local sandboxes. The `modal` SDK reads
 * `~/.modal.toml` when it is imported, so the environment is settled before the import. The
 * emulator cannot run Dockerfile steps, so Tailscale is not installed into images there.
 */
export async function modalTarget(wantEmulator: boolean, options: ModalProviderOptions = {}): Promise<ModalTarget> {
  const live = !wantEmulator && Boolean(process.env.MODAL_TOKEN_ID && process.env.MODAL_TOKEN_SECRET);
  if (!live) {
    process.env.MODAL_CONFIG_PATH = "/nonexistent/openlattice-example.toml";
    process.env.MODAL_LOGLEVEL ??= "error";
  }
  const modal = await import("@openlattice/modal");
  if (live) {
    return { provider: new modal.ModalProvider(options), emulator: undefined, close: async () => {} };
  }
  // Offline there is no registry to pull the examples' images from: every tag runs on the
  // backend's host image (the emulator's --host-images).
  const emulator = await modal.startModalEmulator({ imageForTag: () => "host" });
  const provider = new modal.ModalProvider({
    ...options,
    tailscale: { ...options.tailscale, install: false },
    ...emulator.providerOptions,
  });
  return { provider, emulator, close: () => emulator.close() };
}
