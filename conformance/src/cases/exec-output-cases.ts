import { DEFAULT_MAX_OUTPUT_BYTES, isSandboxError, MAX_OUTPUT_BYTES_LIMIT } from "@openlattice/core";
import { expect } from "vitest";
import type { CaseDefinition } from "./case-definition.js";
import { allByteValues, assertBytesEqual, joinChunks, pseudoRandomBytes } from "./case-helpers.js";

/** A 64-character line (plus newline) repeated: any dropped, repeated or reordered chunk shows as a misaligned line. */
const LINE = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

export function expectedPattern(length: number): Uint8Array {
  const line = new TextEncoder().encode(`${LINE}\n`);
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += line.byteLength) {
    out.set(line.subarray(0, Math.min(line.byteLength, length - offset)), offset);
  }
  return out;
}

/** `yes` piped into `head -c`: produces `bytes` of the pattern above. */
export function patternCommand(bytes: number): string[] {
  return ["sh", "-c", `yes '${LINE}' | head -c ${bytes}`];
}

/** Exit codes and the exactness of stdout/stderr. */
export const EXEC_OUTPUT_CASES: readonly CaseDefinition[] = [
  {
    id: "exec.exit-code.zero",
    run: async (c) => {
      const node = await c.provision();
      const result = await c.exec(node.externalId, ["true"]);
      expect(result.exitCode, "exit code of true").toBe(0);
      expect(result.timedOut, "timedOut").toBe(false);
      expect(result.truncated, "truncated").toBe(false);
      expect(result.stdout, "stdout").toBe("");
      expect(result.stdoutBytes.byteLength, "stdoutBytes").toBe(0);
      expect(Number.isFinite(result.durationMs) && result.durationMs >= 0, "durationMs is finite and >= 0").toBe(true);
    },
  },
  {
    id: "exec.exit-code.nonzero",
    run: async (c) => {
      const node = await c.provision();
      expect((await c.exec(node.externalId, ["false"])).exitCode, "exit code of false").toBe(1);
      expect((await c.exec(node.externalId, ["sh", "-c", "exit 1"])).exitCode, "sh -c 'exit 1'").toBe(1);
      const result = await c.exec(node.externalId, ["sh", "-c", "printf partial; exit 42"]);
      expect(result.exitCode, "sh -c 'exit 42'").toBe(42);
      expect(result.stdout, "output before a failing exit is kept").toBe("partial");
      expect((await c.exec(node.externalId, ["sh", "-c", "exit 255"])).exitCode, "sh -c 'exit 255'").toBe(255);
    },
  },
  {
    id: "exec.exit-code.not-found",
    run: async (c) => {
      const box = await c.sandbox();
      const viaShell = await c.exec(box.id, ["sh", "-c", "olc-no-such-program-xyz"]);
      expect(viaShell.exitCode, "a missing program run by sh").toBe(127);
      const script = `${box.scratch}/not-executable.sh`;
      await c.mustExec(box.id, ["sh", "-c", 'printf "#!/bin/sh\\necho ran\\n" > "$1" && chmod 644 "$1"', "sh", script]);
      for (const [argv0, code] of [
        ["olc-no-such-program-xyz", 127],
        [script, 126],
      ] as const) {
        try {
          const direct = await c.exec(box.id, [argv0]);
          expect(direct.exitCode, `${code === 127 ? "a missing" : "a non-executable"} program as argv[0]`).toBe(code);
        } catch (error) {
          // Rejecting is allowed for argv[0] itself, but only with a typed error.
          if (!isSandboxError(error) || !["not_found", "invalid_argument"].includes(error.code)) throw error;
          c.note(`${argv0} as argv[0] rejects with ${error.code}`);
        }
      }
    },
  },
  {
    id: "exec.output.separate",
    run: async (c) => {
      const node = await c.provision();
      const result = await c.exec(node.externalId, [
        "sh",
        "-c",
        "printf out1; printf 'err1\\n' >&2; printf out2; printf '  err2\\n\\n' >&2",
      ]);
      expect(result.stdout, "stdout").toBe("out1out2");
      expect(result.stderr, "stderr, whitespace and newlines kept").toBe("err1\n  err2\n\n");
      expect(new TextDecoder().decode(result.stderrBytes), "stderrBytes").toBe("err1\n  err2\n\n");
    },
  },
  {
    id: "exec.output.exact",
    run: async (c) => {
      const node = await c.provision();
      const text = "  leading\r\ntrailing  \n\n\ttab ünïcødé 🚀\n\n";
      const result = await c.exec(node.externalId, ["printf", "%s", text]);
      expect(result.stdout, "stdout kept byte for byte").toBe(text);
      const empty = await c.exec(node.externalId, ["printf", ""]);
      expect(empty.stdout, "empty output").toBe("");
    },
  },
  {
    id: "exec.output.binary",
    run: async (c) => {
      const node = await c.provision();
      const bytes = joinChunks([allByteValues(), pseudoRandomBytes(256 * 1024)]);
      const out = await c.exec(node.externalId, ["cat"], { stdin: bytes });
      expect(out.exitCode, "cat exit code").toBe(0);
      assertBytesEqual(out.stdoutBytes, bytes, "binary stdout");
      const err = await c.exec(node.externalId, ["sh", "-c", "cat >&2"], { stdin: bytes });
      assertBytesEqual(err.stderrBytes, bytes, "binary stderr");
      expect(err.stdoutBytes.byteLength, "stdout of cat >&2").toBe(0);
      // Invalid UTF-8 decodes to U+FFFD in the text field; the bytes field keeps it exact.
      const invalid = await c.exec(node.externalId, ["printf", "a\\377b"]);
      assertBytesEqual(invalid.stdoutBytes, new Uint8Array([0x61, 0xff, 0x62]), "invalid UTF-8 bytes");
      expect(invalid.stdout, "invalid UTF-8 text").toBe("a\ufffdb");
    },
  },
  {
    id: "exec.output.large",
    run: async (c) => {
      const node = await c.provision();
      const size = c.options.largeOutputBytes;
      const result = await c.exec(node.externalId, patternCommand(size), {
        maxOutputBytes: Math.min(size, MAX_OUTPUT_BYTES_LIMIT),
      });
      expect(result.exitCode, "exit code").toBe(0);
      const expected = expectedPattern(size);
      if (result.stdoutBytes.byteLength === size) {
        assertBytesEqual(result.stdoutBytes, expected, "large stdout");
        expect(result.truncated, "truncated when nothing was dropped").toBe(false);
      } else {
        expect(
          result.truncated,
          `got ${result.stdoutBytes.byteLength} of ${size} bytes, so truncated must be true`,
        ).toBe(true);
        expect(result.stdoutBytes.byteLength, "kept bytes").toBeLessThan(size);
        assertBytesEqual(result.stdoutBytes, expected.subarray(0, result.stdoutBytes.byteLength), "kept prefix");
        c.note(`the provider kept ${result.stdoutBytes.byteLength} of ${size} bytes (truncated: true)`);
      }
      if (size > DEFAULT_MAX_OUTPUT_BYTES) {
        // Without maxOutputBytes the documented default bounds what is kept.
        const bounded = await c.exec(node.externalId, patternCommand(size));
        expect(bounded.stdoutBytes.byteLength, "kept bytes with the default cap").toBeLessThanOrEqual(
          DEFAULT_MAX_OUTPUT_BYTES,
        );
        expect(bounded.truncated, "truncated with the default cap").toBe(true);
      }
    },
  },
  {
    id: "exec.output.max-bytes",
    run: async (c) => {
      const node = await c.provision();
      const size = 4 * 1024 * 1024;
      const limit = 1024 * 1024 + 17;
      const streamed: Uint8Array[] = [];
      const result = await c.exec(node.externalId, patternCommand(size), {
        maxOutputBytes: limit,
        onStdoutBytes: (chunk) => streamed.push(chunk.slice()),
      });
      expect(result.exitCode, "exit code").toBe(0);
      expect(result.truncated, "truncated").toBe(true);
      const expected = expectedPattern(size);
      assertBytesEqual(result.stdoutBytes, expected.subarray(0, limit), "kept prefix");
      if (c.capabilities.execStreaming !== false) {
        assertBytesEqual(joinChunks(streamed), expected, "streamed output beyond maxOutputBytes");
      }
      const small = await c.exec(node.externalId, ["printf", "12345"], { maxOutputBytes: 5 });
      expect(small.stdout, "output exactly at the limit").toBe("12345");
      expect(small.truncated, "truncated when output fits exactly").toBe(false);
      const zero = await c.exec(node.externalId, ["sh", "-c", "printf abc; printf def >&2"], { maxOutputBytes: 0 });
      expect(zero.stdoutBytes.byteLength + zero.stderrBytes.byteLength, "maxOutputBytes 0 keeps nothing").toBe(0);
      expect(zero.truncated, "truncated with maxOutputBytes 0").toBe(true);
    },
  },
  {
    id: "exec.output.per-stream",
    run: async (c) => {
      const node = await c.provision();
      const size = 64 * 1024;
      const limit = 1000;
      const expected = expectedPattern(size).subarray(0, limit);
      // stderr alone over the cap: stdout must come back whole, stderr as its exact prefix.
      const errHeavy = await c.exec(
        node.externalId,
        ["sh", "-c", `printf out-intact; ${patternCommand(size)[2]} >&2`],
        {
          maxOutputBytes: limit,
        },
      );
      expect(errHeavy.stdout, "stdout under the cap while stderr is over it").toBe("out-intact");
      assertBytesEqual(errHeavy.stderrBytes, expected, "stderr kept prefix");
      expect(errHeavy.truncated, "truncated when only stderr was cut").toBe(true);
      // And the other way round.
      const outHeavy = await c.exec(
        node.externalId,
        ["sh", "-c", `printf err-intact >&2; ${patternCommand(size)[2]}`],
        {
          maxOutputBytes: limit,
        },
      );
      expect(outHeavy.stderr, "stderr under the cap while stdout is over it").toBe("err-intact");
      assertBytesEqual(outHeavy.stdoutBytes, expected, "stdout kept prefix");
      expect(outHeavy.truncated, "truncated when only stdout was cut").toBe(true);
      // Both under the cap on their own, over it together: nothing is cut.
      const both = await c.exec(node.externalId, ["sh", "-c", "printf %0600d 0; printf %0600d 0 >&2"], {
        maxOutputBytes: limit,
      });
      expect(
        [both.stdoutBytes.byteLength, both.stderrBytes.byteLength],
        "600 + 600 bytes under a 1000-byte cap",
      ).toEqual([600, 600]);
      expect(both.truncated, "truncated when each stream fits its own cap").toBe(false);
    },
  },
];
