import { generate } from "selfsigned";

/** A certificate and its private key, PEM-encoded. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

/**
 * A self-signed certificate for the emulator's tunnels, valid for `127.0.0.1`, `::1` and
 * `localhost` for 30 days. It is its own CA: trusting it (`NODE_EXTRA_CA_CERTS=<file>`, or
 * `ca` in a TLS client) makes `https://127.0.0.1:<port>` tunnel URLs work as returned.
 */
export async function selfSignedCertificate(): Promise<TlsMaterial> {
  const now = new Date();
  const pems = await generate([{ name: "commonName", value: "openlattice Modal emulator" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
