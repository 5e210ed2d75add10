/**
 * Request and response types of the two Modal protocols, recovered from the types that the
 * installed `modal` SDK exports. Nothing here is written by hand from the .proto files: an SDK
 * upgrade that renames a field or a method makes the emulator's handlers fail to compile.
 *
 * - Control plane: `ModalClientParams["cpClient"]` is the SDK's nice-grpc client for
 *   `modal.client.ModalClient`, so its methods carry the exact message types.
 * - Command router: the SDK does not export its definition, but `ContainerProcess`'s
 *   constructor takes the router client wrapper, whose public methods carry the message types.
 */
import type { ContainerProcess, ModalClientParams } from "modal";

/** The SDK's control-plane client (`Client<typeof ModalClientDefinition>`). */
export type ControlClient = NonNullable<ModalClientParams["cpClient"]>;

/** Names of control-plane methods, in the SDK's camelCase form (`sandboxCreateV2`). */
export type ControlMethod = keyof ControlClient;

/**
 * A control-plane request as the server receives it. Typed as the client's (deep-partial) input
 * type: the server decodes full messages, but handlers must not rely on a field being set.
 */
export type ControlRequest<K extends ControlMethod> = Parameters<ControlClient[K]>[0];

/** A unary control-plane response, as the SDK reads it. */
export type ControlResponse<K extends ControlMethod> = Awaited<ReturnType<ControlClient[K]>>;

/** The SDK's command-router client wrapper (`TaskCommandRouterClientImpl`). */
export type RouterClient = ConstructorParameters<typeof ContainerProcess>[2];

type AsyncItem<T> = T extends AsyncIterable<infer U> ? U : never;

export type TaskExecStartRequest = Parameters<RouterClient["execStart"]>[0];
export type TaskExecStartResponse = Awaited<ReturnType<RouterClient["execStart"]>>;
export type TaskExecStdioReadResponse = AsyncItem<ReturnType<RouterClient["execStdioRead"]>>;
export type TaskExecStdinWriteResponse = Awaited<ReturnType<RouterClient["execStdinWrite"]>>;
export type TaskExecStdinStatusResponse = Awaited<ReturnType<RouterClient["execStdinStatus"]>>;
export type TaskExecPollResponse = Awaited<ReturnType<RouterClient["execPoll"]>>;
export type TaskExecWaitResponse = Awaited<ReturnType<RouterClient["execWait"]>>;
export type TaskSnapshotFilesystemRequest = Parameters<RouterClient["snapshotFilesystem"]>[0];
export type TaskSnapshotFilesystemResponse = Awaited<ReturnType<RouterClient["snapshotFilesystem"]>>;

/**
 * Router requests whose message types the SDK never names in an exported signature. They are
 * spelled here from the fields the SDK's wrapper passes (`TaskExecStdioReadRequest.create({...})`);
 * field types are tied to the wrapper's parameter types where it has them.
 */
export interface TaskExecStdioReadRequest {
  taskId: string;
  execId: string;
  offset: number;
  /** 0 = stdout, 1 = stderr (`TaskExecStdioFileDescriptor`). */
  fileDescriptor: number;
}
export interface TaskExecIdRequest {
  taskId: Parameters<RouterClient["execPoll"]>[0];
  execId: Parameters<RouterClient["execPoll"]>[1];
}
export interface TaskExecStdinWriteRequest {
  taskId: string;
  execId: string;
  offset: Parameters<RouterClient["execStdinWrite"]>[2];
  data: Parameters<RouterClient["execStdinWrite"]>[3];
  eof: Parameters<RouterClient["execStdinWrite"]>[4];
}
/** One message of the client stream `TaskExecStdinWriteStream`: start, then data…, then end. */
export interface TaskExecStdinWriteStreamRequest {
  start?: { taskId: string; execId: string; offset: number } | undefined;
  data?: Uint8Array | undefined;
  end?: object | undefined;
}

/** Recursive partial: nice-grpc passes every response through the codec's `fromPartial`. */
export type DeepPartial<T> = T extends Uint8Array
  ? T
  : T extends readonly (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;
