/**
 * Loads the pieces of the Pulumi Node.js SDK that the harness speaks with: gRPC (the very copy
 * `@pulumi/pulumi` depends on), the generated protobuf stubs and google-protobuf's Struct.
 *
 * Everything is resolved from the `@pulumi/pulumi` package directory, so the harness and the SDK
 * processes it spawns agree on the wire format even when `@grpc/grpc-js` is not hoisted.
 */
import { createRequire } from "node:module";
import * as path from "node:path";

type GrpcModule = typeof import("@grpc/grpc-js");
type ResourcePb = typeof import("@pulumi/pulumi/proto/resource_pb");
type ResourceGrpcPb = typeof import("@pulumi/pulumi/proto/resource_grpc_pb");
type EnginePb = typeof import("@pulumi/pulumi/proto/engine_pb");
type EngineGrpcPb = typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
type ProviderPb = typeof import("@pulumi/pulumi/proto/provider_pb");
type ProviderGrpcPb = typeof import("@pulumi/pulumi/proto/provider_grpc_pb");
type PluginPb = typeof import("@pulumi/pulumi/proto/plugin_pb");
type StructPb = typeof import("google-protobuf/google/protobuf/struct_pb");
type EmptyPb = typeof import("google-protobuf/google/protobuf/empty_pb");
type StatusPb = typeof import("@pulumi/pulumi/proto/status_pb");

const localRequire = createRequire(__filename);

/** Absolute directory of the `@pulumi/pulumi` package the harness itself uses for gRPC. */
export const pulumiPackageDir: string = path.dirname(localRequire.resolve("@pulumi/pulumi/package.json"));

const sdkRequire = createRequire(path.join(pulumiPackageDir, "package.json"));

/** `@grpc/grpc-js`, resolved from the `@pulumi/pulumi` package directory. */
export const grpc: GrpcModule = sdkRequire("@grpc/grpc-js");
/** Generated messages of pulumi/resource.proto. */
export const resourcePb: ResourcePb = sdkRequire("./proto/resource_pb");
/** Generated ResourceMonitor service definition. */
export const resourceGrpcPb: ResourceGrpcPb = sdkRequire("./proto/resource_grpc_pb");
/** Generated messages of pulumi/engine.proto. */
export const enginePb: EnginePb = sdkRequire("./proto/engine_pb");
/** Generated Engine service definition. */
export const engineGrpcPb: EngineGrpcPb = sdkRequire("./proto/engine_grpc_pb");
/** Generated messages of pulumi/provider.proto. */
export const providerPb: ProviderPb = sdkRequire("./proto/provider_pb");
/** Generated ResourceProvider service client. */
export const providerGrpcPb: ProviderGrpcPb = sdkRequire("./proto/provider_grpc_pb");
/** Generated messages of pulumi/plugin.proto. */
export const pluginPb: PluginPb = sdkRequire("./proto/plugin_pb");
/** google.protobuf.Struct / Value, the carrier of every property bag. */
export const structPb: StructPb = sdkRequire("google-protobuf/google/protobuf/struct_pb");
/** google.rpc.Status, the carrier of `grpc-status-details-bin` (e.g. ErrorResourceInitFailed). */
export const statusPb: StatusPb = sdkRequire("./proto/status_pb");
/** google.protobuf.Empty. */
export const emptyPb: EmptyPb = sdkRequire("google-protobuf/google/protobuf/empty_pb");

/**
 * Resolves an SDK entry point (e.g. `@pulumi/pulumi/cmd/run`) the way the Pulumi CLI does: with
 * Node's resolution starting in `fromDir` (the program directory), so the program's own SDK copy runs.
 * Throws an Error naming the directory and the fix when the SDK is not installed there.
 */
export function resolveFrom(fromDir: string, request: string): string {
  try {
    return createRequire(path.join(path.resolve(fromDir), "__pulumi_harness__.js")).resolve(request);
  } catch (err) {
    throw new Error(
      `cannot resolve '${request}' from ${fromDir}: ${(err as Error).message}. ` +
        "Install @pulumi/pulumi where the program can require it (npm ci in the repository root).",
    );
  }
}
