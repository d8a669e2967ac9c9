import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { MarinSocialClient, MarinSocialError, type RequestEvent, resolveConnection } from "../../provider/client";
import { closedPort, json, rejection, startServer, type TestServer } from "./helpers";

const KEY = "msk-live-Zq9XwV7rT2pL4kKe";
const forms = [KEY, encodeURIComponent(KEY), Buffer.from(KEY).toString("base64")];

/** Every way an error could be shown or stored. */
function renderings(e: unknown): string[] {
  const err = e as Error;
  return [
    String(err),
    err.message,
    err.stack ?? "",
    JSON.stringify(err),
    inspect(err, { depth: 20, showHidden: true }),
    JSON.stringify((err as MarinSocialError).problem ?? null),
  ];
}

const servers: TestServer[] = [];
const clients: MarinSocialClient[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(clients.map((c) => c.close()));
});

describe("the API key never leaks", () => {
  it("appears in no error, problem, stack or hook event, across every failure mode", async () => {
    const events: RequestEvent[] = [];
    const echo = `unknown key ${KEY} (also ${encodeURIComponent(KEY)} / ${Buffer.from(KEY).toString("base64")})`;
    const server = await startServer((hit, res) => {
      const route = hit.pathname;
      if (route.endsWith("/401")) json(res, 401, { type: "t", title: `bad ${KEY}`, status: 401, detail: echo, [KEY]: { nested: [KEY] } });
      else if (route.includes("/403/")) json(res, 403, { type: "t", title: "Forbidden", status: 403, detail: `key ${KEY} lacks ag-1` });
      else if (route.endsWith("/500")) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`Internal error for Authorization: Bearer ${KEY}\n${"x".repeat(2000)}`);
      } else if (route.endsWith("/429")) json(res, 429, { status: 429, detail: echo }, { "retry-after": "0" });
      else if (route.endsWith("/badjson")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`{not json ${KEY}`);
      } else if (route.endsWith("/reset")) res.socket?.destroy();
      else if (hit.query.get("agency")) json(res, 400, { status: 400, detail: `bad agency ${hit.query.get("agency")}` });
      else if (route === "/v1/accounts") json(res, 200, { items: [], nextCursor: null });
      else if (route.includes(KEY)) json(res, 404, { status: 404, detail: `no account ${KEY}` });
      // anything else hangs (timeouts)
    });
    servers.push(server);
    const mk = (opts: object = {}): MarinSocialClient => {
      const c = new MarinSocialClient({
        baseUrl: server.url,
        apiKey: KEY,
        batchReads: false,
        retry: { maxAttempts: 2, baseDelayMs: 1 },
        onRequest: (e) => events.push(e),
        ...opts,
      });
      clients.push(c);
      return c;
    };
    const c = mk();
    const failures: unknown[] = [];
    const collect = async (p: Promise<unknown>): Promise<void> => {
      failures.push(await rejection(p));
    };
    await collect(c.getAccount("401"));
    await collect(c.invalidateToken("403", { actor: "a", reason: KEY }));
    await collect(c.getAccount("500"));
    await collect(c.getAccount("429"));
    await collect(c.getAccount("badjson"));
    await collect(c.getAccount("reset"));
    await collect(c.getAccount(KEY)); // the key passed as an id by mistake
    await collect(mk({ batchReads: true }).getAccount(KEY));
    await collect(c.getAccount(`${KEY}/x`)); // not an account id: rejected before sending
    // A long path whose display cut would fall inside the key.
    await collect(c.listAccounts({ agency: "a".repeat(270) + KEY }));
    await collect(mk({ timeouts: { deadlineMs: 100 } }).getAccount("hang"));
    await collect(mk({ timeouts: { headersMs: 100 }, retry: { maxAttempts: 1 } }).getAccount("hang"));
    const refused = await closedPort();
    const r = new MarinSocialClient({ baseUrl: `http://127.0.0.1:${refused}`, apiKey: KEY, retry: { refusedAttempts: 1 } });
    clients.push(r);
    await collect(r.listAgencies());

    // Construction and configuration errors, including the key put where the URL goes.
    const construct = (opts: object): void => {
      try {
        clients.push(new MarinSocialClient({ baseUrl: server.url, apiKey: KEY, ...opts }));
        failures.push(new Error(`constructed with ${Object.keys(opts).join()}`));
      } catch (e) {
        failures.push(e);
      }
    };
    construct({ baseUrl: KEY });
    construct({ baseUrl: `http://user:${KEY}@127.0.0.1:1` });
    construct({ baseUrl: `http://10.1.2.3/${KEY}` });
    construct({ baseUrl: `ftp://127.0.0.1/${KEY}` });
    construct({ baseUrl: `http://127.0.0.1/?k=${KEY}` });
    construct({ timeouts: { deadlineMs: -1 } });
    try {
      resolveConnection({ env: { MARIN_SOCIAL_API_KEY: KEY, MARIN_SOCIAL_ALLOW_INSECURE_HTTP: KEY } });
    } catch (e) {
      failures.push(e);
    }

    expect(failures).toHaveLength(20);
    const codes = new Set(failures.map((f) => (f as MarinSocialError).code));
    expect(codes).toEqual(
      new Set([
        "unauthorized",
        "forbidden",
        "server",
        "rate-limited",
        "network",
        "route-not-found",
        "account-not-found",
        "timeout",
        "config",
        "insecure-transport",
        "bad-request",
      ]),
    );
    // The key really was sent, so the scan below is not vacuous.
    expect(server.hits[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    // And the server really did echo it back.
    expect(server.hits.length).toBeGreaterThan(8);

    for (const f of failures) {
      expect(f).toBeInstanceOf(MarinSocialError);
      for (const text of renderings(f)) for (const form of forms) expect(text).not.toContain(form);
    }
    const eventsText = JSON.stringify(events);
    expect(events.length).toBeGreaterThan(10);
    for (const form of forms) expect(eventsText).not.toContain(form);

    // Problem details survive, with the key replaced.
    const unauthorized = failures[0] as MarinSocialError;
    expect(unauthorized.problem?.detail).toContain("unknown key [REDACTED]");
    expect(unauthorized.problem?.["[REDACTED]"]).toEqual({ nested: ["[REDACTED]"] });
    const longPath = failures[9] as MarinSocialError;
    expect(longPath.code).toBe("bad-request");
    // Scrubbed before the cut: no partial key survives, only the start of the marker.
    expect(longPath.path).toMatch(/^\/v1\/accounts\?agency=a+\[REDACTED/);
    const textual = failures[2] as MarinSocialError;
    expect(textual.problem?.detail).toMatch(/^Internal error for Authorization: Bearer \[REDACTED\] x+…$/);
    expect(textual.problem!.detail!.length).toBeLessThanOrEqual(500);
  });
});
