/**
 * A corpus of hostile inputs for argv, environment variables, working directories and file
 * paths. Every provider must either pass each value through exactly or reject it with a typed
 * `invalid_argument` naming the field — never interpret it with a shell, never change it
 * silently. Values are generated from fragments (so coverage is systematic) plus hand-picked
 * cases that have broken real sandboxes.
 */

/** Where a hostile value is used. */
export type HostileTarget = "argv" | "env-name" | "env-value" | "cwd" | "file-name";

/**
 * What a provider may do with the value:
 * - `exact`: it must reach the command unchanged;
 * - `exact-or-invalid`: unchanged, or rejected with `invalid_argument` (backends with stricter
 *   rules, such as environment-name patterns);
 * - `invalid`: it must be rejected with `invalid_argument` before anything runs.
 */
export type HostileExpectation = "exact" | "exact-or-invalid" | "invalid";

export interface HostileCase {
  /** Stable id, e.g. `argv.gen.dollar-paren.wrapped-spaces`. */
  readonly id: string;
  readonly target: HostileTarget;
  readonly value: string;
  readonly expect: HostileExpectation;
}

/** Fragments that mean something to a shell, a parser or a terminal. */
export const HOSTILE_FRAGMENTS: Readonly<Record<string, string>> = {
  "single-quote": "it's",
  "double-quote": 'say "hi"',
  "unbalanced-quotes": `'"'"`,
  backslash: "back\\slash\\",
  "backslash-n": "not\\na newline",
  newline: "line1\nline2",
  "carriage-return": "a\r\nb",
  tab: "col1\tcol2",
  "dollar-paren": "$(touch /tmp/pwned)",
  backticks: "`id`",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell expansion is the point
  "dollar-brace": "${HOME}",
  "dollar-var": "$PATH",
  semicolon: "a; rm -rf /",
  pipe: "a | cat /etc/passwd",
  ampersand: "a && b || c &",
  redirect: "> /etc/hosts < /dev/zero 2>&1",
  "glob-star": "*",
  "glob-question": "file?.txt",
  "glob-brackets": "[a-z]*",
  "brace-expansion": "{a,b,c}",
  tilde: "~root",
  "leading-dash": "-rf",
  "double-dash": "--help",
  "equals-sign": "KEY=value",
  hash: "# not a comment",
  percent: "%s%n%x",
  "rtl-override": "\u202Egnp.exe",
  combining: "e\u0301\u0301\u0301",
  emoji: "👩🏽‍💻🚀",
  cjk: "沙箱测试",
  "zero-width": "a\u200Bb\uFEFF",
  "ansi-escape": "\u001b[31mred\u001b[0m",
  "control-chars": "\u0001\u0002\u0007\u007f",
  "only-spaces": "   ",
  "trailing-space": "x ",
};

/** How fragments are placed inside a value. */
const WRAPPERS: Readonly<Record<string, (fragment: string) => string>> = {
  bare: (fragment) => fragment,
  "wrapped-spaces": (fragment) => ` ${fragment} `,
  "in-word": (fragment) => `pre${fragment}post`,
};

const LONG = "x".repeat(64 * 1024);

/** Builds the corpus. Ids are stable across runs and versions of the same corpus. */
export function hostileCorpus(): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const [name, fragment] of Object.entries(HOSTILE_FRAGMENTS)) {
    for (const [wrapperName, wrap] of Object.entries(WRAPPERS)) {
      cases.push({ id: `argv.gen.${name}.${wrapperName}`, target: "argv", value: wrap(fragment), expect: "exact" });
    }
    cases.push({ id: `env-value.gen.${name}`, target: "env-value", value: fragment, expect: "exact" });
    // Names may be restricted by a backend (e.g. to [A-Za-z_][A-Za-z0-9_]*), so rejection is allowed.
    const envName = fragment.includes("=") ? undefined : `OL_${fragment}`;
    if (envName !== undefined) {
      cases.push({ id: `env-name.gen.${name}`, target: "env-name", value: envName, expect: "exact-or-invalid" });
    }
    if (!fragment.includes("/") && fragment.trim() !== "") {
      cases.push({ id: `file-name.gen.${name}`, target: "file-name", value: `f-${fragment}`, expect: "exact" });
      cases.push({ id: `cwd.gen.${name}`, target: "cwd", value: `d-${fragment}`, expect: "exact" });
    }
  }
  cases.push(
    { id: "argv.empty-string", target: "argv", value: "", expect: "exact" },
    { id: "argv.long-64k", target: "argv", value: LONG, expect: "exact" },
    { id: "argv.nul", target: "argv", value: "a\u0000b", expect: "invalid" },
    { id: "argv.only-nul", target: "argv", value: "\u0000", expect: "invalid" },
    { id: "argv.invalid-surrogate-free-unicode", target: "argv", value: "\u{10FFFF}\u{1F600}", expect: "exact" },
    { id: "env-value.empty", target: "env-value", value: "", expect: "exact" },
    { id: "env-value.long-64k", target: "env-value", value: LONG, expect: "exact" },
    { id: "env-value.nul", target: "env-value", value: "a\u0000b", expect: "invalid" },
    { id: "env-value.newline-assignment", target: "env-value", value: "x\nLD_PRELOAD=/evil.so", expect: "exact" },
    { id: "env-name.empty", target: "env-name", value: "", expect: "invalid" },
    { id: "env-name.equals", target: "env-name", value: "A=B", expect: "invalid" },
    { id: "env-name.nul", target: "env-name", value: "A\u0000B", expect: "invalid" },
    { id: "env-name.plain", target: "env-name", value: "OL_PLAIN_NAME_1", expect: "exact" },
    { id: "env-name.long", target: "env-name", value: `OL_${"N".repeat(1000)}`, expect: "exact-or-invalid" },
    { id: "cwd.nul", target: "cwd", value: "d\u0000x", expect: "invalid" },
    { id: "file-name.nul", target: "file-name", value: "f\u0000x", expect: "invalid" },
    { id: "file-name.dots-inside", target: "file-name", value: "a..b", expect: "exact" },
    { id: "file-name.leading-dot", target: "file-name", value: ".hidden", expect: "exact" },
    { id: "file-name.long-200", target: "file-name", value: "n".repeat(200), expect: "exact" },
  );
  return cases;
}
