/**
 * Construct: how one plugin serves both the ResourceProvider service we write ourselves (rpc.ts:
 * Check, Diff, Read... with detailed diffs and Configure, which `provider.main` drops) and
 * multi-language components (Pulumi YAML, every SDK), which need the Pulumi Node.js runtime.
 *
 * The engine sends Construct with the address of its resource monitor. We do what the SDK's own
 * `provider.main` does for it (@pulumi/pulumi provider/server.js, `construct` and
 * `configureRuntime`): point the SDK's runtime at that monitor and the engine (`resetOptions`),
 * load the program's config, build the component with ordinary `pulumi.ComponentResource` and
 * `pulumi.CustomResource` classes (their registrations go to the monitor as children of the
 * component), serialize its outputs, and wait for every registration before answering. Those
 * runtime functions are the SDK's internals (not in its typings), reached by path, so each is
 * typed here with the signature the SDK's server calls it with; each Construct runs in its own
 * async-local runtime state (`withLocalStorage`), as the SDK's server does.
 *
 * The component's children (`marin-social:index:PublisherToken`) come back to this same
 * provider's Check, Diff, Create..., so they keep every guarantee a token declared alone has.
 */
import * as pulumi from "@pulumi/pulumi";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";

interface RuntimeSettings {
  resetOptions(project: string, stack: string, parallel: number, engineAddr: string, monitorAddr: string, preview: boolean, organization: string): void;
  awaitFeatureSupport(): Promise<void>;
  waitForRPCs(): Promise<void>;
}
interface RuntimeState {
  withLocalStorage<T>(fn: () => Promise<T>): Promise<T>;
  getStore(): { callbacks?: { shutdown(): void } };
}
interface RuntimeConfig {
  setAllConfig(c: Record<string, string>, secretKeys?: string[]): void;
}
interface RuntimeRpc {
  serializeResourceProperties(label: string, props: pulumi.Inputs): Promise<[Record<string, unknown>, Map<string, Set<pulumi.Resource>>]>;
}

const settings = require("@pulumi/pulumi/runtime/settings") as RuntimeSettings;
const state = require("@pulumi/pulumi/runtime/state") as RuntimeState;
const config = require("@pulumi/pulumi/runtime/config") as RuntimeConfig;
const rpc = require("@pulumi/pulumi/runtime/rpc") as RuntimeRpc;

/** What a component builder gets: its name and type, and its options. */
export interface ConstructCall {
  type: string;
  name: string;
  opts: pulumi.ComponentResourceOptions;
}

/** Builds a component; resolves with it and its outputs. */
export type ComponentBuilder = (call: ConstructCall) => Promise<{ resource: pulumi.ComponentResource; outputs: pulumi.Inputs }>;

/**
 * Serves one Construct request: `engine` is the engine's address (the plugin's argument, or the
 * Handshake's); `build` makes the component from the request's inputs, which the caller decodes.
 */
export function construct(req: pb.ConstructRequest, engine: string | undefined, build: ComponentBuilder): Promise<pb.ConstructResponse> {
  return state.withLocalStorage(async () => {
    if (!engine) throw new Error("Construct needs the engine's address, which the engine passes when it starts the plugin");
    settings.resetOptions(req.getProject(), req.getStack(), req.getParallel(), engine, req.getMonitorendpoint(), req.getDryrun(), req.getOrganization());
    await settings.awaitFeatureSupport();
    const programConfig: Record<string, string> = {};
    req.getConfigMap().forEach((v, k) => {
      programConfig[k] = v;
    });
    config.setAllConfig(programConfig, req.getConfigsecretkeysList());
    const providers: Record<string, pulumi.ProviderResource> = {};
    req.getProvidersMap().forEach((ref, pkg) => {
      providers[pkg] = new pulumi.DependencyProviderResource(ref);
    });
    const opts: pulumi.ComponentResourceOptions = {
      ...(req.getParent() ? { parent: new pulumi.DependencyResource(req.getParent()) } : {}),
      ...(Object.keys(providers).length > 0 ? { providers } : {}),
      dependsOn: req.getDependenciesList().map((urn) => new pulumi.DependencyResource(urn)),
      protect: req.getProtect(),
    };
    try {
      const { resource, outputs } = await build({ type: req.getType(), name: req.getName(), opts });
      const urn = await new Promise<string>((resolve) => resource.urn.apply(resolve));
      const res = new pb.ConstructResponse().setUrn(urn);
      const [serialized] = await rpc.serializeResourceProperties(`construct(${req.getType()}, ${req.getName()})`, outputs);
      res.setState(structproto.Struct.fromJavaScript(serialized as Record<string, structproto.JavaScriptValue>));
      await settings.waitForRPCs();
      return res;
    } finally {
      // The server a resource hook's callbacks come to (started by the first hook, see offboarding.ts);
      // the engine runs those hooks before the registrations waited for above complete.
      state.getStore().callbacks?.shutdown();
    }
  });
}
