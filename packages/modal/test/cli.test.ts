import { afterEach, expect, test, vi } from "vitest";
import { runSweepCli } from "../src/cli/index.js";
import { parseDurationMs } from "../src/cli/parse-duration.js";

afterEach(() => {
  vi.restoreAllMocks();
});

test("durations accept ms, s, m, h and d", () => {
  expect(parseDurationMs("250")).toBe(250);
  expect(parseDurationMs("90s")).toBe(90_000);
  expect(parseDurationMs("15m")).toBe(900_000);
  expect(parseDurationMs("2h")).toBe(7_200_000);
  expect(parseDurationMs("1d")).toBe(86_400_000);
  expect(() => parseDurationMs("soon")).toThrow(/invalid duration/);
});

test("the sweep CLI prints help, and refuses to run without --older-than", async () => {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  expect(await runSweepCli(["--help"])).toBe(0);
  expect(String(out.mock.calls[0]?.[0])).toContain("openlattice-modal-sweep --older-than");
  expect(await runSweepCli([])).toBe(2);
  expect(await runSweepCli(["--bogus"])).toBe(2);
  expect(err.mock.calls.map((call) => String(call[0])).join("")).toContain("--older-than is required");
});
