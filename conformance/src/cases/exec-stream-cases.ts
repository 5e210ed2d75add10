import { expect } from "vitest";
import type { CaseContext } from "../suite/case-context.js";
import type { CaseDefinition } from "./case-definition.js";
import { assertBytesEqual, joinChunks, pathExists } from "./case-helpers.js";
import { expectedPattern, patternCommand } from "./exec-output-cases.js";

const decoder = new TextDecoder();

/**
 * When the capabilities say exec output does not stream, verifies that exec with callbacks still
 * returns the full output (and that whatever was delivered is consistent), then ends the case
 * `unsupported`.
 */
async function requireStreaming(c: CaseContext, id: string): Promise<void> {
  if (c.capabilities.execStreaming !== false) return;
  const chunks: Uint8Array[] = [];
  const result = await c.exec(id, ["printf", "whole"], { onStdoutBytes: (chunk) => chunks.push(chunk.slice()) });
  expect(result.stdout, "stdout with execStreaming false").toBe("whole");
  if (chunks.length > 0)
    expect(decoder.decode(joinChunks(chunks)), "chunks delivered despite execStreaming false").toBe("whole");
  c.unsupported("capabilities.execStreaming is false; exec with callbacks still returned the full output");
}

/** "é🚀" emitted in three writes that split both characters between their bytes. */
const SPLIT_UTF8 = "printf '\\303'; sleep 0.3; printf '\\251\\360\\237'; sleep 0.3; printf '\\232\\200'";

/** Streaming callbacks: timing, decoding and ownership of chunks. */
export const EXEC_STREAM_CASES: readonly CaseDefinition[] = [
  {
    id: "exec.stream.incremental",
    run: async (c) => {
      const node = await c.provision();
      await requireStreaming(c, node.externalId);
      const out: { at: number; chunk: Uint8Array }[] = [];
      const err: Uint8Array[] = [];
      const started = Date.now();
      const result = await c.exec(
        node.externalId,
        ["sh", "-c", "printf first; printf e1 >&2; sleep 1.5; printf second; printf e2 >&2"],
        {
          onStdoutBytes: (chunk) => out.push({ at: Date.now(), chunk: chunk.slice() }),
          onStderrBytes: (chunk) => err.push(chunk.slice()),
        },
      );
      const ended = Date.now();
      const joined = decoder.decode(joinChunks(out.map((entry) => entry.chunk)));
      expect(result.stdout, "stdout").toBe("firstsecond");
      expect(joined, "stdout chunks join to the result").toBe(result.stdout);
      const first = out[0];
      if (!first) throw new Error("onStdoutBytes was never called");
      expect(
        ended - first.at,
        `first chunk came ${first.at - started} ms after start, ${ended - first.at} ms before the end`,
      ).toBeGreaterThan(700);
      if (c.capabilities.execStreaming === "separate") {
        expect(decoder.decode(joinChunks(err)), "stderr chunks join to the result").toBe(result.stderr);
        expect(result.stderr, "stderr").toBe("e1e2");
      }
    },
  },
  {
    id: "exec.stream.utf8-split",
    run: async (c) => {
      const node = await c.provision();
      await requireStreaming(c, node.externalId);
      const text: string[] = [];
      const result = await c.exec(node.externalId, ["sh", "-c", SPLIT_UTF8], { onStdout: (chunk) => text.push(chunk) });
      expect(result.stdout, "stdout").toBe("é🚀");
      expect(text.join(""), "onStdout chunks of characters split across writes").toBe("é🚀");
      expect(
        text.some((chunk) => chunk.includes("\ufffd")),
        "a U+FFFD in an onStdout chunk",
      ).toBe(false);
      if (c.capabilities.execStreaming === "separate") {
        const errText: string[] = [];
        await c.exec(node.externalId, ["sh", "-c", `(${SPLIT_UTF8}) >&2`], {
          onStderr: (chunk) => errText.push(chunk),
        });
        expect(errText.join(""), "onStderr chunks of characters split across writes").toBe("é🚀");
      }
      if (text.length < 2) c.note("the output arrived in one chunk, so no character was split in transit");
      // Output that ends inside a character: the text callback still gets what the text field has.
      const cut: string[] = [];
      const ending = await c.exec(node.externalId, ["printf", "ok\\360\\237"], {
        onStdout: (chunk) => cut.push(chunk),
      });
      expect(cut.join(""), "onStdout of output ending in an incomplete character").toBe(ending.stdout);
    },
  },
  {
    id: "exec.stream.text-and-bytes",
    run: async (c) => {
      const node = await c.provision();
      await requireStreaming(c, node.externalId);
      const text: string[] = [];
      const bytes: Uint8Array[] = [];
      const result = await c.exec(node.externalId, ["sh", "-c", "printf one; sleep 0.2; printf two"], {
        onStdout: (chunk) => text.push(chunk),
        onStdoutBytes: (chunk) => bytes.push(chunk.slice()),
      });
      expect(result.stdout, "stdout").toBe("onetwo");
      expect(text.join(""), "onStdout beside onStdoutBytes").toBe("onetwo");
      expect(decoder.decode(joinChunks(bytes)), "onStdoutBytes beside onStdout").toBe("onetwo");
      if (c.capabilities.execStreaming === "separate") {
        const errText: string[] = [];
        const errBytes: Uint8Array[] = [];
        await c.exec(node.externalId, ["sh", "-c", "printf e-one >&2; sleep 0.2; printf e-two >&2"], {
          onStderr: (chunk) => errText.push(chunk),
          onStderrBytes: (chunk) => errBytes.push(chunk.slice()),
        });
        expect(errText.join(""), "onStderr beside onStderrBytes").toBe("e-onee-two");
        expect(decoder.decode(joinChunks(errBytes)), "onStderrBytes beside onStderr").toBe("e-onee-two");
      }
    },
  },
  {
    id: "exec.stream.chunks-kept",
    run: async (c) => {
      const node = await c.provision();
      await requireStreaming(c, node.externalId);
      const size = 2 * 1024 * 1024;
      // Kept as handed over, no copy: the spec lets callers hold chunks after the callback returns.
      const kept: Uint8Array[] = [];
      const result = await c.exec(node.externalId, patternCommand(size), {
        onStdoutBytes: (chunk) => kept.push(chunk),
      });
      expect(result.exitCode, "exit code").toBe(0);
      assertBytesEqual(joinChunks(kept), expectedPattern(size), "stdout chunks kept without copying");
      if (kept.length < 2) c.note("the output arrived in one chunk");
      if (c.capabilities.execStreaming === "separate") {
        const keptErr: Uint8Array[] = [];
        await c.exec(node.externalId, ["sh", "-c", `${patternCommand(size)[2]} >&2`], {
          onStderrBytes: (chunk) => keptErr.push(chunk),
        });
        assertBytesEqual(joinChunks(keptErr), expectedPattern(size), "stderr chunks kept without copying");
      }
    },
  },
  {
    id: "exec.stream.callback-throws",
    run: async (c) => {
      const box = await c.sandbox();
      await requireStreaming(c, box.id);
      const boom = new Error("conformance: a callback that throws");
      const marker = `${box.scratch}/finished`;
      const settled = await c
        .exec(box.id, ["sh", "-c", 'printf early; sleep 0.5; printf late; touch "$1"', "sh", marker], {
          onStdout: () => {
            throw boom;
          },
        })
        .then(
          () => "resolved",
          (error: unknown) => error,
        );
      expect(settled, "exec whose onStdout throws rejects with that error").toBe(boom);
      // The throw is the caller's bug, not the command's: the command still ran to its end.
      expect(await pathExists(c, box.id, marker), "the command ran to its end").toBe(true);
    },
  },
];
