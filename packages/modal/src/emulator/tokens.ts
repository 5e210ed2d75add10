import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The JWTs the emulator hands out: auth tokens (`AuthTokenGet`) and command-router tokens. The
 * SDK only reads their `exp`; the emulator signs them (HS256, a key of its own) so that, when
 * credentials are configured, it can refuse tokens it did not issue, as Modal does.
 */
export class TokenIssuer {
  readonly #key = randomBytes(32);

  /** A signed token carrying `claims`, valid for `lifetimeSeconds`. */
  issue(claims: Record<string, unknown>, lifetimeSeconds = 3600): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const exp = Math.floor(Date.now() / 1000) + lifetimeSeconds;
    const body = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ ...claims, exp })}`;
    return `${body}.${this.#sign(body)}`;
  }

  /** The claims of a token this issuer signed and that has not expired; undefined otherwise. */
  verify(token: string | undefined): Record<string, unknown> | undefined {
    const parts = (token ?? "").split(".");
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
      return typeof claims.exp === "number" && claims.exp * 1000 > Date.now() ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  #sign(body: string): string {
    return createHmac("sha256", this.#key).update(body).digest("base64url");
  }
}
