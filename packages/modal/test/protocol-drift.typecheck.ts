/**
 * Compile-time checks, run by `tsc` (typecheck), not by vitest: the emulator's handler types
 * follow the installed SDK's messages, so a renamed field or method fails compilation.
 */
import type { ControlHandlers } from "../src/emulator/control-plane-handlers.js";
import type { RouterHandlers } from "../src/emulator/router-handlers.js";

// A misspelled response field is rejected.
// @ts-expect-error `sandboxID` is not a field of SandboxCreateV2Response.
export const misspelledResponse: ControlHandlers["sandboxCreateV2"] = async () => ({ sandboxID: "sb-x" });

// A misspelled request field is rejected.
export const misspelledRequest: ControlHandlers["sandboxWaitV2"] = async (request) => {
  // @ts-expect-error the request has `timeout`, not `timeoutMillis`.
  void request.timeoutMillis;
  return {};
};

// A wrong response type on the router is rejected.
// @ts-expect-error TaskExecWaitResponse.code is a number.
export const wrongWait: RouterHandlers["taskExecWait"] = async () => ({ code: "0" });
