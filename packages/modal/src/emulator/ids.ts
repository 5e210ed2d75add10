import { randomBytes } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let text = "";
  for (const byte of bytes) text += alphabet[byte % alphabet.length];
  return text;
}

/**
 * A V1 sandbox id: `sb-` and exactly 22 base62 characters. The SDK picks the V1 or V2 RPC
 * family from the id's shape alone (`isV1SandboxId`), so the shapes must be right.
 */
export function v1SandboxId(): string {
  return `sb-${randomFrom(BASE62, 22)}`;
}

/** A V2 sandbox id: `sb-` and a 26-character ULID-like string (never mistaken for V1). */
export function v2SandboxId(): string {
  return `sb-${randomFrom(CROCKFORD, 26)}`;
}

/** An id with a Modal-style prefix (`ap-`, `im-`, `st-`, `ta-`, `en-`). */
export function prefixedId(prefix: string): string {
  return `${prefix}-${randomFrom(BASE62, 22)}`;
}
