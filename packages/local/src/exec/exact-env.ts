import { realpathSync } from "node:fs";

/** Names a POSIX shell imports as variables and re-exports unchanged. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Variables shells set or reset themselves, so a value given for them would not arrive as is. */
const SHELL_MANAGED = new Set(["PWD", "OLDPWD", "IFS", "OPTIND", "PPID", "SHLVL", "_"]);

let dash: boolean | undefined;

/** `/bin/sh` is dash, which passes exported variables through without adding any but PWD. */
function shellIsDash(): boolean {
  if (dash === undefined) {
    try {
      dash = /(^|\/)dash$/.test(realpathSync("/bin/sh"));
    } catch {
      dash = false;
    }
  }
  return dash;
}

/**
 * True when `env` survives passing through the `/bin/sh` trampolines exactly. Otherwise the
 * command is started through `env -i -- NAME=VALUE… command`, which sets any name (quotes,
 * spaces, `PWD`…) byte for byte, at the cost of one more exec.
 */
export function envSurvivesShell(env: Readonly<Record<string, string>>): boolean {
  if (!shellIsDash()) return false;
  for (const name of Object.keys(env)) {
    if (!SHELL_NAME.test(name) || SHELL_MANAGED.has(name)) return false;
  }
  return true;
}

/** `env -i -- NAME=VALUE…`: the prefix that gives the command exactly `env`. */
export function envArgv(env: Readonly<Record<string, string>>): string[] {
  return ["env", "-i", "--", ...Object.entries(env).map(([name, value]) => `${name}=${value}`)];
}
