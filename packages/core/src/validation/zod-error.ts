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
 * Converts a zod failure into an `InvalidArgumentError` naming the first offending field.
 * Every issue is kept in `details.issues`, so nothing the validator found is lost.
 */
export function toInvalidArgument(error: z.ZodError, root: string, provider?: string): InvalidArgumentError {
  const issues = error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as { keys: string[] }).keys;
      return {
        field: formatFieldPath(root, [...issue.path, keys[0] ?? ""]),
        message: `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((key) => JSON.stringify(key)).join(", ")}`,
      };
    }
    return { field: formatFieldPath(root, issue.path), message: plainMessage(issue.message) };
  });
  const first = issues[0] ?? { field: root, message: "invalid value" };
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
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
