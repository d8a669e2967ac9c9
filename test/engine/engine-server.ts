/**
 * The gRPC face of the harness engine: the ResourceMonitor and Engine services the SDK's runner
 * talks to (`--monitor` / `--engine`), served on 127.0.0.1 on a free port and delegating to a
 * Deployment. The SDK asks SupportsFeature first: secrets and resourceReferences are supported,
 * everything else is reported unsupported so the SDK falls back to the simple protocol.
 */
import type * as grpcTypes from "@grpc/grpc-js";
import { Code, EngineError, type Deployment } from "./deployment";
import { emptyPb, enginePb, engineGrpcPb, grpc, resourceGrpcPb, resourcePb, structPb } from "./sdk";
import type { LogEntry } from "./types";
import type { PropertyMap } from "./values";

/** Features this monitor reports as supported. */
export const SUPPORTED_FEATURES: ReadonlySet<string> = new Set(["secrets", "resourceReferences"]);

type Callback = (err: grpcTypes.ServerErrorResponse | Partial<grpcTypes.StatusObject> | null, value?: unknown) => void;
type Call = { request: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

function toStruct(props: PropertyMap): InstanceType<typeof structPb.Struct> {
  return structPb.Struct.fromJavaScript(props as Record<string, never>);
}

function fromStruct(s: InstanceType<typeof structPb.Struct> | undefined): PropertyMap {
  return s ? (s.toJavaScript() as PropertyMap) : {};
}

function answerError(cb: Callback, err: unknown): void {
  const code = err instanceof EngineError ? err.code : Code.UNKNOWN;
  cb({ code, details: (err as Error).message ?? String(err) });
}

const SEVERITY: Record<number, LogEntry["severity"]> = { 0: "debug", 1: "info", 2: "warning", 3: "error" };

/** A running engine server. */
export interface EngineServer {
  /** `127.0.0.1:<port>`, given to the runner as --monitor and --engine. */
  address: string;
  /** Stops serving, dropping calls still open. */
  close(): Promise<void>;
}

/**
 * Starts the ResourceMonitor + Engine gRPC server on 127.0.0.1 (port chosen by the OS). Calls go to
 * `target.deployment`; while it is unset (refresh, destroy) they are answered UNAVAILABLE.
 */
export async function startEngineServer(target: { deployment?: Deployment }): Promise<EngineServer> {
  const server = new grpc.Server();
  const noDeployment = (): EngineError => new EngineError(Code.UNAVAILABLE, "no program is running in this operation");
  server.addService(resourceGrpcPb.ResourceMonitorService, {
    supportsFeature(call: Call, cb: Callback) {
      const res = new resourcePb.SupportsFeatureResponse();
      res.setHassupport(SUPPORTED_FEATURES.has(call.request.getId()));
      cb(null, res);
    },
    registerResource(call: Call, cb: Callback) {
      const dep = target.deployment;
      if (!dep) return answerError(cb, noDeployment());
      const r = call.request as InstanceType<typeof resourcePb.RegisterResourceRequest>;
      dep
        .register({
          type: r.getType(),
          name: r.getName(),
          parent: r.getParent(),
          custom: r.getCustom(),
          remote: r.getRemote(),
          object: fromStruct(r.getObject()),
          provider: r.getProvider(),
          dependencies: r.getDependenciesList(),
          additionalSecretOutputs: r.getAdditionalsecretoutputsList(),
          ignoreChanges: r.getIgnorechangesList(),
          replaceOnChanges: r.getReplaceonchangesList(),
          deleteBeforeReplace: r.getDeletebeforereplace(),
          acceptSecrets: r.getAcceptsecrets(),
          acceptResources: r.getAcceptresources(),
          importId: r.getImportid(),
          protect: r.getProtect() === true,
          retainOnDelete: r.getRetainondelete() === true,
        })
        .then(
          (out) => {
            const res = new resourcePb.RegisterResourceResponse();
            res.setUrn(out.urn);
            res.setId(out.id);
            res.setObject(toStruct(out.object));
            res.setResult(resourcePb.Result.SUCCESS);
            cb(null, res);
          },
          (err) => answerError(cb, err),
        );
    },
    registerResourceOutputs(call: Call, cb: Callback) {
      const dep = target.deployment;
      if (!dep) return answerError(cb, noDeployment());
      const r = call.request as InstanceType<typeof resourcePb.RegisterResourceOutputsRequest>;
      try {
        dep.registerOutputs(r.getUrn(), fromStruct(r.getOutputs()));
        cb(null, new emptyPb.Empty());
      } catch (err) {
        answerError(cb, err);
      }
    },
    readResource(call: Call, cb: Callback) {
      const dep = target.deployment;
      if (!dep) return answerError(cb, noDeployment());
      const r = call.request as InstanceType<typeof resourcePb.ReadResourceRequest>;
      dep
        .readResource({
          type: r.getType(),
          name: r.getName(),
          parent: r.getParent(),
          id: r.getId(),
          properties: fromStruct(r.getProperties()),
          provider: r.getProvider(),
          dependencies: r.getDependenciesList(),
          additionalSecretOutputs: r.getAdditionalsecretoutputsList(),
          acceptSecrets: r.getAcceptsecrets(),
          acceptResources: r.getAcceptresources(),
        })
        .then(
          (out) => {
            const res = new resourcePb.ReadResourceResponse();
            res.setUrn(out.urn);
            res.setProperties(toStruct(out.properties));
            cb(null, res);
          },
          (err) => answerError(cb, err),
        );
    },
    invoke(call: Call, cb: Callback) {
      cb({ code: Code.UNKNOWN, details: `unknown function ${call.request.getTok()}` });
    },
    call(call: Call, cb: Callback) {
      cb({ code: Code.UNIMPLEMENTED, details: `the harness does not support Call (${call.request.getTok()})` });
    },
    signalAndWaitForShutdown(_call: Call, cb: Callback) {
      cb(null, new emptyPb.Empty());
    },
  });
  server.addService(engineGrpcPb.EngineService, {
    log(call: Call, cb: Callback) {
      const dep = target.deployment;
      if (!dep) return answerError(cb, noDeployment());
      const r = call.request as InstanceType<typeof enginePb.LogRequest>;
      // Like the CLI without --debug, debug messages are not kept.
      if (r.getSeverity() === enginePb.LogSeverity.DEBUG) {
        cb(null, new emptyPb.Empty());
        return;
      }
      dep.programLog({
        severity: SEVERITY[r.getSeverity()] ?? "info",
        message: r.getMessage(),
        urn: r.getUrn(),
        streamId: r.getStreamid(),
        ephemeral: r.getEphemeral(),
      });
      cb(null, new emptyPb.Empty());
    },
    getRootResource(_call: Call, cb: Callback) {
      const dep = target.deployment;
      if (!dep) return answerError(cb, noDeployment());
      const res = new enginePb.GetRootResourceResponse();
      res.setUrn(dep.rootUrn);
      cb(null, res);
    },
    setRootResource(call: Call, cb: Callback) {
      const dep = target.deployment;
      if (!dep) return answerError(cb, noDeployment());
      dep.rootUrn = call.request.getUrn();
      cb(null, new enginePb.SetRootResourceResponse());
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      server.forceShutdown();
    },
  };
}
