import type { Readable } from "node:stream";
import { hasErrorCode, isSandboxError, NotFoundError } from "@openlattice/core";
import type { Descriptor } from "../oci-schemas.js";
import type { RegistryReference } from "../reference.js";
import type { Endpoint, RegistryClient } from "../registry/registry-client.js";
import type { ImageReader, ManifestDocument } from "./image-reader.js";

/**
 * Reads an image from its registry, mirrors first. The endpoint that served the top document
 * is asked first for everything else; a mirror that lacks a blob, refuses or is down hands over
 * to the next endpoint. When every endpoint fails, the registry's own error is reported (it is
 * the one the user can act on).
 */
export class RegistryReader implements ImageReader {
  readonly reference: string;
  private readonly endpoints: Endpoint[];
  private preferred: Endpoint | undefined;

  constructor(
    private readonly client: RegistryClient,
    private readonly ref: RegistryReference,
  ) {
    this.reference = ref.canonical;
    this.endpoints = client.endpoints(ref.registry);
  }

  async top(signal: AbortSignal | undefined): Promise<ManifestDocument> {
    const name = this.ref.digest ?? this.ref.tag ?? "latest";
    try {
      return await this.tryEach(async (endpoint) => {
        const document = await this.client.manifest(endpoint, this.ref.repository, name, signal);
        this.preferred = endpoint;
        return document;
      }, signal);
    } catch (error) {
      if (hasErrorCode(error, "not_found")) {
        throw new NotFoundError(
          `image ${this.ref.canonical} not found: ${this.ref.registry} has no ${this.ref.digest ? "manifest with that digest" : `tag ${JSON.stringify(this.ref.tag)}`} in ${this.ref.repository} (${error.message})`,
          { provider: "local", cause: error, details: { reference: this.ref.canonical } },
        );
      }
      throw error;
    }
  }

  manifest(descriptor: Descriptor, signal: AbortSignal | undefined): Promise<ManifestDocument> {
    return this.tryEach(
      (endpoint) => this.client.manifest(endpoint, this.ref.repository, descriptor.digest, signal),
      signal,
    );
  }

  async blob(descriptor: Descriptor, signal: AbortSignal | undefined): Promise<Readable> {
    const response = await this.tryEach(
      (endpoint) => this.client.blob(endpoint, this.ref.repository, descriptor.digest, signal),
      signal,
    );
    return response.body;
  }

  private async tryEach<T>(attempt: (endpoint: Endpoint) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const order = this.preferred
      ? [this.preferred, ...this.endpoints.filter((endpoint) => endpoint !== this.preferred)]
      : this.endpoints;
    let failure: unknown;
    for (const endpoint of order) {
      try {
        return await attempt(endpoint);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // A non-typed error is a bug; do not mask it by trying elsewhere.
        if (!isSandboxError(error)) throw error;
        if (!endpoint.mirror || failure === undefined) failure = error;
      }
    }
    throw failure;
  }
}
