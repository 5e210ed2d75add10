import type { CallContext } from "nice-grpc";
import { ServerError, Status } from "nice-grpc";
import type { CallRecorder, RecordedCall } from "./call-recorder.js";
import type { FaultInjector } from "./fault-injector.js";
import type { ServiceDefinitionLike } from "./load-definitions.js";
import { toServerError } from "./to-server-error.js";

type AnyHandler = (request: never, context: CallContext) => unknown;

/**
 * Builds the nice-grpc implementation of one service: every method of the SDK's definition
 * gets an entry. Implemented methods are wrapped with call recording and fault injection;
 * the rest answer UNIMPLEMENTED naming the method. A handler whose name the definition lacks
 * means the SDK's protocol changed, and fails loudly.
 */
export function serveDefinition(
  service: RecordedCall["service"],
  definition: ServiceDefinitionLike,
  handlers: object,
  recorder: CallRecorder,
  faults: FaultInjector,
  authenticated: (context: CallContext) => boolean,
  requireAuthentication: boolean,
): Record<string, unknown> {
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
        authenticated: authenticated(context),
      };
      recorder.add(call);
      if (requireAuthentication && !call.authenticated && name !== "ClientHello") {
        call.error = "UNAUTHENTICATED";
        throw new ServerError(Status.UNAUTHENTICATED, "Invalid token id or token secret");
      }
      return (error: unknown) => {
        const status = toServerError(error);
        call.error = Status[status.code];
        return status;
      };
    };
    if (!handler) {
      implementation[key] = unimplemented(name, method.requestStream, method.responseStream);
    } else if (method.requestStream) {
      implementation[key] = async (requests: AsyncIterable<unknown>, context: CallContext) => {
        const messages: unknown[] = [];
        const fail = record(messages, context);
        try {
          await faults.apply(name, messages);
          return await (handler as (r: AsyncIterable<unknown>, c: CallContext) => Promise<unknown>)(
            tee(requests, messages),
            context,
          );
        } catch (error) {
          throw fail(error);
        }
      };
    } else if (method.responseStream) {
      implementation[key] = async function* (request: unknown, context: CallContext) {
        const fail = record(request, context);
        try {
          await faults.apply(name, request);
          yield* (handler as (r: unknown, c: CallContext) => AsyncIterable<unknown>)(request, context);
        } catch (error) {
          throw fail(error);
        }
      };
    } else {
      implementation[key] = async (request: unknown, context: CallContext) => {
        const fail = record(request, context);
        try {
          await faults.apply(name, request);
          return await (handler as (r: unknown, c: CallContext) => Promise<unknown>)(request, context);
        } catch (error) {
          throw fail(error);
        }
      };
    }
  }
  return implementation;
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
