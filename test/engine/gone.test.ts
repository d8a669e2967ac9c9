/**
 * Through the engine path (the SDK's runner and dynamic-provider host): a wrong API URL is an
 * error that keeps the state, never "every account is gone".
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testSandbox, type TestSandbox } from "../support/sandbox";
import { startServer, type TestServer } from "../client/helpers";
import { preview, readState, refresh, up, type StackSpec } from "./index";

const ROOT = path.resolve(__dirname, "..", "..");

let sb: TestSandbox;
let proxy: TestServer;
let tmp: string;
let spec: StackSpec;

beforeAll(async () => {
  sb = await testSandbox();
  // Something other than the API at the configured URL: a web server answering every path with its HTML 404 page.
  proxy = await startServer((_h, res) => void res.writeHead(404, { "content-type": "text/html" }).end("<html><h1>404 Not Found</h1></html>"));
  tmp = mkdtempSync(path.join(tmpdir(), "marin-gone-"));
  spec = {
    programDir: ROOT,
    project: "marin-social",
    stack: "dev",
    config: { "marin-social:apiUrl": sb.url },
    secretConfig: { "marin-social:apiKey": sb.sandbox.keys.admin },
    statePath: path.join(tmp, "state.json"),
  };
});
afterAll(async () => {
  await proxy?.close();
  await sb?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("a wrong API URL is an error, not every account gone", () => {
  it("refresh with an apiUrl ending in /v1, or pointing at another server, fails and keeps the state untouched", async () => {
    const u = await up(spec);
    expect(u.errors).toEqual([]);
    const before = readFileSync(spec.statePath, "utf8");
    const acme = readState(spec.statePath).resources.find((r) => r.urn.endsWith("::fb-1001"))!;
    expect((acme.outputs.unlinkedAgencies as unknown[]).length).toBe(3);

    const wrong = await refresh({ ...spec, config: { "marin-social:apiUrl": `${sb.url}/v1` } });
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.changes).toEqual([]);
    expect(wrong.errors).toHaveLength(6);
    for (const e of wrong.errors) {
      expect(e).toContain("GET /v1/v1/accounts?ids=");
      expect(e).toContain("answered 404 for an unknown route");
      expect(e).toContain(`it ends in /v1, and the client adds /v1 itself. Set \`pulumi config set marin-social:apiUrl ${sb.url}\``);
    }
    expect(readState(spec.statePath)).toEqual(JSON.parse(before));

    const elsewhere = await refresh({ ...spec, config: { "marin-social:apiUrl": proxy.url } });
    expect(elsewhere.exitCode).not.toBe(0);
    expect(elsewhere.changes).toEqual([]);
    expect(elsewhere.errors.join("\n")).toContain("a text/html");
    expect(readState(spec.statePath)).toEqual(JSON.parse(before));

    const right = await refresh(spec);
    expect(right.errors).toEqual([]);
    expect(right.changes).toEqual([]);
  });

  it("preview with an apiUrl ending in /v1 says why each lookup failed, never that an account does not exist", async () => {
    const p = await preview({ ...spec, config: { "marin-social:apiUrl": `${sb.url}/v1` } });
    expect(p.exitCode).not.toBe(0);
    const text = p.errors.join("\n");
    expect(text).toMatch(/could not read account (fb|tw)-\d+ from Marin Social: GET \/v1\/v1\/accounts\?ids=.* answered 404 for an unknown route/);
    expect(text).not.toContain("does not exist");
  });
});
