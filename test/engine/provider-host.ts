/**
 * The SDK's dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`), started as the Pulumi
 * engine starts the `pulumi-nodejs` resource plugin, and a typed client of its ResourceProvider
 * gRPC service that marshals property bags the way the engine does for it.
 */
import type * as grpcTypes from "@grpc/grpc-js";
import { Child, childEnv } from "./processes";
import { emptyPb, grpc, providerGrpcPb, providerPb, resolveFrom, statusPb, structPb } from "./sdk";
import { annotateSecrets, makeSecret, marshalForProvider, type PropertyMap } from "./values";

/** A failed check: which property and why. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** An Error from a provider call: `message` is the provider's own message, `code` the gRPC status code. */
export interface ProviderCallError extends Error {
  /** gRPC status code (2 = UNKNOWN for a thrown error, 14 = UNAVAILABLE when the host died, ...). */
  code: number;
  /** The gRPC method, e.g. "create". */
  method: string;
  /**
   * Set when create or update failed after partly succeeding: the provider threw an error with
   * `id` and `properties`, which the host sends as ErrorResourceInitFailed. The engine records the
   * resource with these properties and its init errors, and updates it on the next run.
   */
  initFailed?: { id: string; properties: PropertyMap; reasons: string[] };
}

/** Decodes ErrorResourceInitFailed from a gRPC error's `grpc-status-details-bin`, if present. */
function initFailure(err: grpcTypes.ServiceError): ProviderCallError["initFailed"] {
  const bin = err.metadata?.get("grpc-status-details-bin")[0];
  if (!bin || typeof bin === "string") return undefined;
  const status = statusPb.Status.deserializeBinary(new Uint8Array(bin));
  for (const any of status.getDetailsList()) {
    if (!any.getTypeUrl().endsWith("pulumirpc.ErrorResourceInitFailed")) continue;
    const detail = providerPb.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
    return { id: detail.getId(), properties: fromStruct(detail.getProperties()), reasons: detail.getReasonsList() };
  }
  return undefined;
}

/** One recorded call, for asserting order: `start` and `end` events carry a shared sequence. */
export interface CallEvent {
  seq: number;
  phase: "start" | "end";
  method: string;
  urn: string;
  ok?: boolean;
}

/** Options of `startProviderHost`. */
export interface ProviderHostOptions {
  /** Working directory: the program directory (the SDK is resolved from here). */
  cwd: string;
  /** Extra environment for the host. */
  env?: Record<string, string>;
  /** Project name, exported as PULUMI_NODEJS_PROJECT/PULUMI_PROJECT as the engine does (bare config keys resolve against it). */
  project?: string;
  /** Full stack config (`ns:key` -> value), exported as PULUMI_CONFIG as the engine does for dynamic providers. */
  config?: Record<string, string>;
  /** Engine address passed as the host's argument (it is not dialed by the host). Default "127.0.0.1:0". */
  engineAddress?: string;
  /** How long to wait for the port line; default 30000 ms. */
  startTimeoutMs?: number;
  /** Deadline of each provider call; default 60000 ms. */
  callTimeoutMs?: number;
}

type AnyMessage = { toObject(): unknown };

function nameOf(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

function typeOf(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").pop() ?? qualified;
}

function toStruct(props: PropertyMap): InstanceType<typeof structPb.Struct> {
  return structPb.Struct.fromJavaScript(props as Record<string, never>);
}

function fromStruct(s: InstanceType<typeof structPb.Struct> | undefined): PropertyMap {
  return s ? (s.toJavaScript() as PropertyMap) : {};
}

/**
 * A running dynamic-provider host. Property bags passed in may hold wrapped secrets and resource
 * references: like the engine, the client unwraps what the host did not accept in Configure and
 * copies secretness back onto the results (`annotateSecrets`).
 */
export class ProviderHost {
  /** Process id of the host. */
  readonly pid: number;
  /** Port the host serves on (127.0.0.1). */
  readonly port: number;
  /** Every call made, in order (start and end events). */
  readonly calls: CallEvent[] = [];
  private readonly child: Child;
  private readonly client: InstanceType<typeof providerGrpcPb.ResourceProviderClient>;
  private readonly callTimeoutMs: number;
  private acceptSecrets = false;
  private acceptResources = false;
  private configured: Promise<void> | undefined;
  private seq = 0;

  /** @internal use startProviderHost */
  constructor(child: Child, port: number, callTimeoutMs: number) {
    this.child = child;
    this.pid = child.pid;
    this.port = port;
    this.callTimeoutMs = callTimeoutMs;
    this.client = new providerGrpcPb.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  /** True while the host process runs. */
  get alive(): boolean {
    return this.child.exitStatus() === undefined;
  }

  /** Everything the host wrote to stderr (the SDK logs provider errors with stacks there). */
  stderr(): string {
    return this.child.stderr();
  }

  /** Everything the host wrote to stdout after its port line (console.log from provider code). */
  stdout(): string {
    return this.child.stdout().split("\n").slice(1).join("\n");
  }

  private outgoing(props: PropertyMap): PropertyMap {
    return marshalForProvider(props, { keepSecrets: this.acceptSecrets, keepResources: this.acceptResources }) as PropertyMap;
  }

  private incoming(result: PropertyMap, ...secretSources: PropertyMap[]): PropertyMap {
    if (!this.acceptSecrets) for (const src of secretSources) annotateSecrets(result, src);
    return result;
  }

  private unary<Res extends AnyMessage>(method: string, urn: string, request: unknown): Promise<Res> {
    const seq = ++this.seq;
    this.calls.push({ seq, phase: "start", method, urn });
    return new Promise<Res>((resolve, reject) => {
      const deadline = new Date(Date.now() + this.callTimeoutMs);
      const fn = (this.client as unknown as Record<string, Function>)[method];
      if (typeof fn !== "function") throw new Error(`no such provider method: ${method}`);
      fn.call(this.client, request, new grpc.Metadata(), { deadline }, (err: grpcTypes.ServiceError | null, res: Res) => {
        this.calls.push({ seq, phase: "end", method, urn, ok: !err });
        if (!err) {
          resolve(res);
          return;
        }
        const fail = (message: string): void => {
          const e = new Error(message) as ProviderCallError;
          e.code = err.code;
          e.method = method;
          const partial = initFailure(err);
          if (partial) e.initFailed = partial;
          reject(e);
        };
        const details = err.details || err.message;
        if (err.code !== grpc.status.UNAVAILABLE && err.code !== grpc.status.CANCELLED) {
          fail(details);
          return;
        }
        // A dropped connection usually means the host died: say so, with how it ended.
        const grace = new Promise<undefined>((r) => setTimeout(() => r(undefined), 500));
        void Promise.race([this.child.exited, grace]).then((st) =>
          fail(st ? `dynamic-provider host exited (code ${st.code}, signal ${st.signal}) during ${method}: ${details}` : details),
        );
      });
    });
  }

  /**
   * Configure, as the engine calls it once for the default `pulumi-nodejs` provider: `args` is the
   * whole stack config keyed by full keys (`ns:key`), secret values wrapped as secrets; `variables`
   * carries the plaintext. Records what the host accepts (it answers acceptSecrets=false).
   */
  async configure(config: Record<string, string>, secretKeys: readonly string[] = []): Promise<void> {
    const run = async (): Promise<void> => {
      const args: PropertyMap = {};
      const req = new providerPb.ConfigureRequest();
      for (const [k, v] of Object.entries(config)) {
        args[k] = secretKeys.includes(k) ? makeSecret(v) : v;
        req.getVariablesMap().set(k, v);
      }
      req.setArgs(toStruct(args));
      req.setAcceptsecrets(true);
      req.setAcceptresources(true);
      req.setSendsOldInputs(true);
      req.setSendsOldInputsToDelete(true);
      const res = await this.unary<InstanceType<typeof providerPb.ConfigureResponse>>("configure", "", req);
      this.acceptSecrets = res.getAcceptsecrets();
      this.acceptResources = res.getAcceptresources();
    };
    this.configured = run();
    return this.configured;
  }

  private async ensureConfigured(): Promise<void> {
    // The engine always configures a provider before using it; do the same with an empty config.
    await (this.configured ?? this.configure({}));
  }

  /** Check(urn, olds, news): the checked inputs (secretness copied from `news`) and any failures. */
  async check(urn: string, olds: PropertyMap, news: PropertyMap): Promise<{ inputs: PropertyMap; failures: CheckFailure[] }> {
    await this.ensureConfigured();
    const req = new providerPb.CheckRequest();
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setOlds(toStruct(this.outgoing(olds)));
    req.setNews(toStruct(this.outgoing(news)));
    const res = await this.unary<InstanceType<typeof providerPb.CheckResponse>>("check", urn, req);
    const inputs = this.incoming(fromStruct(res.getInputs()), news);
    const failures = res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() }));
    return { inputs, failures };
  }

  /** Diff(id, urn, olds = old outputs, news = checked inputs, oldInputs). */
  async diff(
    id: string,
    urn: string,
    olds: PropertyMap,
    news: PropertyMap,
    oldInputs: PropertyMap = {},
  ): Promise<{ changes: "none" | "some" | "unknown"; replaces: string[]; deleteBeforeReplace: boolean; diffs: string[] }> {
    await this.ensureConfigured();
    const req = new providerPb.DiffRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setOlds(toStruct(this.outgoing(olds)));
    req.setNews(toStruct(this.outgoing(news)));
    req.setOldInputs(toStruct(this.outgoing(oldInputs)));
    const res = await this.unary<InstanceType<typeof providerPb.DiffResponse>>("diff", urn, req);
    const C = providerPb.DiffResponse.DiffChanges;
    const changes = res.getChanges() === C.DIFF_NONE ? "none" : res.getChanges() === C.DIFF_SOME ? "some" : "unknown";
    return {
      changes,
      replaces: res.getReplacesList(),
      deleteBeforeReplace: res.getDeletebeforereplace(),
      diffs: res.getDiffsList(),
    };
  }

  /** Create(urn, props): the new id and output properties (secretness copied from `props`). */
  async create(urn: string, props: PropertyMap, opts: { preview?: boolean } = {}): Promise<{ id: string; properties: PropertyMap }> {
    await this.ensureConfigured();
    const req = new providerPb.CreateRequest();
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setProperties(toStruct(this.outgoing(props)));
    req.setPreview(opts.preview === true);
    const res = await this.unary<InstanceType<typeof providerPb.CreateResponse>>("create", urn, req);
    return { id: res.getId(), properties: this.incoming(fromStruct(res.getProperties()), props) };
  }

  /**
   * Read(id, urn, props = current outputs, inputs): "" as id means the resource is gone.
   * `inputs` is present only when the provider returned them.
   */
  async read(
    id: string,
    urn: string,
    props: PropertyMap,
    inputs?: PropertyMap,
  ): Promise<{ id: string; properties: PropertyMap; inputs?: PropertyMap }> {
    await this.ensureConfigured();
    const req = new providerPb.ReadRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setProperties(toStruct(this.outgoing(props)));
    req.setInputs(toStruct(this.outgoing(inputs ?? {})));
    const res = await this.unary<InstanceType<typeof providerPb.ReadResponse>>("read", urn, req);
    const out: { id: string; properties: PropertyMap; inputs?: PropertyMap } = {
      id: res.getId(),
      properties: this.incoming(fromStruct(res.getProperties()), props),
    };
    if (res.hasInputs()) out.inputs = this.incoming(fromStruct(res.getInputs()), inputs ?? {});
    return out;
  }

  /** Update(id, urn, olds = old outputs, news = checked inputs, oldInputs): the new output properties. */
  async update(
    id: string,
    urn: string,
    olds: PropertyMap,
    news: PropertyMap,
    oldInputs: PropertyMap = {},
    opts: { preview?: boolean } = {},
  ): Promise<{ properties: PropertyMap }> {
    await this.ensureConfigured();
    const req = new providerPb.UpdateRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setOlds(toStruct(this.outgoing(olds)));
    req.setNews(toStruct(this.outgoing(news)));
    req.setOldInputs(toStruct(this.outgoing(oldInputs)));
    req.setPreview(opts.preview === true);
    const res = await this.unary<InstanceType<typeof providerPb.UpdateResponse>>("update", urn, req);
    return { properties: this.incoming(fromStruct(res.getProperties()), news) };
  }

  /** Delete(id, urn, props = current outputs, oldInputs). */
  async delete(id: string, urn: string, props: PropertyMap, oldInputs: PropertyMap = {}): Promise<void> {
    await this.ensureConfigured();
    const req = new providerPb.DeleteRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setName(nameOf(urn));
    req.setType(typeOf(urn));
    req.setProperties(toStruct(this.outgoing(props)));
    req.setOldInputs(toStruct(this.outgoing(oldInputs)));
    await this.unary<InstanceType<typeof emptyPb.Empty>>("delete", urn, req);
  }

  /**
   * Stops the host: closes the client and sends `signal` (default SIGKILL; with another signal,
   * SIGKILL follows after 3 s). Resolves once the process has exited.
   */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    this.client.close();
    await this.child.stop(signal);
  }
}

/**
 * Spawns `node <@pulumi/pulumi/cmd/dynamic-provider> <engine address>` in `opts.cwd` (the SDK
 * resolved from there, as the `pulumi-resource-pulumi-nodejs` plugin script does), with the
 * environment the engine gives it, and waits for the port it prints on its first stdout line.
 * Rejects with the host's stderr if it exits or stays silent past `startTimeoutMs`.
 */
export async function startProviderHost(opts: ProviderHostOptions): Promise<ProviderHost> {
  const script = resolveFrom(opts.cwd, "@pulumi/pulumi/cmd/dynamic-provider");
  const env = childEnv(
    opts.project ? { PULUMI_NODEJS_PROJECT: opts.project, PULUMI_PROJECT: opts.project } : undefined,
    opts.config ? { PULUMI_CONFIG: JSON.stringify(opts.config) } : undefined,
    opts.env,
  );
  const child = new Child(process.execPath, [script, opts.engineAddress ?? "127.0.0.1:0"], { cwd: opts.cwd, env });
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const tryLine = (): void => {
        const text = child.stdout();
        const nl = text.indexOf("\n");
        if (nl < 0) return;
        const line = text.slice(0, nl).trim();
        const port = Number(line);
        if (Number.isInteger(port) && port > 0) resolve(port);
        else reject(new Error(`dynamic-provider host printed '${line}' instead of its port; stderr:\n${child.stderr()}`));
      };
      child.onStdout(tryLine);
      tryLine();
      void child.exited.then((st) =>
        reject(new Error(`dynamic-provider host exited (code ${st.code}, signal ${st.signal}) before printing its port; stderr:\n${child.stderr()}`)),
      );
      timer = setTimeout(
        () => reject(new Error(`dynamic-provider host printed no port within ${timeoutMs} ms; stderr:\n${child.stderr()}`)),
        timeoutMs,
      );
    });
    return new ProviderHost(child, port, opts.callTimeoutMs ?? 60_000);
  } catch (err) {
    await child.stop("SIGKILL");
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
  }
}
