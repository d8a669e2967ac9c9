import { describe, expect, it } from "vitest";
import { DEFAULT_API_URL, isLoopbackHost, MarinSocialClient, MarinSocialError, resolveConnection, resolveOptions } from "../../provider/client";

function thrown(fn: () => unknown): MarinSocialError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MarinSocialError);
    return e as MarinSocialError;
  }
  throw new Error("expected a MarinSocialError, nothing was thrown");
}

describe("transport safety", () => {
  it("refuses plain http to a non-loopback host at construction, before any connection", () => {
    // Construction is synchronous and opens no socket, so nothing ever connects to 10.1.2.3.
    const e = thrown(() => new MarinSocialClient({ baseUrl: "http://10.1.2.3:8787", apiKey: "k-12345678" }));
    expect(e.code).toBe("insecure-transport");
    expect(e.message).toContain("10.1.2.3");
    expect(e.message).toContain("https://");
    expect(e.message).toContain("marin-social:allowInsecureHttp");
    expect(e.message).toContain("MARIN_SOCIAL_ALLOW_INSECURE_HTTP");
    expect(thrown(() => new MarinSocialClient({ baseUrl: "http://api.example.com", apiKey: "k-12345678" })).code).toBe("insecure-transport");
    expect(thrown(() => new MarinSocialClient({ baseUrl: "http://[fe80::1]:80", apiKey: "k-12345678" })).code).toBe("insecure-transport");
  });

  it("allows http to a non-loopback host only with allowInsecureHttp (still without connecting)", async () => {
    const c = new MarinSocialClient({ baseUrl: "http://10.1.2.3:8787", apiKey: "k-12345678", allowInsecureHttp: true });
    await c.close();
  });

  it.each(["http://127.0.0.1:8787", "http://localhost:1", "http://[::1]:9", "http://127.9.9.9", "https://api.example.com", "https://10.1.2.3/base/"])(
    "allows %s",
    async (baseUrl) => {
      const c = new MarinSocialClient({ baseUrl, apiKey: "k-12345678" });
      expect(c.baseUrl).toBe(baseUrl.replace(/\/$/, ""));
      await c.close();
    },
  );

  it("classifies loopback hosts without DNS: IP literals 127.0.0.0/8 and ::1, and the exact name localhost", () => {
    for (const h of ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1", "[::ffff:7f00:1]"]) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    // *.localhost may resolve anywhere (RFC 6761 is not enforced by every resolver), and so may "localhost." with a trailing dot.
    const remote = [
      "app.localhost",
      "evil.localhost",
      "LOCALHOST.LOCALHOST",
      "localhost.",
      "localhost.example.com",
      "10.1.2.3",
      "128.0.0.1",
      "example.com",
      "::2",
      "::ffff:10.0.0.1",
      "0.0.0.0",
    ];
    for (const h of remote) expect(isLoopbackHost(h), h).toBe(false);
  });

  it.each(["http://app.localhost:8787", "http://localhost.:8787", "http://sandbox.localhost"])(
    "refuses plain http to %s (a name that may not resolve to this machine) unless allowInsecureHttp",
    async (baseUrl) => {
      expect(thrown(() => new MarinSocialClient({ baseUrl, apiKey: "k-12345678" })).code).toBe("insecure-transport");
      expect(thrown(() => resolveConnection({ env: { MARIN_SOCIAL_API_KEY: "k-12345678", MARIN_SOCIAL_API_URL: baseUrl } })).code).toBe("insecure-transport");
      await new MarinSocialClient({ baseUrl, apiKey: "k-12345678", allowInsecureHttp: true }).close();
    },
  );

  it.each(["http://127.1:8787", "http://0x7f.0.0.1:8787", "http://[::ffff:127.0.0.1]:8787"])(
    "allows %s: the URL parser normalises it to a loopback literal",
    async (baseUrl) => {
      await new MarinSocialClient({ baseUrl, apiKey: "k-12345678" }).close();
    },
  );
});

describe("option validation", () => {
  it.each([
    ["not a url", "is not a valid URL"],
    ["ftp://127.0.0.1", "not http or https"],
    ["http://u:p@127.0.0.1", "embeds credentials"],
    ["http://127.0.0.1/?a=1", "query or fragment"],
  ])("rejects the URL %s with 'config'", (baseUrl, why) => {
    const e = thrown(() => new MarinSocialClient({ baseUrl, apiKey: "k-12345678" }));
    expect(e.code).toBe("config");
    expect(e.message).toContain(why);
  });

  it("rejects an empty or malformed key, explaining both ways to set it", () => {
    for (const apiKey of ["", "   ", "has space", "new\nline"]) {
      const e = thrown(() => new MarinSocialClient({ baseUrl: "http://127.0.0.1:1", apiKey }));
      expect(e.code).toBe("config");
      expect(e.message).toContain("pulumi config set --secret marin-social:apiKey");
      expect(e.message).toContain("MARIN_SOCIAL_API_KEY");
    }
  });

  it("fills defaults and rejects out-of-range numbers", () => {
    const o = resolveOptions({ baseUrl: "http://127.0.0.1:8787/prefix/", apiKey: "k-12345678" });
    expect(o).toMatchObject({
      origin: "http://127.0.0.1:8787",
      basePath: "/prefix",
      connections: 8,
      maxConcurrency: 16,
      timeouts: { deadlineMs: 60_000 },
      retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 5000, maxRetryAfterMs: 30_000 },
      batchReads: true,
      maxBatchSize: 100,
    });
    expect(thrown(() => resolveOptions({ baseUrl: "http://127.0.0.1", apiKey: "k-12345678", maxBatchSize: 101 })).message).toContain("maxBatchSize");
    expect(thrown(() => resolveOptions({ baseUrl: "http://127.0.0.1", apiKey: "k-12345678", timeouts: { headersMs: 0 } })).message).toContain(
      "timeouts.headersMs",
    );
  });
});

describe("resolveConnection", () => {
  const config = (values: Record<string, string>) => (k: string) => values[k];

  it("prefers Pulumi config over the environment", () => {
    const c = resolveConnection({
      config: config({ "marin-social:apiUrl": "https://cfg.example", "marin-social:apiKey": "cfg-key", "marin-social:allowInsecureHttp": "true" }),
      env: { MARIN_SOCIAL_API_URL: "https://env.example", MARIN_SOCIAL_API_KEY: "env-key", MARIN_SOCIAL_ALLOW_INSECURE_HTTP: "false" },
    });
    expect(c).toEqual({ baseUrl: "https://cfg.example", apiKey: "cfg-key", allowInsecureHttp: true });
  });

  it("falls back to the environment, setting by setting", () => {
    const c = resolveConnection({
      config: config({ "marin-social:apiKey": "cfg-key" }),
      env: { MARIN_SOCIAL_API_URL: "https://env.example", MARIN_SOCIAL_API_KEY: "env-key", MARIN_SOCIAL_ALLOW_INSECURE_HTTP: "1" },
    });
    expect(c).toEqual({ baseUrl: "https://env.example", apiKey: "cfg-key", allowInsecureHttp: true });
  });

  it("treats empty values as unset and defaults the URL to the embedded sandbox", () => {
    const c = resolveConnection({ config: config({ "marin-social:apiUrl": "", "marin-social:apiKey": " " }), env: { MARIN_SOCIAL_API_KEY: "env-key" } });
    expect(c).toEqual({ baseUrl: DEFAULT_API_URL, apiKey: "env-key", allowInsecureHttp: false });
    expect(DEFAULT_API_URL).toBe("http://127.0.0.1:8787");
  });

  it("explains both ways to set a missing key", () => {
    for (const source of [{}, { env: {} }, { config: config({}), env: { MARIN_SOCIAL_API_URL: "https://x" } }]) {
      const e = thrown(() => resolveConnection(source));
      expect(e.code).toBe("config");
      expect(e.message).toContain("pulumi config set --secret marin-social:apiKey");
      expect(e.message).toContain("MARIN_SOCIAL_API_KEY");
    }
  });

  it("validates what it returns, once, naming where the URL came from", () => {
    const cases: Array<[Record<string, string>, NodeJS.ProcessEnv, string, string]> = [
      [{ "marin-social:apiUrl": "api.marin.example" }, {}, "config", '"api.marin.example" (config marin-social:apiUrl) is not a valid URL'],
      [{}, { MARIN_SOCIAL_API_URL: "ftp://127.0.0.1" }, "config", "(environment MARIN_SOCIAL_API_URL) uses ftp"],
      [{ "marin-social:apiUrl": "http://api.marin.example" }, {}, "insecure-transport", "api.marin.example"],
      [{ "marin-social:apiUrl": "http://app.localhost:8787" }, {}, "insecure-transport", "app.localhost"],
      [{ "marin-social:apiKey": "two words" }, {}, "config", "the API key contains spaces"],
    ];
    for (const [values, env, code, text] of cases) {
      const e = thrown(() => resolveConnection({ config: config({ "marin-social:apiKey": "k-12345678", ...values }), env }));
      expect(e.code, text).toBe(code);
      expect(e.kind).toBe("configuration");
      expect(e.message).toContain(text);
    }
    // http to a remote host is fine once opted in; a /v1 suffix is kept as given (the first request says it is wrong).
    expect(
      resolveConnection({
        config: config({ "marin-social:apiUrl": "http://api.marin.example/v1", "marin-social:apiKey": "k", "marin-social:allowInsecureHttp": "true" }),
      }).baseUrl,
    ).toBe("http://api.marin.example/v1");
  });

  it("rejects a flag that is neither true nor false", () => {
    const e = thrown(() => resolveConnection({ env: { MARIN_SOCIAL_API_KEY: "k", MARIN_SOCIAL_ALLOW_INSECURE_HTTP: "maybe" } }));
    expect(e.code).toBe("config");
    expect(e.message).toContain("MARIN_SOCIAL_ALLOW_INSECURE_HTTP must be true or false");
  });
});
