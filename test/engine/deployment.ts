/**
 * The engine's side of one `pulumi preview` / `pulumi up`: turns the program's RegisterResource
 * calls into steps against the dynamic-provider host, the way the Pulumi step generator and step
 * executor do, and produces the new state.
 *
 * - Check and Diff run one resource at a time across all registrations (a serial queue, like the
 *   step generator, pulumi/pulumi#3302); Create/Update/Read/Delete run concurrently up to `parallel`.
 * - Preview calls no Create/Update/Delete (the host does not support preview): a create or update
 *   answers the program with the checked inputs as outputs (the SDK treats missing output
 *   properties as unknown), a same step with the old outputs.
 * - After a failed step the deployment is cancelled: later registrations get UNAVAILABLE, and
 *   nothing is deleted at the end.
 */
import { randomUUID } from "node:crypto";
import type { ProviderHost } from "./provider-host";
import type { ResolvedSpec } from "./project";
import { Limiter, SerialQueue } from "./queues";
import type { State, StateResource } from "./state";
import type { LogEntry, Registration, Step } from "./types";
import {
  changedKeys,
  clone,
  hideSecrets,
  markSecretKeys,
  marshalForProvider,
  removeSecrets,
  sameValue,
  type PropertyMap,
} from "./values";

/** Type prefix of resources served by the SDK's dynamic-provider host. */
export const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";
/** The root stack resource's type. */
export const STACK_TYPE = "pulumi:pulumi:Stack";

/** gRPC status codes used in answers to the program. */
export const Code = { UNKNOWN: 2, NOT_FOUND: 5, UNIMPLEMENTED: 12, UNAVAILABLE: 14 } as const;

/** An error to answer a monitor call with. */
export class EngineError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** What the monitor hands over from a RegisterResourceRequest. */
export interface RegisterArgs {
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  remote: boolean;
  object: PropertyMap;
  provider: string;
  dependencies: string[];
  additionalSecretOutputs: string[];
  ignoreChanges: string[];
  replaceOnChanges: string[];
  deleteBeforeReplace: boolean;
  acceptSecrets: boolean;
  acceptResources: boolean;
  importId: string;
  protect: boolean;
  retainOnDelete: boolean;
}

/** What the monitor hands over from a ReadResourceRequest. */
export interface ReadArgs {
  type: string;
  name: string;
  parent: string;
  id: string;
  properties: PropertyMap;
  provider: string;
  dependencies: string[];
  additionalSecretOutputs: string[];
  acceptSecrets: boolean;
  acceptResources: boolean;
}

interface Plan {
  op: "create" | "update" | "same" | "replace";
  inputs: PropertyMap;
  diffs: string[];
  deleteBeforeReplace: boolean;
}

/** Options of a Deployment. */
export interface DeploymentOptions {
  rs: ResolvedSpec;
  dryRun: boolean;
  old: State;
  /** The started and configured provider host (started on first use). */
  getHost: () => Promise<ProviderHost>;
  /** Called once, on the first failed step. */
  onFailure?: () => void;
}

function describeValue(v: unknown): string {
  return JSON.stringify(hideSecrets(v) ?? null);
}

/** The dynamic step logic of one preview/up run. */
export class Deployment {
  readonly logs: LogEntry[] = [];
  readonly steps: Step[] = [];
  readonly registered: Registration[] = [];
  readonly errors: string[] = [];
  /** True once a step failed (the deployment is then cancelled). */
  failed = false;
  /** URN set with Engine.SetRootResource. */
  rootUrn = "";
  private readonly olds = new Map<string, StateResource>();
  private readonly oldOrder: StateResource[];
  private readonly oldOutputs: PropertyMap;
  private readonly news = new Map<string, StateResource>();
  private readonly newOrder: string[] = [];
  private readonly reserved = new Set<string>();
  private readonly deleted = new Set<StateResource>();
  private readonly pendingDeletes: StateResource[] = [];
  private stackOutputs: PropertyMap | undefined;
  private readonly serial = new SerialQueue();
  private readonly limiter: Limiter;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly providerRef: string;

  constructor(private readonly opts: DeploymentOptions) {
    this.limiter = new Limiter(opts.rs.parallel);
    this.oldOrder = opts.old.resources;
    this.oldOutputs = opts.old.outputs;
    for (const r of opts.old.resources) {
      if (r.pendingDelete) this.pendingDeletes.push(r);
      else this.olds.set(r.urn, r);
    }
    const providerUrn = `urn:pulumi:${opts.rs.stack}::${opts.rs.project}::pulumi:providers:pulumi-nodejs::default`;
    const existing = opts.old.resources.find((r) => r.provider?.startsWith(`${providerUrn}::`))?.provider;
    this.providerRef = existing ?? `${providerUrn}::${randomUUID()}`;
  }

  /** The URN the engine gives a resource: parent types are prefixed, except the root stack's. */
  urnFor(type: string, name: string, parent: string): string {
    let qualified = type;
    if (parent) {
      const parentQualified = parent.split("::")[2] ?? "";
      if (parentQualified !== STACK_TYPE) qualified = `${parentQualified}$${type}`;
    }
    return `urn:pulumi:${this.opts.rs.stack}::${this.opts.rs.project}::${qualified}::${name}`;
  }

  /** Records a program log message (Engine.Log). */
  programLog(entry: Omit<LogEntry, "source">): void {
    this.logs.push({ ...entry, source: "program" });
    if (entry.severity === "error") this.errors.push(entry.message);
  }

  /** Records an engine diagnostic against `urn` and the error list; marks the deployment failed. */
  fail(urn: string, message: string): void {
    this.logs.push({ severity: "error", message, urn, streamId: 0, ephemeral: false, source: "engine" });
    this.errors.push(message);
    if (!this.failed) {
      this.failed = true;
      this.opts.onFailure?.();
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = (): void => {
      this.inflight.delete(p);
    };
    p.then(done, done);
    return p;
  }

  private cancelled(): EngineError {
    return new EngineError(Code.UNAVAILABLE, "resource monitor shut down while waiting on step's done channel");
  }

  /** Handles RegisterResource; resolves with the answer or rejects with an EngineError. */
  register(a: RegisterArgs): Promise<{ urn: string; id: string; object: PropertyMap }> {
    return this.track(this.registerInner(a));
  }

  private async registerInner(a: RegisterArgs): Promise<{ urn: string; id: string; object: PropertyMap }> {
    const urn = this.urnFor(a.type, a.name, a.parent);
    if (this.failed) throw this.cancelled();
    if (this.reserved.has(urn)) throw this.failAndThrow(urn, `Duplicate resource URN '${urn}'; try giving it a unique name`);
    this.reserved.add(urn);
    if (a.remote) throw this.failAndThrow(urn, `${a.type} (${a.name}): multi-language components are not supported by the harness`);
    if (!a.custom) return this.registerComponent(a, urn);
    if (!a.type.startsWith(DYNAMIC_PREFIX) || a.provider !== "") {
      throw this.failAndThrow(urn, `${a.type} (${a.name}): the harness serves only dynamic resources with the default pulumi-nodejs provider`);
    }
    if (a.importId) throw this.failAndThrow(urn, `${a.type} (${a.name}): import is not supported by the harness`);
    const old = this.olds.get(urn);
    let plan: Plan;
    try {
      plan = await this.serial.run(() => this.planCustom(a, urn, old));
    } catch (err) {
      if (err instanceof EngineError && err.code === Code.UNAVAILABLE) throw err;
      throw this.failAndThrow(urn, (err as Error).message);
    }
    try {
      return await this.limiter.run(() => this.applyCustom(a, urn, old, plan));
    } catch (err) {
      throw this.failAndThrow(urn, (err as Error).message);
    }
  }

  /**
   * Fails the deployment for `urn` and returns the error to answer the program with. It is
   * UNAVAILABLE, as the real engine answers registrations once a failed step cancelled the
   * deployment: the SDK then stops quietly instead of reporting (slowly) an unhandled error.
   */
  private failAndThrow(urn: string, message: string): EngineError {
    this.fail(urn, message);
    return new EngineError(Code.UNAVAILABLE, message);
  }

  private async registerComponent(a: RegisterArgs, urn: string): Promise<{ urn: string; id: string; object: PropertyMap }> {
    return this.serial.run(async () => {
      if (this.failed) throw this.cancelled();
      const old = this.olds.get(urn);
      const inputs = clone(a.object);
      const diffs = old ? changedKeys(old.inputs, inputs) : [];
      const op = !old ? "create" : diffs.length ? "update" : "same";
      const outputs = old ? clone(old.outputs) : {};
      const res: StateResource = { urn, type: a.type, custom: false, id: "", inputs, outputs };
      if (a.parent) res.parent = a.parent;
      if (a.dependencies.length) res.dependencies = a.dependencies;
      this.record(res, a, op, diffs);
      return { urn, id: "", object: this.forProgram(outputs, a) };
    });
  }

  private async planCustom(a: RegisterArgs, urn: string, old: StateResource | undefined): Promise<Plan> {
    if (this.failed) throw this.cancelled();
    const host = await this.opts.getHost();
    let news = a.object;
    if (old && a.ignoreChanges.length) {
      news = { ...news };
      for (const key of a.ignoreChanges) {
        if (key in old.inputs) news[key] = old.inputs[key];
        else delete news[key];
      }
    }
    const checked = await host.check(urn, old ? old.inputs : {}, news);
    if (checked.failures.length) {
      const msgs = checked.failures.map((f) =>
        f.property
          ? `${a.type} resource '${a.name}': property ${f.property} value {${describeValue(news[f.property])}} has a problem: ${f.reason}`
          : `${a.type} resource '${a.name}' has a problem: ${f.reason}`,
      );
      throw new Error(msgs.join("\n"));
    }
    const inputs = checked.inputs;
    if (!old) return { op: "create", inputs, diffs: [], deleteBeforeReplace: false };
    const d = await host.diff(old.id, urn, old.outputs, inputs, old.inputs);
    const inputDiffs = changedKeys(old.inputs, inputs);
    // DIFF_UNKNOWN (no diff method): the engine falls back to comparing old and new inputs.
    const changes = d.changes === "unknown" ? (inputDiffs.length ? "some" : "none") : d.changes;
    // A resource whose last create or update partly failed (init errors) is always updated.
    if (changes === "none" && !old.initErrors?.length) return { op: "same", inputs, diffs: [], deleteBeforeReplace: false };
    let diffs = d.diffs.length ? d.diffs : inputDiffs;
    if (!diffs.length) {
      diffs = Object.keys(inputs).filter((k) => !sameValue(removeSecrets(old.outputs[k]), removeSecrets(inputs[k])));
    }
    if (!diffs.length) diffs = [...d.replaces];
    const replace = d.replaces.length > 0 || a.replaceOnChanges.some((k) => k === "*" || diffs.includes(k));
    return {
      op: replace ? "replace" : "update",
      inputs,
      diffs: [...new Set(diffs)].sort(),
      deleteBeforeReplace: d.deleteBeforeReplace || a.deleteBeforeReplace,
    };
  }

  private async applyCustom(
    a: RegisterArgs,
    urn: string,
    old: StateResource | undefined,
    plan: Plan,
  ): Promise<{ urn: string; id: string; object: PropertyMap }> {
    const dry = this.opts.dryRun;
    let id: string;
    let outputs: PropertyMap;
    if (plan.op === "same" && old) {
      id = old.id;
      outputs = clone(old.outputs);
    } else if (dry) {
      id = plan.op === "update" && old ? old.id : "";
      outputs = clone(plan.inputs);
    } else {
      const host = await this.opts.getHost();
      if (plan.op === "update" && old) {
        id = old.id;
        try {
          outputs = (await host.update(old.id, urn, old.outputs, plan.inputs, old.inputs)).properties;
        } catch (err) {
          throw this.recordInitFailure(err, a, urn, plan);
        }
      } else {
        if (plan.op === "replace" && old && plan.deleteBeforeReplace) {
          if (old.protect) throw new Error(`resource ${urn} is protected and cannot be replaced`);
          await host.delete(old.id, urn, old.outputs, old.inputs);
          this.deleted.add(old);
        }
        let created: { id: string; properties: PropertyMap };
        try {
          created = await host.create(urn, plan.inputs);
        } catch (err) {
          throw this.recordInitFailure(err, a, urn, plan);
        }
        id = created.id;
        outputs = created.properties;
        if (plan.op === "replace" && old && !plan.deleteBeforeReplace) this.pendingDeletes.push(old);
      }
    }
    markSecretKeys(outputs, a.additionalSecretOutputs);
    const res: StateResource = { urn, type: a.type, custom: true, id, inputs: plan.inputs, outputs, provider: this.providerRef };
    if (a.parent) res.parent = a.parent;
    if (a.dependencies.length) res.dependencies = a.dependencies;
    if (a.additionalSecretOutputs.length) res.additionalSecretOutputs = a.additionalSecretOutputs;
    if (a.protect) res.protect = true;
    if (a.retainOnDelete) res.retainOnDelete = true;
    this.record(res, a, plan.op, plan.diffs);
    return { urn, id, object: this.forProgram(outputs, a) };
  }

  /**
   * A create or update that partly succeeded (ErrorResourceInitFailed): the engine keeps the
   * resource in state with the returned properties and the init errors, then fails the step.
   */
  private recordInitFailure(err: unknown, a: RegisterArgs, urn: string, plan: Plan): unknown {
    const partial = (err as { initFailed?: { id: string; properties: PropertyMap; reasons: string[] } }).initFailed;
    if (!partial) return err;
    const outputs = partial.properties;
    markSecretKeys(outputs, a.additionalSecretOutputs);
    const res: StateResource = { urn, type: a.type, custom: true, id: partial.id, inputs: plan.inputs, outputs, provider: this.providerRef, initErrors: partial.reasons };
    if (a.parent) res.parent = a.parent;
    if (a.additionalSecretOutputs.length) res.additionalSecretOutputs = a.additionalSecretOutputs;
    this.news.set(urn, res);
    this.newOrder.push(urn);
    return err;
  }

  private forProgram(outputs: PropertyMap, a: { acceptSecrets: boolean; acceptResources: boolean }): PropertyMap {
    return marshalForProvider(outputs, { keepSecrets: a.acceptSecrets, keepResources: a.acceptResources }) as PropertyMap;
  }

  private record(res: StateResource, a: RegisterArgs, op: Step["op"], diffs: string[]): void {
    this.news.set(res.urn, res);
    this.newOrder.push(res.urn);
    const step: Step = { urn: res.urn, type: res.type, op };
    if (op === "update" || op === "replace") step.diffs = diffs;
    this.steps.push(step);
    const reg: Registration = {
      urn: res.urn,
      type: a.type,
      name: a.name,
      custom: a.custom,
      id: res.id,
      inputs: clone(a.object),
      outputs: clone(res.outputs),
    };
    if (a.parent) reg.parent = a.parent;
    this.registered.push(reg);
  }

  /** Handles ReadResource (a `.get` of an existing resource): the provider's Read, recorded as external. */
  readResource(a: ReadArgs): Promise<{ urn: string; properties: PropertyMap }> {
    return this.track(
      (async () => {
        const urn = this.urnFor(a.type, a.name, a.parent);
        if (this.failed) throw this.cancelled();
        if (!a.type.startsWith(DYNAMIC_PREFIX) || a.provider !== "") {
          throw this.failAndThrow(urn, `${a.type} (${a.name}): the harness reads only dynamic resources`);
        }
        try {
          return await this.limiter.run(async () => {
            const host = await this.opts.getHost();
            const res = await host.read(a.id, urn, a.properties, {});
            if (res.id === "") throw new Error(`${a.type} (${a.name}): resource '${a.id}' does not exist`);
            markSecretKeys(res.properties, a.additionalSecretOutputs);
            const r: StateResource = {
              urn, type: a.type, custom: true, id: res.id, inputs: res.inputs ?? {}, outputs: res.properties,
              provider: this.providerRef, external: true,
            };
            if (a.parent) r.parent = a.parent;
            this.news.set(urn, r);
            this.newOrder.push(urn);
            this.steps.push({ urn, type: a.type, op: "read" });
            this.registered.push({ urn, type: a.type, name: a.name, custom: true, id: res.id, inputs: clone(a.properties), outputs: clone(res.properties), ...(a.parent ? { parent: a.parent } : {}) });
            return { urn, properties: this.forProgram(res.properties, a) };
          });
        } catch (err) {
          if (err instanceof EngineError) throw err;
          throw this.failAndThrow(urn, (err as Error).message);
        }
      })(),
    );
  }

  /** Handles RegisterResourceOutputs: component outputs, and the stack outputs for the root stack. */
  registerOutputs(urn: string, outputs: PropertyMap): void {
    const r = this.news.get(urn);
    if (!r) throw new EngineError(Code.NOT_FOUND, `cannot register outputs of unknown resource ${urn}`);
    r.outputs = outputs;
    const reg = this.registered.find((x) => x.urn === urn);
    if (reg) reg.outputs = clone(outputs);
    if (r.type === STACK_TYPE && !r.parent) this.stackOutputs = outputs;
  }

  /** Waits until every registration and read in flight has settled. */
  async drain(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Ends the run after the program exited. When `programOk` and no step failed, deletes (or, in a
   * preview, plans the deletion of) replaced resources and old resources the program no longer
   * registers, dependents first. Never throws: delete failures land in `errors`.
   */
  async finish(programOk: boolean): Promise<void> {
    await this.drain();
    if (!programOk || this.failed) return;
    const removals = [
      ...this.pendingDeletes.map((r) => ({ r, replaced: true })),
      ...[...this.oldOrder].reverse().filter((r) => !r.pendingDelete && !this.news.has(r.urn)).map((r) => ({ r, replaced: false })),
    ];
    for (const { r, replaced } of removals) {
      if (this.deleted.has(r)) continue;
      if (!replaced) this.steps.push({ urn: r.urn, type: r.type, op: "delete" });
      if (this.opts.dryRun) continue;
      try {
        if (r.protect) throw new Error(`resource ${r.urn} is protected; set protect: false before deleting it`);
        if (r.custom && !r.external && !r.retainOnDelete && r.type.startsWith(DYNAMIC_PREFIX)) {
          const host = await this.opts.getHost();
          await host.delete(r.id, r.urn, r.outputs, r.inputs);
        }
        this.deleted.add(r);
      } catch (err) {
        this.fail(r.urn, (err as Error).message);
        return;
      }
    }
  }

  /** The state after this run: registered resources, then old ones kept (failed run, pending deletes). */
  snapshot(): State {
    const resources: StateResource[] = this.newOrder.map((urn) => this.news.get(urn)).filter((r): r is StateResource => !!r);
    for (const r of this.oldOrder) {
      if (this.deleted.has(r)) continue;
      if (!r.pendingDelete && this.news.has(r.urn)) continue;
      resources.push(r);
    }
    for (const r of this.pendingDeletes) {
      if (!this.deleted.has(r) && !r.pendingDelete) resources.push({ ...r, pendingDelete: true });
    }
    return { resources, outputs: this.stackOutputs ?? this.oldOutputs };
  }
}
