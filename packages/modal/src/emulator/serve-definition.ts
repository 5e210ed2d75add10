import type { CallContext } from "nice-grpc";
import { ServerError, Status } from "nice-grpc";
import type { CallRecorder, RecordedCall } from "./call-recorder.js";
import type { FaultInjector } from "./fault-injector.js";
import type { ServiceDefinitionLike } from "./load-definitions.js";
import { toServerError } from "./to-server-error.js";

type AnyHandler = (request: never, context: CallContext) => unknown;

/** How `serveDefinition` wraps every call. */
export interface ServeOptions {
  readonly recorder: CallRecorder;
  readonly faults: FaultInjector;
  /** Whether the call carries valid credentials (for a client stream, `request` is undefined). */
  readonly authenticated: (context: CallContext, request: unknown) => boolean;
  /** Refuse unauthenticated calls with UNAUTHENTICATED (when credentials are configured). */
  readonly requireAuthentication: boolean;
  /** Receives one line per finished call: service, method, status, duration and ids. */
  readonly log: (line: string) => void;
}

/**
 * Builds the nice-grpc implementation of one service: every method of the SDK's definition
 * gets an entry. Implemented methods are wrapped with call recording, authentication, fault
 * injection and a log line; the rest answer UNIMPLEMENTED naming the method. A handler whose
 * name the definition lacks means the SDK's protocol changed, and fails loudly.
 */
export function serveDefinition(
  service: RecordedCall["service"],
  definition: ServiceDefinitionLike,
  handlers: object,
  options: ServeOptions,
): Record<string, unknown> {
  const { recorder, faults, authenticated, requireAuthentication, log } = options;
  const implemented = handlers as Record<string, AnyHandler>;
  for (const name of Object.keys(implemented)) {
    if (!(name in definition.methods)) {
      throw new Error(
        `@openlattice/modal emulator: ${definition.fullName} of the installed modal SDK has no method "${name}"`,
      );
    }
  }
  const implementation: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    const handler = implemented[key];
    const name = method.name;
    const record = (request: unknown, context: CallContext) => {
      const call: { -readonly [K in keyof RecordedCall]: RecordedCall[K] } = {
        service,
        method: name,
        request,
        at: new Date(),
        timing: { received: performance.now() },
        authenticated: authenticated(context, Array.isArray(request) ? undefined : request),
      };
      recorder.add(call);
      const end = (status: string) => {
        call.endedAt = new Date();
        call.timing = { received: call.timing.received, ended: performance.now() };
        log(`${service} ${name} ${status} ${call.endedAt.getTime() - call.at.getTime()}ms${describeIds(request)}`);
      };
      if (requireAuthentication && !call.authenticated && name !== "ClientHello") {
        call.error = "UNAUTHENTICATED";
        end(call.error);
        throw new ServerError(Status.UNAUTHENTICATED, "Invalid token id or token secret");
      }
      return {
        ok: () => end("OK"),
        fail: (error: unknown) => {
          const status = toServerError(error);
          call.error = Status[status.code];
          end(call.error);
          return status;
        },
      };
    };
    if (!handler) {
      implementation[key] = unimplemented(name, method.requestStream, method.responseStream);
    } else if (method.requestStream) {
      implementation[key] = async (requests: AsyncIterable<unknown>, context: CallContext) => {
        const messages: unknown[] = [];
        const call = record(messages, context);
        try {
          await faults.apply(name, messages);
          const response = await (handler as (r: AsyncIterable<unknown>, c: CallContext) => Promise<unknown>)(
            tee(requests, messages),
            context,
          );
          call.ok();
          return response;
        } catch (error) {
          throw call.fail(error);
        }
      };
    } else if (method.responseStream) {
      implementation[key] = async function* (request: unknown, context: CallContext) {
        const call = record(request, context);
        try {
          await faults.apply(name, request);
          yield* (handler as (r: unknown, c: CallContext) => AsyncIterable<unknown>)(request, context);
          call.ok();
        } catch (error) {
          throw call.fail(error);
        }
      };
    } else {
      implementation[key] = async (request: unknown, context: CallContext) => {
        const call = record(request, context);
        try {
          await faults.apply(name, request);
          const response = await (handler as (r: unknown, c: CallContext) => Promise<unknown>)(request, context);
          call.ok();
          return response;
        } catch (error) {
          throw call.fail(error);
        }
      };
    }
  }
  return implementation;
}

/** Ids named in a request (never payloads, env or stdin), for log lines. */
function describeIds(request: unknown): string {
  if (typeof request !== "object" || request === null || Array.isArray(request)) return "";
  const fields = request as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ["appName", "sandboxId", "taskId", "execId", "imageId"]) {
    const value = fields[key];
    if (typeof value === "string" && value !== "") parts.push(`${key}=${value}`);
  }
  return parts.length > 0 ? ` ${parts.join(" ")}` : "";
}

async function* tee<T>(source: AsyncIterable<T>, into: T[]): AsyncGenerator<T> {
  for await (const item of source) {
    into.push(item);
    yield item;
  }
}

function unimplemented(name: string, requestStream: boolean, responseStream: boolean): unknown {
  const error = () =>
    new ServerError(Status.UNIMPLEMENTED, `the openlattice Modal emulator does not implement ${name}`);
  if (responseStream) {
    // biome-ignore lint/correctness/useYield: the method fails before producing anything.
    return async function* () {
      throw error();
    };
  }
  return requestStream
    ? async () => {
        throw error();
      }
    : async () => {
        throw error();
      };
}
