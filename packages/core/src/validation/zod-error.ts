import type { z } from "zod";
import { InvalidArgumentError } from "../errors/error-classes.js";

/** Formats a zod path as `a.b[2]["odd key"]`, prefixed with `root` when given. */
export function formatFieldPath(root: string, path: readonly PropertyKey[]): string {
  let text = root;
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) {
      text += text === "" ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/**
 * Where a field put in the wrong place of a provision spec belongs: the unknown-field message
 * says so instead of leaving the caller to guess.
 */
const MISPLACED_FIELDS: Readonly<Record<string, string>> = {
  env: "runtime.env",
  image: "runtime.image",
  command: "runtime.command",
  entrypoint: "runtime.entrypoint",
  workdir: "runtime.workdir",
  cpu: "resources.cpu",
  memoryMiB: "resources.memoryMiB",
  diskMiB: "resources.diskMiB",
  ports: "network.ports",
  egress: "network.egress",
  maxSeconds: "duration.maxSeconds",
  timeout: "duration.maxSeconds",
  "resources.gpu": "the top-level gpu: { type, count }",
};

/** At most this many further problems are spelled out in the message; all are in details. */
const LISTED_PROBLEMS = 3;

/**
 * Converts a zod failure into an `InvalidArgumentError` naming the first offending field and
 * listing the next few. Every issue is kept in `details.issues`, so nothing is lost.
 */
export function toInvalidArgument(error: z.ZodError, root: string, provider?: string): InvalidArgumentError {
  const issues = error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as { keys: string[] }).keys;
      const field = formatFieldPath(root, [...issue.path, keys[0] ?? ""]);
      const home = keys.length === 1 ? MISPLACED_FIELDS[field] : undefined;
      return {
        field,
        message: `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((key) => JSON.stringify(key)).join(", ")}${home ? `; it belongs in ${home}` : ""}`,
      };
    }
    // A bad record key: zod words it with the record's message; the key schema's says what is wrong.
    const nested = issue.code === "invalid_key" ? (issue as { issues?: { message: string }[] }).issues?.[0] : undefined;
    return { field: formatFieldPath(root, issue.path), message: plainMessage(nested?.message ?? issue.message) };
  });
  const first = issues[0] ?? { field: root, message: "invalid value" };
  const rest = issues.slice(1);
  const listed = rest.slice(0, LISTED_PROBLEMS).map((issue) => `${issue.field}: ${issue.message}`);
  const unlisted = rest.length > LISTED_PROBLEMS ? `; ${rest.length - LISTED_PROBLEMS} more in details.issues` : "";
  const more = rest.length
    ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""}: ${listed.join("; ")}${unlisted})`
    : "";
  return new InvalidArgumentError(first.field, `${first.message}${more}`, {
    provider,
    details: { issues },
  });
}

/**
 * Rewrites zod's generic type message ("Invalid input: expected string, received number"),
 * which our schemas did not word themselves, into what to fix: "must be a string, not a number".
 */
function plainMessage(message: string): string {
  const match = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  if (!match) return message;
  const [, expected = "", received = ""] = match;
  const article = (word: string) =>
    word === "undefined" || word === "null" ? word : `${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`;
  if (received === "undefined") return `is required (${article(expected)})`;
  return `must be ${article(expected)}, not ${article(received)}`;
}
