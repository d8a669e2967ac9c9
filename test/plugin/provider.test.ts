/**
 * The native plugin as a provider: handshake, plugin info, schema, provider configuration
 * (config, older engines' variables, the environment, unknown keys), what is not served, and
 * that the API key appears in nothing it answers, logs or prints.
 */

import * as grpc from "@grpc/grpc-js";
import type { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import * as pb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../provider/client";
import { packageSchema } from "../../provider/plugin/schema";
import { engineAddress } from "../../provider/plugin/server";
import { type TestSandbox, testSandbox } from "../support/sandbox";
import { checkRequest, type Plugin, SECRET, secret, startPlugin, struct, UNKNOWN } from "./support";

const KEY = "ms-native-7f3a9c1e-distinctive-key";
let sb: TestSandbox;
const plugins: Plugin[] = [];

async function plugin(env: NodeJS.ProcessEnv = {}): Promise<Plugin> {
  const p = await startPlugin(env);
  plugins.push(p);
  return p;
}

beforeAll(async () => {
  sb = await testSandbox({ extraKeys: [{ key: KEY, scope: "admin" }] });
});
afterAll(async () => {
  for (const p of plugins) await p.close();
  await sb?.close();
});

describe("the plugin's protocol", () => {
  it("handshakes accepting secrets (not resource references or output values), and reports its version", async () => {
    const p = await plugin();
    const hs = await p.call<pb.ProviderHandshakeResponse>("handshake", new pb.ProviderHandshakeRequest().setEngineAddress("127.0.0.1:1"));
    expect(hs.toObject()).toMatchObject({ acceptSecrets: true, acceptResources: false, acceptOutputs: false });
    expect((await p.call<PluginInfo>("getPluginInfo", new Empty())).getVersion()).toBe(VERSION);
    const conf = await p.call<pb.ConfigureResponse>("configure", new pb.ConfigureRequest().setArgs(struct({})));
    expect(conf.toObject()).toMatchObject({ acceptsecrets: true, supportspreview: true, acceptresources: false });
  });

  it("serves its schema, answers mappings empty, and what it does not serve UNIMPLEMENTED or refused by name", async () => {
    const p = await plugin();
    expect(JSON.parse((await p.call<pb.GetSchemaResponse>("getSchema", new pb.GetSchemaRequest())).getSchema())).toEqual(packageSchema());
    expect((await p.call<pb.GetMappingResponse>("getMapping", new pb.GetMappingRequest().setKey("tf"))).getProvider()).toBe("");
    expect((await p.call<pb.GetMappingsResponse>("getMappings", new pb.GetMappingsRequest().setKey("tf"))).getProvidersList()).toEqual([]);
    for (const rpc of ["parameterize", "call"]) {
      const req = rpc === "parameterize" ? new pb.ParameterizeRequest() : new pb.CallRequest();
      expect(await p.call(rpc, req).catch((e) => e.code), rpc).toBe(grpc.status.UNIMPLEMENTED);
    }
    // Construct serves the Offboarding component alone (test/e2e/offboarding-native.test.ts).
    const other = new pb.ConstructRequest().setType("marin-social:index:Team").setName("t");
    expect(await p.call("construct", other).catch((e) => e.message)).toMatch(/no component "marin-social:index:Team"; it has marin-social:index:Offboarding/);
    expect(await p.call("cancel", new Empty())).toBeInstanceOf(Empty);
  });

  it("refuses a resource type it does not manage, naming the one it does", async () => {
    const p = await plugin();
    const req = new pb.CheckRequest().setUrn("urn:pulumi:dev::p::marin-social:index:Token::t").setType("marin-social:index:Token").setNews(struct({}));
    await expect(p.call("check", req)).rejects.toThrow(/no resource type "marin-social:index:Token"; it manages marin-social:index:PublisherToken/);
  });

  it("takes the engine's address from the end of its arguments, after the engine's flags", () => {
    expect(engineAddress(["127.0.0.1:5"])).toBe("127.0.0.1:5");
    expect(engineAddress(["--logtostderr", "-v=9", "--tracing", "http://127.0.0.1:9", "127.0.0.1:5"])).toBe("127.0.0.1:5");
    expect(engineAddress(["--tracing", "http://127.0.0.1:9"])).toBeUndefined();
    expect(engineAddress([])).toBeUndefined();
  });

  it("prints only its port on stdout", async () => {
    const p = await plugin();
    expect(p.output()).toMatch(/^\d+\n$/);
  });
});

describe("provider configuration", () => {
  it("reads config args, tolerating keys it does not know (the repository's own marin-social:declarations)", async () => {
    const p = await plugin();
    await p.configure({ apiUrl: sb.url, apiKey: secret(KEY), declarations: "tokens.yaml", version: "0.1.0", somethingNew: { a: 1 } });
    expect((await p.call<pb.CheckResponse>("check", checkRequest("a", { accountId: "fb-1002", valid: true }))).getFailuresList()).toEqual([]);
  });

  it("falls back to the environment, and to the older variables map", async () => {
    const fromEnv = await plugin({ MARIN_SOCIAL_API_URL: sb.url, MARIN_SOCIAL_API_KEY: KEY });
    await fromEnv.configure({});
    expect((await fromEnv.call<pb.CheckResponse>("check", checkRequest("a", { accountId: "fb-1002", valid: true }))).getFailuresList()).toEqual([]);
    const old = await plugin();
    const req = new pb.ConfigureRequest();
    req.getVariablesMap().set("marin-social:config:apiUrl", sb.url).set("marin-social:config:apiKey", KEY);
    await old.call("configure", req);
    expect((await old.call<pb.CheckResponse>("check", checkRequest("a", { accountId: "fb-1002", valid: true }))).getFailuresList()).toEqual([]);
  });

  it("config wins over the environment", async () => {
    const p = await plugin({ MARIN_SOCIAL_API_URL: "http://127.0.0.1:1", MARIN_SOCIAL_API_KEY: "wrong" });
    await p.configure({ apiUrl: sb.url, apiKey: secret(KEY) });
    expect((await p.call<pb.CheckResponse>("check", checkRequest("a", { accountId: "fb-1002", valid: true }))).getFailuresList()).toEqual([]);
  });

  it("CheckConfig records the key as a secret even when set in plaintext, and rejects bad settings naming the key, on no property (the engine would print the value)", async () => {
    const p = await plugin();
    const check = async (news: Record<string, unknown>) => {
      const res = await p.call<pb.CheckResponse>(
        "checkConfig",
        new pb.CheckRequest().setUrn("urn:pulumi:dev::p::pulumi:providers:marin-social::default").setNews(struct(news)),
      );
      return { inputs: res.getInputs()?.toJavaScript(), failures: res.getFailuresList().map((f) => `${f.getProperty()}: ${f.getReason()}`) };
    };
    expect(await check({ apiUrl: sb.url, apiKey: KEY, declarations: "x.yaml" })).toEqual({
      inputs: { apiUrl: sb.url, apiKey: { ...SECRET, value: KEY }, declarations: "x.yaml" },
      failures: [],
    });
    expect((await check({ apiUrl: "http://api.example.com", apiKey: KEY })).failures).toEqual([
      expect.stringMatching(/^: .*http:\/\/api\.example\.com.*marin-social:apiUrl/),
    ]);
    expect((await check({ apiUrl: "not a url", apiKey: KEY })).failures).toEqual([expect.stringMatching(/^: .*not a valid URL/)]);
    expect((await check({ apiUrl: sb.url })).failures).toEqual([
      expect.stringMatching(/^: .*no API key is set.*pulumi config set --secret marin-social:apiKey/),
    ]);
    expect((await check({ apiKey: KEY, allowInsecureHttp: "maybe" })).failures).toEqual([
      expect.stringMatching(/^: .*marin-social:allowInsecureHttp.*must be true or false/),
    ]);
    // Credentials in the URL: refused, and neither they nor the URL with them is in the message, parsed or not.
    for (const apiUrl of ["http://user:s3cr3t@127.0.0.1:1", "https://s3cr3t@api.example.com/v1", "http://user:s3cr3t@bad host"]) {
      const { failures } = await check({ apiUrl, apiKey: KEY });
      expect(failures, apiUrl).toEqual([expect.stringMatching(/^: .*marin-social:apiUrl/)]);
      expect(failures.join(""), apiUrl).not.toContain("s3cr3t");
    }
    expect((await check({ apiUrl: "http://api.example.com", apiKey: KEY, allowInsecureHttp: true })).failures).toEqual([]);
    expect((await check({ apiUrl: UNKNOWN, apiKey: KEY })).failures).toEqual([]);
  });

  it("DiffConfig: a changed URL or key is an update of the provider, never a replacement; other keys are not its business", async () => {
    const p = await plugin();
    const diff = async (olds: Record<string, unknown>, news: Record<string, unknown>) => {
      const res = await p.call<pb.DiffResponse>(
        "diffConfig",
        new pb.DiffRequest()
          .setUrn("urn:pulumi:dev::p::pulumi:providers:marin-social::default")
          .setOldInputs(struct(olds))
          .setOlds(struct(olds))
          .setNews(struct(news)),
      );
      return { changes: res.getChanges(), replaces: res.getReplacesList(), diffs: res.getDiffsList() };
    };
    expect(await diff({ apiUrl: "http://a", apiKey: secret("k") }, { apiUrl: "http://b", apiKey: secret("k2") })).toEqual({
      changes: pb.DiffResponse.DiffChanges.DIFF_SOME,
      replaces: [],
      diffs: ["apiUrl", "apiKey"],
    });
    expect((await diff({ apiUrl: "http://a", declarations: "x" }, { apiUrl: "http://a", declarations: "y" })).changes).toBe(
      pb.DiffResponse.DiffChanges.DIFF_NONE,
    );
  });

  it("a missing key fails the operation that needs the API, with the fix; delete needs none", async () => {
    const p = await plugin();
    await p.configure({ apiUrl: sb.url });
    // A configuration no lookup gets past fails Check: no token can proceed, so it stops nothing that could.
    const res = await p.call<pb.CheckResponse>("check", checkRequest("a", { accountId: "fb-1002", valid: true }));
    expect(
      res
        .getFailuresList()
        .map((f) => `${f.getProperty()}: ${f.getReason()}`)
        .join(),
    ).toMatch(/^accountId: .*no API key is set.*MARIN_SOCIAL_API_KEY/);
    expect(await p.call("delete", new pb.DeleteRequest().setUrn("urn:pulumi:dev::p::marin-social:index:PublisherToken::a").setId("fb-1002"))).toBeInstanceOf(
      Empty,
    );
  });
});

describe("secrets", () => {
  it("the API key appears in no answer, error, log line or output of the plugin", async () => {
    const p = await plugin();
    const seen: string[] = [];
    const keep = (x: unknown) => {
      seen.push(
        x instanceof Error
          ? `${x.message} ${(x as grpc.ServiceError).details} ${x.stack}`
          : JSON.stringify((x as { toObject?: () => unknown }).toObject?.() ?? x),
      );
      return x;
    };
    await p.configure({ apiUrl: sb.url, apiKey: secret(KEY) });
    keep(await p.call("check", checkRequest("a", { accountId: "fb-1001", valid: false })));
    keep(
      await p.call(
        "create",
        new pb.CreateRequest()
          .setUrn("urn:pulumi:dev::p::marin-social:index:PublisherToken::a")
          .setType("marin-social:index:PublisherToken")
          .setProperties(struct({ accountId: "fb-1001", valid: false })),
      ),
    );
    keep(
      await p.call(
        "read",
        new pb.ReadRequest().setUrn("urn:pulumi:dev::p::marin-social:index:PublisherToken::a").setType("marin-social:index:PublisherToken").setId("fb-1001"),
      ),
    );
    keep(await p.call("invoke", new pb.InvokeRequest().setTok("marin-social:index:getAccount").setArgs(struct({ accountId: "fb-1001" }))));
    // A rejected key, and a key sent over http to a non-loopback host: errors that are about the key.
    for (const apiUrl of [sb.url, "http://api.example.com"]) {
      await p.configure({ apiUrl, apiKey: secret(`${KEY}-rejected`) });
      keep(await p.call("check", checkRequest("b", { accountId: "fb-1002", valid: true })));
      keep(
        await p
          .call(
            "read",
            new pb.ReadRequest()
              .setUrn("urn:pulumi:dev::p::marin-social:index:PublisherToken::b")
              .setType("marin-social:index:PublisherToken")
              .setId("fb-1002"),
          )
          .catch((e) => e),
      );
      // CheckConfig answers the inputs the engine records: the key is there, as a secret (encrypted in state).
      const cc = await p.call<pb.CheckResponse>(
        "checkConfig",
        new pb.CheckRequest().setUrn("urn:pulumi:dev::p::pulumi:providers:marin-social::default").setNews(struct({ apiUrl, apiKey: `${KEY}-rejected` })),
      );
      expect(cc.getInputs()!.toJavaScript().apiKey).toEqual({ ...SECRET, value: `${KEY}-rejected` });
      keep(cc.getFailuresList().map((f) => f.getReason()));
    }
    const everything = [...seen, ...p.logs.map((l) => l.message), p.output()].join("\n");
    expect(everything).toMatch(/rejected the API key|http:\/\//); // the errors are there...
    expect(everything).not.toContain(KEY); // ...and the key is not
  });
});
