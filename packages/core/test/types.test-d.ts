import { describe, expectTypeOf, it } from "vitest";
import type {
  ExecResult,
  FileStreamsExtension,
  FilesExtension,
  FileWatchExtension,
  LifecycleExtension,
  LifetimeExtension,
  MetricsExtension,
  NetworkExtension,
  ProcessesExtension,
  Provider,
  ProvisionSpec,
  Sandbox,
  SandboxInfo,
  SnapshotRef,
} from "../src/index.js";

declare const provider: Provider;
declare const sandbox: Sandbox;

describe("Provider spec v1 types", () => {
  it("types getExtension by name and returns undefined for unknown names", () => {
    expectTypeOf(provider.getExtension("id", "files")).toEqualTypeOf<FilesExtension | undefined>();
    expectTypeOf(provider.getExtension("id", "network")).toEqualTypeOf<NetworkExtension | undefined>();
    expectTypeOf(provider.getExtension("id", "metrics")).toEqualTypeOf<MetricsExtension | undefined>();
    expectTypeOf(provider.getExtension("id", "lifecycle")).toEqualTypeOf<LifecycleExtension | undefined>();
    expectTypeOf(provider.getExtension("id", "processes")).toEqualTypeOf<ProcessesExtension | undefined>();
    expectTypeOf(provider.getExtension("id", "fileStreams")).toEqualTypeOf<FileStreamsExtension | undefined>();
    expectTypeOf(provider.getExtension("id", "fileWatch")).toEqualTypeOf<FileWatchExtension | undefined>();
    expectTypeOf(provider.getExtension("id", "lifetime")).toEqualTypeOf<LifetimeExtension | undefined>();
    expectTypeOf(provider.getExtension("id", "bogus")).toEqualTypeOf<undefined>();
    const dynamic: string = "files";
    expectTypeOf(provider.getExtension("id", dynamic)).toEqualTypeOf<
      | FilesExtension
      | NetworkExtension
      | MetricsExtension
      | LifecycleExtension
      | ProcessesExtension
      | FileStreamsExtension
      | FileWatchExtension
      | LifetimeExtension
      | undefined
    >();
  });

  it("has readonly members and the v1 literal", () => {
    expectTypeOf(provider.specificationVersion).toEqualTypeOf<"v1">();
    // @ts-expect-error members are readonly
    provider.name = "other";
  });

  it("types the core calls", () => {
    expectTypeOf(provider.exec).returns.resolves.toEqualTypeOf<ExecResult>();
    expectTypeOf(provider.inspect).returns.resolves.toEqualTypeOf<SandboxInfo>();
    expectTypeOf(provider.snapshot).returns.resolves.toEqualTypeOf<SnapshotRef>();
    expectTypeOf(provider.restore).parameter(1).toEqualTypeOf<Partial<ProvisionSpec> | undefined>();
    expectTypeOf<SandboxInfo["status"]>().toEqualTypeOf<"pending" | "running" | "paused" | "terminated" | "failed">();
  });

  it("rejects misspelled spec fields at compile time", () => {
    // @ts-expect-error memoryMb is not a field (memoryMiB is)
    const spec: ProvisionSpec = { resources: { memoryMb: 512 } };
    expectTypeOf(spec).toEqualTypeOf<ProvisionSpec>();
  });

  it("gives the handle typed extensions", () => {
    expectTypeOf(sandbox.files).toEqualTypeOf<FilesExtension>();
    expectTypeOf(sandbox.extension("lifecycle")).toEqualTypeOf<LifecycleExtension | undefined>();
    expectTypeOf(sandbox).toMatchTypeOf<AsyncDisposable>();
  });
});
