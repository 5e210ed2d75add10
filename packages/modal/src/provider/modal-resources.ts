import type { App, Image, ModalClient } from "modal";

/**
 * The App sandboxes belong to and the images they start from, created on first use and cached:
 * once built, an Image holds its id and `create` skips the build RPCs. A failed lookup is not
 * cached, so the next call tries again.
 */
export class ModalResources {
  #app: Promise<App> | undefined;
  readonly #images = new Map<string, Promise<Image>>();

  constructor(
    private readonly client: () => ModalClient,
    private readonly appName: string,
    private readonly environment: string | undefined,
  ) {}

  app(): Promise<App> {
    if (!this.#app) {
      const pending = this.client().apps.fromName(this.appName, {
        createIfMissing: true,
        ...(this.environment ? { environment: this.environment } : {}),
      });
      this.#app = pending;
      pending.catch(() => {
        if (this.#app === pending) this.#app = undefined;
      });
    }
    return this.#app;
  }

  /** A registry tag (`python:3.12-slim`) or an image id (`im-…`), plus Dockerfile layers. */
  image(ref: string, layers: readonly string[]): Promise<Image> {
    const key = JSON.stringify([ref, layers]);
    let pending = this.#images.get(key);
    if (!pending) {
      pending = (async () => {
        const client = this.client();
        const base = ref.startsWith("im-") ? await client.images.fromId(ref) : client.images.fromRegistry(ref);
        return layers.length > 0 ? base.dockerfileCommands([...layers]) : base;
      })();
      this.#images.set(key, pending);
      pending.catch(() => this.#images.delete(key));
    }
    return pending;
  }
}
