/**
 * The package schema: valid against Pulumi's own metaschema (v3.274.1, vendored in
 * test/fixtures/pulumi), the same properties as the dynamic PublisherToken and the native SDK,
 * and ids as the API contract defines them.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Ajv2020 } from "ajv/dist/2020";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Account } from "../../provider/core";
import { PUBLISHER_TOKEN_OUTPUTS } from "../../provider/native";
import { packageSchema, TOKEN_TYPE } from "../../provider/plugin/schema";
import { USER_INPUTS } from "../../provider/token/inputs";
import { buildOutputs } from "../../provider/token/outputs";
import { ROOT } from "./support";

/** A property of the package schema, as far as these tests read it. */
interface PropertySpec {
  description: string;
  secret?: boolean;
  defaultInfo: { environment: string[] };
}

/** The parts of the package schema these tests read (the first test checks the whole against the metaschema). */
interface PackageSchema {
  resources: {
    [TOKEN_TYPE]: {
      inputProperties: Record<"accountId" | "expectAgencies" | "reason", PropertySpec>;
      properties: { tokenFingerprint: PropertySpec };
      requiredInputs: string[];
    };
  };
  types: { "marin-social:index:Publisher": { enum: { value: string }[] } };
  functions: { "marin-social:index:getAccount": { inputs: { required: string[] } } };
  config: { variables: Record<"apiKey" | "apiUrl" | "allowInsecureHttp", PropertySpec> };
  provider: { inputProperties: PackageSchema["config"]["variables"] };
}

const schema = packageSchema() as unknown as PackageSchema;
const token = schema.resources[TOKEN_TYPE];
const metaschema = JSON.parse(readFileSync(path.join(ROOT, "test/fixtures/pulumi/pulumi.json"), "utf8"));
// The metaschema's two formats (on fields this schema does not use) are accepted as they are.
const validate = new Ajv2020({ allErrors: true, strict: false, formats: { regex: true, "uri-reference": true } }).compile(metaschema);

describe("the marin-social package schema", () => {
  it("is valid against Pulumi's package metaschema", () => {
    expect(validate(schema), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it("fails the metaschema when broken, so the check above checks something", () => {
    expect(validate({ ...schema, resources: { [TOKEN_TYPE]: { ...token, requiredInputs: "accountId" } } })).toBe(false);
    expect(validate({ ...schema, config: { variables: {}, unknown: 1 } })).toBe(false);
  });

  it("declares the dynamic PublisherToken's inputs and outputs, and the native SDK's", () => {
    const account: Account = {
      id: "fb-1",
      publisher: "facebook",
      externalId: "1",
      name: "A",
      version: 1,
      agencies: [],
      token: { valid: true, fingerprint: "f", invalidatedAt: null, invalidatedBy: null, reason: null, authorizedBy: null, authorizedAt: null },
    };
    const dynamicOutputs = buildOutputs(
      { accountId: "fb-1", valid: true, actor: "pulumi:p/s", publisher: "facebook", reason: "r", expectAgencies: [] },
      account,
      [],
    );
    expect(Object.keys(token.inputProperties).sort()).toEqual([...USER_INPUTS].sort());
    expect(Object.keys(token.properties).sort()).toEqual(Object.keys(dynamicOutputs).sort());
    expect(Object.keys(token.properties).sort()).toEqual([...USER_INPUTS, ...PUBLISHER_TOKEN_OUTPUTS].sort());
    expect(token.requiredInputs).toEqual(["accountId", "valid"]);
    expect(token.properties.tokenFingerprint.secret).toBe(true);
  });

  it("has every $ref defined, getAccount, and the provider config with its environment fallbacks", () => {
    const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"#\/types\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(schema.types, r).toHaveProperty([r!]);
    expect(schema.functions["marin-social:index:getAccount"].inputs.required).toEqual(["accountId"]);
    const vars = schema.config.variables;
    expect(vars.apiKey).toMatchObject({ secret: true, defaultInfo: { environment: ["MARIN_SOCIAL_API_KEY"] } });
    expect(vars.apiUrl.defaultInfo.environment).toEqual(["MARIN_SOCIAL_API_URL"]);
    expect(vars.allowInsecureHttp.defaultInfo.environment).toEqual(["MARIN_SOCIAL_ALLOW_INSECURE_HTTP"]);
    expect(schema.provider.inputProperties).toEqual(vars);
  });

  it("states ids and limits as the API contract defines them", () => {
    const contract = parse(readFileSync(path.join(ROOT, "schemas/marin-social-api.yaml"), "utf8")).components.schemas;
    expect(token.inputProperties.accountId.description).toContain(contract.AccountId.pattern);
    expect(token.inputProperties.expectAgencies.description).toContain(contract.AgencyId.pattern);
    expect(token.inputProperties.reason.description).toContain(`at most ${contract.Reason.maxLength} characters`);
    expect(schema.types["marin-social:index:Publisher"].enum.map((e: { value: string }) => e.value)).toEqual(contract.Publisher.enum);
  });
});
