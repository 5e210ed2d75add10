import { type ParseArgsConfig, parseArgs } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
>["values"];

/**
 * Parses an example's `--flags`. A leading `--` is dropped: pnpm 10 forwards the one in
 * `pnpm run example -- --flag` to the script (npm swallows it), and people type it by habit.
 * A bad flag prints what is wrong and the usage line, then exits 2, instead of a stack trace.
 */
export function parseFlags<const O extends Options>(
  usage: string,
  options: O,
  argv = process.argv.slice(2),
): Values<O> {
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: ${usage}`);
    process.exit(2);
  }
}
