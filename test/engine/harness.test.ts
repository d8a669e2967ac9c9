// Self-test of the engine-protocol harness against test/fixtures/engine/counter-stack: a real
// program run through @pulumi/pulumi/cmd/run and a real dynamic-provider host, with the harness
// playing the engine. The counters live in files, so every provider call is observable.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  destroy,
  formatDiagnostics,
  isProcessAlive,
  isSecret,
  makeSecret,
  preview,
  readState,
  refresh,
  startProviderHost,
  stateText,
  up,
  UNKNOWN,
  type CallEvent,
  type RunResult,
  type StackSpec,
} from "./index";

const FIXTURE = path.join(__dirname, "../fixtures/engine/counter-stack");
const TOKEN = "tok-9f27c1d4e8b3"; // distinctive, so a scan for it cannot match by accident
const TYPE = "pulumi-nodejs:dynamic/counter:Counter";
const urnOf = (name: string, stack = "dev"): string => `urn:pulumi:${stack}::counter-stack::${TYPE}::${name}`;

function makeSpec(dir: string, config: Record<string, string>, extra: Partial<StackSpec> = {}): StackSpec {
  return {
    programDir: FIXTURE,
    project: "counter-stack",
    stack: "dev",
    statePath: path.join(dir, "state.json"),
    config: { dir, ...config },
    secretConfig: { token: TOKEN },
    ...extra,
  };
}

function counterFile(dir: string, name: string): { count: number } | undefined {
  const f = path.join(dir, `${name}.json`);
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, "utf8")) as { count: number }) : undefined;
}

function methods(r: RunResult): string[] {
  return (r.providerHost?.calls ?? []).filter((c) => c.phase === "start").map((c) => c.method);
}

/** Every process the operation started has exited. */
function expectStopped(r: RunResult): void {
  const pids = [r.programPid, r.providerHost?.pid].filter((p): p is number => p !== undefined);
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) expect(isProcessAlive(pid), `process ${pid} still running`).toBe(false);
}

/** Check and Diff calls never overlap one another (the step generator's serial queue). */
function expectSerialCheckDiff(calls: CallEvent[]): number {
  let open = 0;
  let seen = 0;
  for (const c of calls) {
    if (c.method !== "check" && c.method !== "diff") continue;
    if (c.phase === "start") {
      expect(open, `${c.method} of ${c.urn} started while another check/diff was running`).toBe(0);
      open++;
      seen++;
    } else {
      open--;
    }
  }
  return seen;
}

function stepOf(r: RunResult, urn: string): { op: string; diffs?: string[] } | undefined {
  return r.steps.find((s) => s.urn === urn);
}

describe.sequential("counter stack lifecycle", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-harness-"));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("preview checks every counter one at a time, creates nothing and keeps the program's warnings with their resource", async () => {
    const r = await preview(makeSpec(dir, { start: "1", counters: "3" }));
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.steps.map((s) => `${s.op} ${s.urn.split("::").pop()}`)).toEqual(
      expect.arrayContaining(["create counter-stack-dev", "create c1", "create c2", "create c3"]),
    );
    expect(methods(r)).not.toContain("create");
    expect(counterFile(dir, "c1")).toBeUndefined();
    expect(fs.existsSync(path.join(dir, "state.json"))).toBe(false);
    expect(expectSerialCheckDiff(r.providerHost?.calls ?? [])).toBe(3);
    const warn = r.logs.find((l) => l.message === "counter c2 starts at 1");
    expect(warn).toMatchObject({ severity: "warning", urn: urnOf("c2"), source: "program" });
    expect(formatDiagnostics(r)).toContain(`  ${TYPE} (c2):\n    warning: counter c2 starts at 1`);
    // Output-only properties are unknown in a preview; the secret stack output stays secret.
    expect(r.stackOutputs.written).toBe(UNKNOWN);
    expect(isSecret(r.stackOutputs.token)).toBe(true);
    expectStopped(r);
  });

  test("up creates the counters and persists inputs and outputs, secrets wrapped, __provider as sent", async () => {
    const spec = makeSpec(dir, { start: "1", counters: "3" });
    const r = await up(spec);
    expect(r.errors).toEqual([]);
    expect(methods(r).filter((m) => m === "create")).toHaveLength(3);
    expect(counterFile(dir, "c1")).toEqual({ count: 1 });
    const state = readState(spec.statePath);
    const c1 = state.resources.find((x) => x.urn === urnOf("c1"));
    expect(c1).toMatchObject({ id: "c1", custom: true, outputs: { written: 1, count: 1, tokenLength: TOKEN.length } });
    const sent = r.registered.find((x) => x.urn === urnOf("c1"))?.inputs.__provider;
    expect(typeof sent).toBe("string");
    expect(c1?.inputs.__provider).toBe(sent);
    expect(c1?.outputs.__provider).toBe(sent);
    expect(state.outputs).toMatchObject({ written: 1, tokenLength: TOKEN.length });
    expect(state.outputs.token).toEqual(makeSecret(TOKEN));
    expect(stateText(spec.statePath)).not.toContain(TOKEN);
    expect(stateText(spec.statePath)).toContain('"ciphertext": "[secret]"');
    expectStopped(r);
  });

  test("a second up finds nothing to do: every step is 'same' and no Create or Update runs", async () => {
    const r = await up(makeSpec(dir, { start: "1", counters: "3" }));
    expect(r.errors).toEqual([]);
    expect(new Set(r.steps.map((s) => s.op))).toEqual(new Set(["same"]));
    expect(r.steps.every((s) => s.diffs === undefined)).toBe(true);
    expect(methods(r)).not.toContain("create");
    expect(methods(r)).not.toContain("update");
    expect(expectSerialCheckDiff(r.providerHost?.calls ?? [])).toBe(6);
  });

  test("changing config updates the counters in place", async () => {
    const spec = makeSpec(dir, { start: "2", counters: "3" });
    const r = await up(spec);
    expect(r.errors).toEqual([]);
    expect(stepOf(r, urnOf("c1"))).toEqual({ urn: urnOf("c1"), type: TYPE, op: "update", diffs: ["count"] });
    expect(methods(r)).not.toContain("create");
    expect(counterFile(dir, "c1")).toEqual({ count: 2 });
    expect(readState(spec.statePath).outputs.written).toBe(2);
  });

  test("refresh reports a counter edited out of band and drops one deleted out of band", async () => {
    fs.writeFileSync(path.join(dir, "c1.json"), JSON.stringify({ count: 7 }));
    fs.rmSync(path.join(dir, "c3.json"));
    const spec = makeSpec(dir, { start: "2", counters: "3" });
    const r = await refresh(spec);
    expect(r.errors).toEqual([]);
    expect(r.changes).toEqual([
      { urn: urnOf("c1"), gone: false, diffs: { written: { old: 2, new: 7 } } },
      { urn: urnOf("c3"), gone: true, diffs: {} },
    ]);
    const state = readState(spec.statePath);
    expect(state.resources.find((x) => x.urn === urnOf("c1"))?.outputs.written).toBe(7);
    expect(state.resources.map((x) => x.urn)).not.toContain(urnOf("c3"));
    expectStopped(r);
  });

  test("preview --refresh reports drift but leaves the state file alone", async () => {
    const spec = makeSpec(dir, { start: "2", counters: "3" });
    const before = fs.readFileSync(spec.statePath, "utf8");
    fs.writeFileSync(path.join(dir, "c2.json"), JSON.stringify({ count: 9 }));
    const r = await preview(spec, { refresh: true });
    expect(r.errors).toEqual([]);
    expect(r.changes).toEqual([{ urn: urnOf("c2"), gone: false, diffs: { written: { old: 2, new: 9 } } }]);
    expect(methods(r)).not.toContain("update");
    expect(fs.readFileSync(spec.statePath, "utf8")).toBe(before);
  });

  test("counters the program no longer declares are deleted after it succeeds", async () => {
    const spec = makeSpec(dir, { start: "2", counters: "1" });
    const r = await up(spec);
    expect(r.errors).toEqual([]);
    // c3 is no longer in the state (refresh found it gone), so only c2 is deleted.
    expect(r.steps.filter((s) => s.op === "delete").map((s) => s.urn)).toEqual([urnOf("c2")]);
    expect(methods(r).filter((m) => m === "delete")).toHaveLength(1);
    expect(counterFile(dir, "c2")).toBeUndefined();
    expect(counterFile(dir, "c1")).toEqual({ count: 7 });
    expect(readState(spec.statePath).resources.map((x) => x.urn)).not.toContain(urnOf("c3"));
  });

  test("destroy deletes what is left and empties the state", async () => {
    const spec = makeSpec(dir, { start: "2", counters: "1" });
    const r = await destroy(spec);
    expect(r.errors).toEqual([]);
    expect(methods(r)).toEqual(["configure", "delete"]);
    expect(counterFile(dir, "c1")).toBeUndefined();
    expect(readState(spec.statePath)).toEqual({ resources: [], outputs: {} });
  });
});

describe("independent stacks, run side by side", () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "engine-harness-fail-"));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test.concurrent("a failed check fails the registration and the run, reported against the resource", async () => {
    const dir = tmp();
    const r = await up(makeSpec(dir, { start: "-1" }));
    const message = `${TYPE} resource 'c1': property count value {-1} has a problem: must be >= 0`;
    expect(r.exitCode).toBe(255);
    expect(r.errors).toEqual([message]);
    expect(r.logs).toContainEqual({ severity: "error", message, urn: urnOf("c1"), streamId: 0, ephemeral: false, source: "engine" });
    expect(methods(r)).not.toContain("create");
    expect(readState(path.join(dir, "state.json")).resources.map((x) => x.urn)).not.toContain(urnOf("c1"));
    expectStopped(r);
  });

  test.concurrent("a program that logs an error fails the run and deletes nothing", async () => {
    const r = await up(makeSpec(tmp(), { start: "1", logError: "true" }));
    expect(r.exitCode).toBe(255);
    expect(r.programExitCode).toBe(32);
    expect(r.errors).toContain("the fixture was asked to fail");
    expect(r.steps.some((s) => s.op === "delete")).toBe(false);
    expectStopped(r);
  });

  test.concurrent("a TypeScript program runs through ts-node, as the CLI runs it by default", async () => {
    const dir = tmp();
    const r = await up({
      programDir: path.join(__dirname, "../fixtures/engine/ts-stack"),
      project: "ts-stack",
      stack: "dev",
      statePath: path.join(dir, "state.json"),
      config: { message: "hello, engine" },
    });
    expect(r.errors).toEqual([]);
    expect(r.stackOutputs).toEqual({ length: "hello, engine".length });
    expectStopped(r);
  });

  test.concurrent("a program that never exits is killed at the deadline", async () => {
    const r = await preview(makeSpec(tmp(), { start: "1", hang: "true" }, { timeoutMs: 6000 }));
    expect(r.exitCode).toBe(255);
    expect(r.errors.join("\n")).toMatch(/did not finish within 6000 ms/);
    expectStopped(r);
  });
});

describe("provider host, driven directly", () => {
  let dir: string;
  let providerText: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-harness-host-"));
    // The serialized provider exactly as the program sends it, taken from a preview.
    const r = await preview(makeSpec(dir, { start: "1" }));
    const sent = r.registered.find((x) => x.urn === urnOf("c1"))?.inputs.__provider;
    if (typeof sent !== "string") throw new Error(`no __provider in the preview: ${r.errors.join("; ")}`);
    providerText = sent;
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("configure, check, create, diff, update, read and delete work, and errors carry the provider's message", async () => {
    const host = await startProviderHost({ cwd: FIXTURE, project: "counter-stack" });
    try {
      await host.configure({ "counter-stack:dir": dir, "counter-stack:token": TOKEN }, ["counter-stack:token"]);
      const urn = urnOf("x1", "low");
      const base = { __provider: providerText, label: "x1" };

      expect((await host.check(urn, {}, { ...base, count: -5 })).failures).toEqual([{ property: "count", reason: "must be >= 0" }]);
      const checked = await host.check(urn, {}, { ...base, count: 3, note: makeSecret("shh") });
      expect(checked.failures).toEqual([]);
      expect(checked.inputs.note).toEqual(makeSecret("shh")); // the host got plaintext; secretness is copied back

      const created = await host.create(urn, checked.inputs);
      expect(created.id).toBe("x1");
      expect(created.properties).toMatchObject({ written: 3, tokenLength: TOKEN.length, __provider: providerText });
      expect(counterFile(dir, "x1")).toEqual({ count: 3 });

      const news = { ...checked.inputs, count: 4 };
      expect(await host.diff("x1", urn, created.properties, news, checked.inputs)).toEqual({
        changes: "some", replaces: [], deleteBeforeReplace: false, diffs: [],
      });
      expect((await host.diff("x1", urn, created.properties, { ...news, label: "x2" })).replaces).toEqual(["label"]);
      const updated = await host.update("x1", urn, created.properties, news, checked.inputs);
      expect(updated.properties.written).toBe(4);

      fs.writeFileSync(path.join(dir, "x1.json"), JSON.stringify({ count: 11 }));
      expect((await host.read("x1", urn, updated.properties)).properties.written).toBe(11);

      await expect(
        host.update("x1", urn, { ...updated.properties, file: path.join(dir, "missing", "x1.json") }, news),
      ).rejects.toMatchObject({ code: 2, method: "update", message: expect.stringContaining("ENOENT") });

      await host.delete("x1", urn, updated.properties, news);
      expect(counterFile(dir, "x1")).toBeUndefined();
      expect((await host.read("x1", urn, updated.properties)).id).toBe("");
    } finally {
      await host.kill();
    }
    expect(isProcessAlive(host.pid)).toBe(false);
    expect(host.alive).toBe(false);
  });
});
