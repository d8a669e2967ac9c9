/**
 * The plugin's peak resident memory at 5,000 tokens (target: 150 MB), through the engine's call
 * pattern: serial Checks and parallel Create previews (preview), serial Checks and 8 Creates at
 * a time (up, the CLI's default parallelism on 2 cores), 8 Reads at a time (refresh). The peak is
 * the kernel's high-water mark (VmHWM) of the plugin process, read while it runs.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { testSandbox, type TestSandbox } from "../support/sandbox";
import { checkRequest, secret, startPlugin, struct, TYPE, urn, type Plugin } from "./support";

const N = 5000;
const LIMIT_MB = 150;
let sb: TestSandbox;
let p: Plugin;
let ids: string[];

beforeAll(async () => {
  sb = await testSandbox({ seed: "none" });
  ({ ids } = await sb.admin.sandbox.addAccounts({ count: N, idPrefix: "mem-", agenciesPerAccount: { min: 1, max: 3 }, agencies: 10 }));
  p = await startPlugin();
}, 60_000);
afterAll(async () => {
  await p?.close();
  await sb?.close();
});

function peakMb(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${p.pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function eightAtATime(fn: (id: string) => Promise<unknown>): Promise<void> {
  const queue = [...ids];
  await Promise.all(Array.from({ length: 8 }, async () => { for (let id = queue.shift(); id; id = queue.shift()) await fn(id); }));
}

it.skipIf(process.platform !== "linux")(`stays under ${LIMIT_MB} MB peak RSS for preview, up and refresh of ${N} tokens`, async () => {
  const configure = () => p.configure({ apiUrl: sb.url, apiKey: secret(sb.sandbox.keys.admin) });
  const create = (id: string, preview: boolean) =>
    p.call("create", new pb.CreateRequest().setUrn(urn(id)).setType(TYPE).setProperties(struct({ accountId: id, valid: false })).setPreview(preview));
  await configure();
  for (const id of ids) await p.call("check", checkRequest(id, { accountId: id, valid: false }));
  await eightAtATime((id) => create(id, true));
  await configure();
  for (const id of ids) await p.call("check", checkRequest(id, { accountId: id, valid: false }));
  await eightAtATime((id) => create(id, false));
  await configure();
  await eightAtATime((id) => p.call("read", new pb.ReadRequest().setUrn(urn(id)).setType(TYPE).setId(id)));
  expect((await sb.admin.listAccounts()).filter((a) => a.token.valid)).toEqual([]);
  console.log(`plugin peak RSS at N=${N}: ${peakMb().toFixed(1)} MB`);
  expect(peakMb()).toBeLessThanOrEqual(LIMIT_MB);
}, 600_000);
