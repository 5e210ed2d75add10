/** One challenge of a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"`. */
export interface AuthChallenge {
  /** Lower-cased scheme: `bearer`, `basic`. */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 9110 §11.6.1): one or more challenges, each a scheme
 * followed by comma-separated `name=value` or `name="quoted value"` parameters. Unknown or
 * malformed parts are skipped rather than guessed at.
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  if (!header) return [];
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const text = header;
  const skipSpace = () => {
    while (i < text.length && /[\s,]/.test(text[i] as string)) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < text.length && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(text[i] as string)) i++;
    return text.slice(start, i);
  };
  while (i < text.length) {
    skipSpace();
    const token = readToken();
    if (!token) {
      i++;
      continue;
    }
    const afterToken = i;
    while (i < text.length && text[i] === " ") i++;
    if (text[i] === "=" && challenges.length > 0) {
      i++;
      while (i < text.length && text[i] === " ") i++;
      const value = text[i] === '"' ? readQuoted() : readToken();
      (challenges[challenges.length - 1] as { params: Record<string, string> }).params[token.toLowerCase()] = value;
      continue;
    }
    i = afterToken;
    challenges.push({ scheme: token.toLowerCase(), params: {} });
  }
  return challenges;

  function readQuoted(): string {
    let value = "";
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\" && i + 1 < text.length) i++;
      value += text[i];
      i++;
    }
    i++;
    return value;
  }
}
