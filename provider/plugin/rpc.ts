/**
 * The `pulumirpc.ResourceProvider` service: each RPC unpacks its request (properties through
 * wire.ts, once), calls the provider, and packs the answer. Errors become gRPC statuses (errors.ts).
 *
 * Served: Handshake, GetPluginInfo, GetSchema, CheckConfig, DiffConfig, Configure, Check, Diff,
 * Create, Read (also `pulumi import`), Update, Delete, Invoke, Construct (the Offboarding
 * component, see construct.ts), Cancel, Attach, GetMapping(s).
 * Not served (UNIMPLEMENTED, which the engine handles): Parameterize, Call, List.
 */
import type * as grpc from "@grpc/grpc-js";
import { type PluginAttach, PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import type { IResourceProviderServer } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { VERSION } from "../client";
import { displayText, plaintextApiKeyWarning, SUPPORTED_STACK_TOKENS, sameValue, stackSizeWarning } from "../core";
import { checkOffboardingInputs, offboardingPlan } from "../token/offboarding";
import { SECRET_OUTPUTS } from "../token/outputs";
import { CONFIG_KEYS, checkConfig } from "./config";
import { toServiceError, unimplemented } from "./errors";
import { refuseManagedImport } from "./import-guard";
import { getAccount, getAccounts } from "./invoke";
import type { NativeProvider } from "./provider";
import { GET_ACCOUNT, GET_ACCOUNTS, OFFBOARDING_TYPE, PACKAGE, packageSchema, TOKEN_TYPE } from "./schema";
import { isPlainInStackConfig, resourcesInProjectYamlAbove } from "./stack-config";
import * as token from "./token";
import { decode, encode, type Props } from "./wire";

/** The package's functions by token. */
const FUNCTIONS = new Map([
  [GET_ACCOUNT, getAccount],
  [GET_ACCOUNTS, getAccounts],
]);

/** A handler's failure, already a gRPC status (e.g. carrying the partly reconciled state). */
class RpcFailure {
  constructor(readonly status: Partial<grpc.ServiceError>) {}
}

function unary<Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => callback(err instanceof RpcFailure ? err.status : toServiceError(err), null),
    );
  };
}

/** Runs a create or update; a partial failure is reported with its state, secrets kept secret. */
async function recording<T>(secrets: Iterable<string>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new RpcFailure(toServiceError(err, secrets));
  }
}

function failures(list: token.Failure[]): pb.CheckFailure[] {
  return list.map((f) => new pb.CheckFailure().setProperty(f.property).setReason(displayText(f.reason)));
}

function requireTokenType(type: string, urn: string): void {
  const t = type || urn.split("::")[2] || "";
  if (t !== TOKEN_TYPE) {
    throw new Error(`the marin-social provider has no resource type "${t}"; it manages ${TOKEN_TYPE}`);
  }
}

const props = (p: Props) => encode(p.values, p.secrets);
const outputSecrets = (inputs: Props) => [...SECRET_OUTPUTS, ...inputs.secrets];

/** The service implementation over `provider`. */
export function resourceProviderService(provider: NativeProvider): IResourceProviderServer {
  let schema: string | undefined;
  return {
    handshake: unary(async (req: pb.ProviderHandshakeRequest) => {
      provider.log.connect(req.getEngineAddress());
      return new pb.ProviderHandshakeResponse()
        .setAcceptSecrets(true)
        .setAcceptResources(false)
        .setAcceptOutputs(false)
        .setSupportsAutonamingConfiguration(false);
    }),
    parameterize: (_call, callback) => callback(unimplemented("Parameterize"), null),
    getSchema: unary(async (req: pb.GetSchemaRequest) => {
      if (req.getSubpackageName()) throw new Error(`the marin-social package has no sub-package "${req.getSubpackageName()}"`);
      schema ??= JSON.stringify(packageSchema());
      return new pb.GetSchemaResponse().setSchema(schema);
    }),
    checkConfig: unary(async (req: pb.CheckRequest) => {
      const news = decode(req.getNews());
      const checked = checkConfig(news);
      for (const warning of checked.warnings) await provider.log.log(req.getUrn(), "warn", warning);
      const declared = resourcesInProjectYamlAbove(TOKEN_TYPE, SUPPORTED_STACK_TOKENS.resources);
      const size = declared === undefined ? undefined : stackSizeWarning(declared, "resources");
      if (size) await provider.log.log(req.getUrn(), "warn", size);
      if (typeof news.values.apiKey === "string" && isPlainInStackConfig(`${PACKAGE}:apiKey`, req.getUrn())) {
        await provider.log.log(req.getUrn(), "warn", plaintextApiKeyWarning(/^urn:pulumi:(.+?)::/.exec(req.getUrn())?.[1]));
      }
      return new pb.CheckResponse().setInputs(encode(news.values, checked.secrets)).setFailuresList(failures(checked.failures));
    }),
    diffConfig: unary(async (req: pb.DiffRequest) => {
      const olds = decode(req.getOldInputs() ?? req.getOlds()).values;
      const news = decode(req.getNews()).values;
      const changed = CONFIG_KEYS.filter((k) => !sameValue(olds[k], news[k]));
      const res = new pb.DiffResponse()
        .setChanges(changed.length > 0 ? pb.DiffResponse.DiffChanges.DIFF_SOME : pb.DiffResponse.DiffChanges.DIFF_NONE)
        .setDiffsList(changed)
        .setHasdetaileddiff(true);
      for (const k of changed) res.getDetaileddiffMap().set(k, new pb.PropertyDiff().setKind(pb.PropertyDiff.Kind.UPDATE).setInputdiff(true));
      return res;
    }),
    configure: unary(async (req: pb.ConfigureRequest) => {
      let values = decode(req.getArgs()).values;
      if (!req.hasArgs()) {
        // An engine that sends only the older `variables` map, keyed `marin-social:config:<key>`.
        values = {};
        const prefix = `${PACKAGE}:config:`;
        req.getVariablesMap().forEach((v, k) => {
          if (k.startsWith(prefix)) values[k.slice(prefix.length)] = v;
        });
      }
      await provider.configure(values);
      return new pb.ConfigureResponse().setAcceptsecrets(true).setSupportspreview(true).setAcceptresources(false).setAcceptoutputs(false);
    }),
    invoke: unary(async (req: pb.InvokeRequest) => {
      const fn = FUNCTIONS.get(req.getTok());
      if (!fn) throw new Error(`the marin-social provider has no function "${req.getTok()}"; it has ${[...FUNCTIONS.keys()].join(", ")}`);
      const args = decode(req.getArgs());
      const out = await fn(() => provider.api(), args.values);
      const res = new pb.InvokeResponse().setFailuresList(failures(out.failures));
      if (out.result) res.setReturn(encode(out.result, args.secrets.size > 0 ? Object.keys(out.result) : []));
      return res;
    }),
    call: (_call, callback) => callback(unimplemented("Call"), null),
    check: unary(async (req: pb.CheckRequest) => {
      requireTokenType(req.getType(), req.getUrn());
      const out = await token.check(provider.tokens, req.getUrn(), decode(req.getOlds()), decode(req.getNews()));
      return new pb.CheckResponse().setInputs(props(out.inputs)).setFailuresList(failures(out.failures));
    }),
    diff: unary(async (req: pb.DiffRequest) => {
      requireTokenType(req.getType(), req.getUrn());
      const d = await token.diff(
        provider.tokens,
        req.getUrn(),
        req.getId(),
        decode(req.getOldInputs()),
        decode(req.getOlds()),
        decode(req.getNews()),
        req.getIgnorechangesList(),
      );
      const res = new pb.DiffResponse()
        .setChanges(d.changes ? pb.DiffResponse.DiffChanges.DIFF_SOME : pb.DiffResponse.DiffChanges.DIFF_NONE)
        .setReplacesList(d.replaces)
        .setStablesList(d.stables)
        .setDiffsList(Object.keys(d.detailed))
        .setDeletebeforereplace(false)
        .setHasdetaileddiff(true);
      for (const [k, v] of Object.entries(d.detailed)) res.getDetaileddiffMap().set(k, new pb.PropertyDiff().setKind(v.kind).setInputdiff(v.inputDiff));
      return res;
    }),
    create: unary(async (req: pb.CreateRequest) => {
      requireTokenType(req.getType(), req.getUrn());
      const news = decode(req.getProperties());
      const out = await recording(outputSecrets(news), () => token.create(provider.tokens, req.getUrn(), news, req.getPreview()));
      return new pb.CreateResponse().setId(out.id).setProperties(props(out.outputs));
    }),
    read: unary(async (req: pb.ReadRequest) => {
      requireTokenType(req.getType(), req.getUrn());
      // An import: a Read with nothing recorded. One account, one resource, also across imports.
      if (!req.hasProperties() || Object.keys(req.getProperties()!.toJavaScript()).length === 0) {
        if (!req.hasInputs() || Object.keys(req.getInputs()!.toJavaScript()).length === 0) {
          await refuseManagedImport(req.getUrn(), req.getId(), (m) => provider.log.log(req.getUrn(), "warn", m));
        }
      }
      const out = await token.read(provider.tokens, req.getUrn(), req.getId(), decode(req.getProperties()), decode(req.getInputs()));
      const res = new pb.ReadResponse().setId(out.id);
      if (out.id) res.setProperties(props(out.outputs)).setInputs(props(out.inputs));
      return res;
    }),
    list: (call) => call.emit("error", unimplemented("List")),
    update: unary(async (req: pb.UpdateRequest) => {
      requireTokenType(req.getType(), req.getUrn());
      const news = decode(req.getNews());
      const out = await recording(outputSecrets(news), () =>
        token.update(provider.tokens, req.getUrn(), req.getId(), decode(req.getOlds()), news, req.getPreview()),
      );
      return new pb.UpdateResponse().setProperties(props(out));
    }),
    // Deleting a PublisherToken only stops managing it: a revoked token cannot be un-revoked.
    delete: unary(async () => new Empty()),
    construct: unary(async (req: pb.ConstructRequest) => {
      if (req.getType() !== OFFBOARDING_TYPE) throw new Error(`the marin-social provider has no component "${req.getType()}"; it has ${OFFBOARDING_TYPE}`);
      const { desired, failures: bad } = checkOffboardingInputs(decode(req.getInputs()).values);
      if (!desired) throw new Error(`Offboarding "${req.getName()}": ${bad.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
      // Only Construct needs the Pulumi Node.js SDK (construct.ts, offboarding.ts), and loading it
      // costs about 80 MB of RSS (35-40 MB of heap): loaded here, at the first Construct, a plugin
      // that only serves tokens never pays it.
      const { construct } = require("./construct") as typeof import("./construct");
      const { Offboarding } = require("./offboarding") as typeof import("./offboarding");
      return construct(req, provider.log.address, async ({ name, opts }) => {
        const plan = await offboardingPlan(provider.api(), desired);
        // A refused plan builds a component with no child, logging the refusal as an error against
        // it and failing `pulumi up` through a resource hook (offboarding.ts). Failing the Construct
        // instead would fail the preview (and so the up) or, in up, stop the program's other
        // resources: measured in test/e2e/offboarding-native.test.ts.
        const resource = new Offboarding(name, desired, plan, opts);
        return { resource, outputs: { person: desired.person, accounts: resource.accounts, kept: resource.kept } };
      });
    }),
    cancel: unary(async () => new Empty()),
    getPluginInfo: unary(async () => new PluginInfo().setVersion(VERSION)),
    attach: unary(async (req: PluginAttach) => {
      provider.log.connect(req.getAddress());
      return new Empty();
    }),
    getMapping: unary(async () => new pb.GetMappingResponse().setProvider("").setData("")),
    getMappings: unary(async () => new pb.GetMappingsResponse().setProvidersList([])),
  };
}
