/**
 * A stack whose name makes `pulumi:<project>/<stack>` longer than the API's Actor limit (200):
 * preview and up of the repository's program both pass, and up records the shortened actor,
 * which the next preview recognises as this stack's (no drift, nothing to do).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { pulumiActor } from "../../provider/core";
import { testSandbox, type TestSandbox } from "../support/sandbox";
import { preview, up, type StackSpec } from "./index";

const ROOT = path.resolve(__dirname, "..", "..");
const TYPE = "pulumi-nodejs:dynamic/marin-social:PublisherToken";
const STACK = `offboarding-${"x".repeat(177)}z`;

let sb: TestSandbox;
let tmp: string;
let spec: StackSpec;

beforeAll(async () => {
  sb = await testSandbox();
  tmp = mkdtempSync(path.join(tmpdir(), "marin-long-stack-"));
  spec = {
    programDir: ROOT,
    project: "marin-social",
    stack: STACK,
    config: { "marin-social:apiUrl": sb.url },
    secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
    statePath: path.join(tmp, "state.json"),
  };
});
afterAll(async () => {
  await sb?.close();
  rmSync(tmp, { recursive: true, force: true });
});

it("previews and ups with a 190-character stack name, recording an actor the API accepts", async () => {
  const p = await preview(spec);
  expect(p.errors).toEqual([]);
  expect(p.exitCode).toBe(0);

  const u = await up(spec);
  expect(u.errors).toEqual([]);
  expect(u.exitCode).toBe(0);
  const actor = pulumiActor("marin-social", STACK);
  expect(actor).toHaveLength(200);
  expect((await sb.admin.getAccount("fb-1001")).token).toMatchObject({ valid: false, invalidatedBy: actor });

  const again = await preview(spec);
  expect(again.errors).toEqual([]);
  expect(again.steps.filter((s) => s.type === TYPE && s.op !== "same")).toEqual([]);
});
