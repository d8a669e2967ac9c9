/**
 * The Pulumi package schema of `marin-social` (what GetSchema returns): the PublisherToken
 * resource, the getAccount function and the provider configuration. Pulumi YAML type-checks
 * programs against it, and `pulumi import` and `pulumi package gen-sdk` read it.
 *
 * Ids and limits come from the API contract (schemas/marin-social-api.yaml), read once; the
 * Pulumi schema language has no patterns, so they are stated in the descriptions.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PUBLISHERS } from "../core";
import { VERSION } from "../client";

/** The package name, and the prefix of every config key. */
export const PACKAGE = "marin-social";
/** The native resource's type token. */
export const TOKEN_TYPE = `${PACKAGE}:index:PublisherToken`;
/** The function's token. */
export const GET_ACCOUNT = `${PACKAGE}:index:getAccount`;

const AGENCY = `${PACKAGE}:index:Agency`;
const PUBLISHER = `${PACKAGE}:index:Publisher`;

/** `<package root>/schemas/marin-social-api.yaml`, from provider/plugin or dist/plugin. */
const CONTRACT_PATH = path.join(__dirname, "..", "..", "schemas", "marin-social-api.yaml");

/** What the schema takes from the contract. */
interface ContractLimits {
  accountIdPattern: string;
  agencyIdPattern: string;
  reasonMaxLength: number;
}

function contractLimits(): ContractLimits {
  const doc = parse(readFileSync(CONTRACT_PATH, "utf8")) as { components: { schemas: Record<string, { pattern?: string; maxLength?: number }> } };
  const s = doc.components.schemas;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${CONTRACT_PATH}: components.schemas.${what} is missing; the package schema is generated from it`);
    return value;
  };
  return {
    accountIdPattern: need(s.AccountId?.pattern, "AccountId.pattern"),
    agencyIdPattern: need(s.AgencyId?.pattern, "AgencyId.pattern"),
    reasonMaxLength: need(s.Reason?.maxLength, "Reason.maxLength"),
  };
}

const str = (description: string, extra: object = {}) => ({ type: "string", description, ...extra });
const bool = (description: string) => ({ type: "boolean", description });
const agencies = (description: string) => ({ type: "array", items: { $ref: `#/types/${AGENCY}` }, description });

/** Builds the schema (a plain object; GetSchema sends it as JSON). */
export function packageSchema(): Record<string, unknown> {
  const c = contractLimits();
  const accountId = str(`The Marin Social account id, e.g. \`fb-1001\` (pattern \`${c.accountIdPattern}\`).`);
  const publisher = { $ref: `#/types/${PUBLISHER}`, description: "The publisher of the account." };
  const configVariables = {
    apiUrl: str("Marin Social API base URL. Default: the environment variable MARIN_SOCIAL_API_URL, else `http://127.0.0.1:8787` (the local sandbox).", {
      defaultInfo: { environment: ["MARIN_SOCIAL_API_URL"] },
    }),
    apiKey: str("Marin Social API key. Default: the environment variable MARIN_SOCIAL_API_KEY. Never stored in plaintext.", {
      secret: true,
      defaultInfo: { environment: ["MARIN_SOCIAL_API_KEY"] },
    }),
    allowInsecureHttp: {
      ...bool("Allow `http://` to a host other than loopback (refused otherwise). Default: MARIN_SOCIAL_ALLOW_INSECURE_HTTP, else false."),
      defaultInfo: { environment: ["MARIN_SOCIAL_ALLOW_INSECURE_HTTP"] },
    },
  };
  const inputs = {
    accountId: { ...accountId, willReplaceOnChanges: true },
    valid: bool("Desired validity. `false` invalidates the token and unlinks every agency; `true` on a revoked token fails, changing nothing."),
    publisher: { ...publisher, description: "When set, must match the live account's publisher, or the resource fails and nothing changes." },
    reason: str(`Recorded on invalidation (at most ${c.reasonMaxLength} characters).`),
    expectAgencies: {
      type: "array",
      items: { type: "string" },
      description: `A guard: agency ids (pattern \`${c.agencyIdPattern}\`); when set and the live links differ, the resource fails and nothing changes.`,
    },
  };
  const liveToken = {
    invalidatedAt: str("When the token was invalidated (RFC 3339), or null while it is valid."),
    invalidatedBy: str("Who invalidated it (`pulumi:<project>/<stack>` when Pulumi did), or null while it is valid."),
    revokedOutsidePulumi: bool("True when the token is invalid and was not invalidated by Pulumi."),
  };
  return {
    name: PACKAGE,
    displayName: "Marin Social",
    version: VERSION,
    description: "Marin Social publisher access tokens: declare which must be invalid; preview shows every agency that is cut off.",
    keywords: ["pulumi", "marin-social", "category/utility", "kind/native"],
    license: "Apache-2.0",
    config: { variables: configVariables },
    provider: {
      description: "The Marin Social provider. Configure it with stack config `marin-social:apiUrl`, `marin-social:apiKey` (secret), `marin-social:allowInsecureHttp`, or the environment.",
      inputProperties: configVariables,
      properties: { apiUrl: configVariables.apiUrl },
    },
    types: {
      [AGENCY]: {
        type: "object",
        description: "An agency an account is linked to.",
        properties: { id: str(`Agency id, e.g. \`ag-north\` (pattern \`${c.agencyIdPattern}\`).`), name: str("Agency name.") },
        required: ["id", "name"],
      },
      [PUBLISHER]: {
        type: "string",
        description: "A publisher Marin Social links accounts from.",
        enum: PUBLISHERS.map((value) => ({ value })),
      },
    },
    resources: {
      [TOKEN_TYPE]: {
        description:
          "One publisher access token. `pulumi up` reaches `valid: false` by invalidating the token (recorded as `pulumi:<project>/<stack>`) " +
          "and unlinking every agency; `pulumi preview` logs the agencies that are cut off. Creating it adopts the existing account; " +
          "deleting it changes nothing in Marin Social (a revoked token cannot be un-revoked). Import with `pulumi import " +
          `${TOKEN_TYPE} <name> <accountId>\`.`,
        inputProperties: inputs,
        requiredInputs: ["accountId", "valid"],
        properties: {
          ...inputs,
          accountId,
          valid: bool("Live validity."),
          publisher: { ...publisher, description: "The live account's publisher." },
          actor: str("Recorded as invalidatedBy when this stack invalidates: `pulumi:<project>/<stack>`."),
          accountName: str("The account's name."),
          externalId: str("The publisher's own id of the account."),
          linkedAgencies: agencies("The agencies the account is linked to now."),
          unlinkedAgencies: agencies("The agencies this resource cut off, across runs."),
          ...liveToken,
          tokenFingerprint: str("Identifies the token instance (changes on re-authorization).", { secret: true }),
          version: { type: "integer", description: "The account's version (the API's change counter) these outputs were read at." },
        },
        required: ["accountId", "valid", "publisher", "actor", "accountName", "externalId", "linkedAgencies", "unlinkedAgencies", "revokedOutsidePulumi", "tokenFingerprint"],
      },
    },
    functions: {
      [GET_ACCOUNT]: {
        description: "The live state of one account: its token's validity and the agencies it is linked to. Fails when the account does not exist.",
        inputs: { properties: { accountId }, required: ["accountId"] },
        outputs: {
          properties: {
            accountId,
            publisher,
            name: str("The account's name."),
            externalId: str("The publisher's own id of the account."),
            valid: bool("Whether the token is valid now."),
            linkedAgencies: agencies("The agencies the account is linked to."),
            ...liveToken,
            reason: str("The reason recorded with the invalidation, or null."),
          },
          required: ["accountId", "publisher", "name", "externalId", "valid", "linkedAgencies", "revokedOutsidePulumi"],
        },
      },
    },
  };
}
