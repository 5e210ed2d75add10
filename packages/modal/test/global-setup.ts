import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { selfSignedCertificate } from "../src/emulator/tls-certificate.js";

/**
 * Runs once before the test workers start (vitest `globalSetup`): makes the certificate every
 * test emulator's tunnels present, and makes the workers trust it through
 * `NODE_EXTRA_CA_CERTS` (which Node reads only at startup, so it must be set before they
 * start). `Tunnel.url` (`https://127.0.0.1:…`) then works in tests as it is returned, with a
 * plain `fetch`.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(tmpdir(), "ol-modal-tls-"));
  const material = await selfSignedCertificate();
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  await writeFile(cert, material.cert);
  await writeFile(key, material.key, { mode: 0o600 });
  process.env.NODE_EXTRA_CA_CERTS = cert;
  process.env.OPENLATTICE_MODAL_TEST_TLS_CERT = cert;
  process.env.OPENLATTICE_MODAL_TEST_TLS_KEY = key;
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
