/**
 * The Pulumi package schema of `marin-social` (what GetSchema returns): the PublisherToken
 * resource, the getAccount function and the provider configuration. Pulumi YAML type-checks
 * programs against it, and `pulumi import` and `pulumi package gen-sdk` read it.
 *
 * The PublisherToken resource is generated from the token definition and the API contract
 * (provider/generated/token.ts), as are the ids and the publishers; the Pulumi schema language
 * has no patterns, so they are stated in the descriptions.
 */

import { VERSION } from "../client";
import { PUBLISHERS } from "../core";
import { ACCOUNT_ID, AGENCY_ID } from "../generated/contract";
import { PUBLISHER_TOKEN_SCHEMA } from "../generated/token";

/** The package name, and the prefix of every config key. */
export const PACKAGE = "marin-social";
/** The native resource's type token. */
export const TOKEN_TYPE = `${PACKAGE}:index:PublisherToken`;
/** The Offboarding component's type token. */
export const OFFBOARDING_TYPE = `${PACKAGE}:index:Offboarding`;
/** The function's token. */
export const GET_ACCOUNT = `${PACKAGE}:index:getAccount`;

const AGENCY = `${PACKAGE}:index:Agency`;
const PUBLISHER = `${PACKAGE}:index:Publisher`;

const str = (description: string, extra: object = {}) => ({ type: "string", description, ...extra });
const bool = (description: string) => ({ type: "boolean", description });
const agencies = (description: string) => ({ type: "array", items: { $ref: `#/types/${AGENCY}` }, description });

/** Builds the schema (a plain object; GetSchema sends it as JSON). */
export function packageSchema(): Record<string, unknown> {
  const accountId = str(`The Marin Social account id, e.g. \`fb-1001\` (pattern \`${ACCOUNT_ID.pattern}\`).`);
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
      description:
        "The Marin Social provider. Configure it with stack config `marin-social:apiUrl`, `marin-social:apiKey` (secret), `marin-social:allowInsecureHttp`, or the environment.",
      inputProperties: configVariables,
      properties: { apiUrl: configVariables.apiUrl },
    },
    types: {
      [AGENCY]: {
        type: "object",
        description: "An agency an account is linked to.",
        properties: { id: str(`Agency id, e.g. \`ag-north\` (pattern \`${AGENCY_ID.pattern}\`).`), name: str("Agency name.") },
        required: ["id", "name"],
      },
      [PUBLISHER]: {
        type: "string",
        description: "A publisher Marin Social links accounts from.",
        enum: PUBLISHERS.map((value) => ({ value })),
      },
    },
    resources: {
      [TOKEN_TYPE]: PUBLISHER_TOKEN_SCHEMA,
      [OFFBOARDING_TYPE]: offboardingSchema(),
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

/** The Offboarding component: served by Construct (construct.ts), so every language and Pulumi YAML can use it. */
function offboardingSchema(): Record<string, unknown> {
  const ids = (description: string) => ({ type: "array", items: { type: "string" }, description });
  return {
    isComponent: true,
    description:
      "Offboards a person: one PublisherToken child, valid: false, per account whose token they authorized, asked again on every run (so a re-authorization or a newly connected account is cut by the next up). Keep-listed accounts are never touched; preview names every account and agency cut.",
    inputProperties: {
      person: str(
        `The person, as the token's authorizedBy carries them: their publisher-side user id (exact) or email (any case), e.g. \`jane@agency.example\`.`,
      ),
      reason: str("Recorded with each invalidation."),
      keep: ids("Account ids never touched, even when the person authorized them."),
      expectAccounts: ids(
        "A guard: the account ids this offboarding may cut. When it would cut one not listed, the whole entry is refused and nothing of the person's is cut; listed accounts not found never stop it.",
      ),
    },
    requiredInputs: ["person"],
    properties: {
      person: str("The person offboarded."),
      accounts: ids("The accounts this offboarding manages, each a PublisherToken child declared valid: false."),
      kept: ids("Keep-listed accounts the person authorized, left untouched."),
    },
    required: ["person", "accounts", "kept"],
  };
}
