import { describeProvider } from "@openlattice/conformance";
import { afterAll } from "vitest";
import { providerFor, startTestEmulator } from "./support/fixture.js";

/**
 * The shared conformance suite against `ModalProvider`, through the unmodified `modal` SDK,
 * talking to the offline emulator whose sandboxes run on the local backend.
 */
const emulator = await startTestEmulator();
afterAll(() => emulator.close());

describeProvider({
  name: "modal (emulator)",
  createProvider: () => providerFor(emulator),
  options: {
    // The emulator maps every registry tag to the backend's host image.
    image: "python:3.12-slim",
    timeouts: { caseMs: 60_000, killGraceMs: 5_000, durationGraceMs: 15_000, networkReadyMs: 15_000 },
  },
});
