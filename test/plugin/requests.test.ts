/**
 * Requests the plugin makes for the engine's call pattern: Check and Diff one resource at a time
 * (the engine waits for each), Create previews and Reads all at once. Targets from the issue:
 * preview ≤ 2·⌈N/100⌉+5 requests, refresh ≤ ⌈N/100⌉+5.
 */

import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READ_AHEAD_PAGE } from "../../provider/client";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { checkRequest, type Plugin, secret, startPlugin, struct, TYPE, urn } from "./support";

const N = 1000;
/** Operations the pulumi CLI runs at once by default: 4 per core (GOMAXPROCS × 4). */
const ENGINE_PARALLEL = 8;
let sb: TestSandbox;
let p: Plugin;
let ids: string[];

beforeAll(async () => {
  sb = await testSandbox();
  ({ ids } = await sb.admin.sandbox.addAccounts({ count: N, idPrefix: "bulk-", agenciesPerAccount: { min: 1, max: 3 } }));
  p = await startPlugin();
}, 60_000);
afterAll(async () => {
  await p?.close();
  await sb?.close();
});

async function requests(): Promise<{ total: number; byRoute: Record<string, Record<string, number>> }> {
  return sb.admin.sandbox.stats();
}

async function fresh(): Promise<void> {
  await sb.admin.sandbox.setFaults({ failRoutes: [] });
  await p.configure({ apiUrl: sb.url, apiKey: secret(sb.sandbox.keys.admin) });
  await sb.admin.sandbox.resetStats();
}

async function previewAll(list: string[]): Promise<void> {
  for (const id of list) {
    const res = await p.call<pb.CheckResponse>("check", checkRequest(id, { accountId: id, valid: false }));
    expect(res.getFailuresList().map((f) => f.getReason())).toEqual([]);
  }
  await Promise.all(
    list.map((id) =>
      p.call(
        "create",
        new pb.CreateRequest()
          .setUrn(urn(id))
          .setType(TYPE)
          .setProperties(struct({ accountId: id, valid: false }))
          .setPreview(true),
      ),
    ),
  );
}

describe(`requests for ${N} tokens`, () => {
  it(`preview (serial Checks, parallel Create previews) reads the list a page at a time (the client's read-ahead): ≤ 2·⌈N/100⌉+5`, async () => {
    await fresh();
    await previewAll(ids);
    const { total } = await requests();
    expect(total).toBeLessThanOrEqual(2 * Math.ceil(N / 100) + 5);
    expect(total).toBeLessThanOrEqual(Math.ceil((N + 14) / READ_AHEAD_PAGE)); // at most the whole list (demo seed included), nothing else
  });

  it("in any order: a reversed stack costs no more than a few direct reads", async () => {
    await fresh();
    await previewAll([...ids].reverse());
    expect((await requests()).total).toBeLessThanOrEqual(2 * Math.ceil(N / 100) + 5);
  });

  it(`refresh (Reads ${ENGINE_PARALLEL} at a time, the CLI's default on 2 cores) reads the list ahead: ≤ ⌈N/100⌉+5`, async () => {
    await fresh();
    const results: string[] = [];
    const queue = [...ids];
    await Promise.all(
      Array.from({ length: ENGINE_PARALLEL }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          results.push((await p.call<pb.ReadResponse>("read", new pb.ReadRequest().setUrn(urn(id)).setType(TYPE).setId(id))).getId());
        }
      }),
    );
    expect(results.sort()).toEqual([...ids].sort());
    expect((await requests()).total).toBeLessThanOrEqual(Math.ceil(N / 100) + 5);
  });

  it("a small stack in a large organization reads a bounded part of the list, not all of it", async () => {
    await fresh();
    const few = [ids[N - 1]!, ids[N - 2]!, "fb-1001"];
    await previewAll(few);
    // Check is serial, so each lookup is alone: it reads the page around its account, one request,
    // what a read of its own would cost.
    const { total } = await requests();
    expect(total).toBeLessThanOrEqual(few.length);
    expect(total).toBeLessThan(Math.ceil((N + 14) / READ_AHEAD_PAGE) + few.length);
  });

  it("when reading the list fails, each lookup reads its own account and is still right", async () => {
    await fresh();
    await sb.admin.sandbox.setFaults({ failRoutes: [{ route: "GET /v1/accounts", match: "containing", status: 503 }] });
    const some = [ids[0]!, ids[N - 1]!, "fb-1007"];
    p.logs.length = 0;
    for (const id of some) {
      const res = await p.call<pb.CheckResponse>("check", checkRequest(id, { accountId: id, valid: true }));
      expect(
        res.getFailuresList().map((f) => f.getReason()),
        id,
      ).toEqual([]);
      // The refusal is logged against the token (and fails its own Create), not a check failure.
      const logged = p.logs.filter((l) => l.urn === urn(id));
      expect(
        logged.map((l) => l.severity),
        id,
      ).toEqual([id === "fb-1007" ? 3 : 1]);
      if (id === "fb-1007") expect(logged[0]!.message).toMatch(/was revoked by jane@agency\.example/);
    }
  });
});
