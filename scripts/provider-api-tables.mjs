#!/usr/bin/env node
/**
 * Renders the reference tables of docs/implementing-a-provider.md from @openlattice/core's
 * types, with the TypeScript compiler API: the `Provider` members, the fields of `SandboxNode`,
 * `SandboxInfo`, `HealthReport`, `ExecResult` and `SandboxErrorOptions`, and every error class's code,
 * constructor signature and default retryability. Types, optionality and descriptions come from
 * the declarations and their JSDoc, so the tables cannot drift from the code.
 *
 *   node scripts/provider-api-tables.mjs --write   # update the guide
 *   node scripts/provider-api-tables.mjs --check   # exit 1 when the guide is stale (part of pnpm test)
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const guide = path.join(root, "docs", "implementing-a-provider.md");
const core = path.join(root, "packages", "core");
const START = "<!-- provider-api:start -->";
const END = "<!-- provider-api:end -->";
const INTERFACES = ["SandboxNode", "SandboxInfo", "HealthReport", "ExecResult", "SandboxErrorOptions"];

function loadProgram() {
  const configPath = path.join(core, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, core);
  const program = ts.createProgram([path.join(core, "src", "index.ts")], parsed.options);
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(path.join(core, "src", "index.ts"));
  const exports = new Map();
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(entry))) {
    exports.set(symbol.name, symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  }
  return { checker, exports };
}

/** A table cell: one line, pipes escaped. */
const cell = (text) =>
  text
    .replace(/\s*\n\s*/g, " ")
    .replace(/\|/g, "\\|")
    .trim();
const code = (text) => `\`${cell(text).replace(/`/g, "'")}\``;
const docOf = (symbol, checker) => cell(ts.displayPartsToString(symbol.getDocumentationComment(checker))) || "–";

function table(header, rows) {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
}

/** The declared type as written, except `typeof CONSTANT`, which shows the constant's type. */
function typeText(symbol, checker) {
  const node = symbol.declarations?.[0]?.type;
  if (!node || ts.isTypeQueryNode(node)) return checker.typeToString(checker.getTypeOfSymbol(symbol));
  return node.getText();
}

/** Rows for an interface's properties: inherited ones first, then its own, in declaration order. */
function propertyRows(name, { checker, exports }) {
  const symbol = exports.get(name);
  if (!symbol) throw new Error(`@openlattice/core no longer exports ${name}`);
  const own = symbol.declarations?.[0];
  const properties = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol));
  const inherited = (property) => property.declarations?.[0]?.parent !== own;
  const ordered = [...properties.filter(inherited), ...properties.filter((property) => !inherited(property))];
  return ordered.map((property) => {
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    const type = typeText(property, checker);
    return [code(property.name), code(type), optional ? "optional" : "required", docOf(property, checker)];
  });
}

function defaultRetryable({ exports }) {
  const declaration = exports.get("DEFAULT_RETRYABLE")?.declarations?.[0];
  const literal = declaration?.initializer;
  if (!literal || !ts.isObjectLiteralExpression(literal)) throw new Error("DEFAULT_RETRYABLE is not an object literal");
  return new Map(
    literal.properties.map((property) => [
      property.name.getText(),
      property.initializer.kind === ts.SyntaxKind.TrueKeyword,
    ]),
  );
}

/** Every exported class extending SandboxError: code (the literal its constructor passes to super), signature. */
function errorRows(context) {
  const { checker, exports } = context;
  const retryable = defaultRetryable(context);
  const rows = [];
  for (const [name, symbol] of exports) {
    const declaration = symbol.declarations?.[0];
    if (!declaration || !ts.isClassDeclaration(declaration)) continue;
    const base = declaration.heritageClauses?.[0]?.types[0]?.expression.getText();
    if (base !== "SandboxError") continue;
    const init = declaration.members.find(ts.isConstructorDeclaration);
    const parameters = init.parameters
      .map(
        (parameter) =>
          `${parameter.name.getText()}${parameter.initializer || parameter.questionToken ? "?" : ""}: ${parameter.type.getText()}`,
      )
      .join(", ");
    let errorCode;
    init.body.forEachChild(function find(node) {
      if (errorCode) return;
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword) {
        const first = node.arguments[0];
        if (first && ts.isStringLiteral(first)) errorCode = first.text;
      } else node.forEachChild(find);
    });
    if (!errorCode) throw new Error(`${name}: its constructor does not pass a literal code to super`);
    const extras = declaration.members
      .filter((member) => ts.isPropertyDeclaration(member))
      .map((member) => `${member.name.getText()}: ${member.type.getText()}`);
    rows.push([
      code(errorCode),
      code(`new ${name}(${parameters})`),
      retryable.get(errorCode) ? "yes" : "no",
      `${docOf(symbol, checker)}${extras.length ? ` Adds ${extras.map(code).join(", ")}.` : ""}`,
    ]);
  }
  return rows.sort((a, b) => a[0].localeCompare(b[0]));
}

function render() {
  const context = loadProgram();
  const provider = context.exports.get("Provider");
  const members = context.checker.getPropertiesOfType(context.checker.getDeclaredTypeOfSymbol(provider));
  const memberRows = members.map((member) => {
    return [
      code(member.name),
      code(typeText(member, context.checker)),
      member.flags & ts.SymbolFlags.Optional ? "optional" : "required",
      docOf(member, context.checker),
    ];
  });
  const sections = [
    START,
    "_Generated from `@openlattice/core`'s declarations by `node scripts/provider-api-tables.mjs --write`; `pnpm test` fails when it is stale._",
    "",
    "### `Provider` members",
    "",
    table(["member", "type", "presence", "contract"], memberRows),
    ...INTERFACES.flatMap((name) => [
      "",
      `### \`${name}\` fields`,
      "",
      table(["field", "type", "presence", "meaning"], propertyRows(name, context)),
    ]),
    "",
    "### Error classes",
    "",
    "Every class extends `SandboxError` (`code`, `retryable`, `provider`, `details`, `cause`). `retryable` defaults per code as below; `options.retryable` overrides it.",
    "",
    table(["code", "constructor", "retryable by default", "when"], errorRows(context)),
    END,
  ];
  return sections.join("\n");
}

/** Biome pads markdown tables (and --write lets it): padding and dash counts are not content. */
function normalize(text) {
  return text
    .split("\n")
    .map((line) => (line.startsWith("|") ? line.replace(/\s*\|\s*/g, "|").replace(/-{3,}/g, "---") : line))
    .join("\n");
}

const mode = process.argv[2];
if (mode !== "--write" && mode !== "--check") {
  console.error("usage: node scripts/provider-api-tables.mjs --write | --check");
  process.exit(2);
}
const text = readFileSync(guide, "utf8");
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < start) {
  console.error(`${path.relative(root, guide)} lacks the ${START} … ${END} markers`);
  process.exit(1);
}
const updated = `${text.slice(0, start)}${render()}${text.slice(end + END.length)}`;
if (mode === "--write") {
  writeFileSync(guide, updated);
  execFileSync(path.join(root, "node_modules", ".bin", "biome"), ["format", "--write", guide], { stdio: "ignore" });
  console.log(`updated the reference tables in ${path.relative(root, guide)}`);
} else if (normalize(updated) !== normalize(text)) {
  console.error(
    `${path.relative(root, guide)}'s reference tables are stale: run \`node scripts/provider-api-tables.mjs --write\``,
  );
  process.exit(1);
}
