/**
 * The Pulumi package schema of `marin-social` (what GetSchema returns): the PublisherToken
 * resource, the getAccount and getAccounts functions and the provider configuration. Pulumi YAML type-checks
 * programs against it, and `pulumi import` and `pulumi package gen-sdk` read it.
 *
 * The PublisherToken resource is generated from the token definition and the API contract
 * (provider/generated/token.ts), as are the ids and the publishers; the Pulumi schema language
 * has no patterns, so they are stated in the descriptions.
 */

import { VERSION } from "../client";
import { PUBLISHERS } from "../core";
import { ACCOUNT_ID, AGENCY_ID, PERSON_REF } from "../generated/contract";
import { PUBLISHER_TOKEN_SCHEMA } from "../generated/token";
import type { AccountState, GetAccountsArgs } from "../token/accounts";
import { PUBLISHING } from "./package-metadata";

/** The package name, and the prefix of every config key. */
export const PACKAGE = "marin-social";
/** The native resource's type token. */
export const TOKEN_TYPE = `${PACKAGE}:index:PublisherToken`;
/** The Offboarding component's type token. */
export const OFFBOARDING_TYPE = `${PACKAGE}:index:Offboarding`;
/** The functions' tokens. */
export const GET_ACCOUNT = `${PACKAGE}:index:getAccount`;
export const GET_ACCOUNTS = `${PACKAGE}:index:getAccounts`;

const AGENCY = `${PACKAGE}:index:Agency`;
const PUBLISHER = `${PACKAGE}:index:Publisher`;
const PERSON = `${PACKAGE}:index:Person`;
const ACCOUNT = `${PACKAGE}:index:Account`;

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
  // One account's live state: getAccount's result, and each item of getAccounts' (token/accounts.ts's AccountState).
  const accountProperties: Record<keyof AccountState, object> = {
    accountId,
    publisher,
    name: str("The account's name."),
    externalId: str("The publisher's own id of the account."),
    valid: bool("Whether the token is valid now."),
    linkedAgencies: agencies("The agencies the account is linked to."),
    invalidatedAt: str("When the token was invalidated (RFC 3339), or null while it is valid."),
    invalidatedBy: str("Who invalidated it (`pulumi:<project>/<stack>` when Pulumi did), or null while it is valid."),
    reason: str("The reason recorded with the invalidation, or null."),
    revokedOutsidePulumi: bool("True when the token is invalid and was not invalidated by Pulumi."),
    authorizedBy: { $ref: `#/types/${PERSON}`, description: "Who granted the token at the publisher, or null when not known." },
    authorizedAt: str("When they last granted it (RFC 3339; a re-authorization sets it anew), or null when not known."),
  };
  const accountRequired = ["accountId", "publisher", "name", "externalId", "valid", "linkedAgencies", "revokedOutsidePulumi"];
  const filters: Record<keyof GetAccountsArgs, object> = {
    authorizedBy: str(
      `Only accounts whose token this person authorized: their publisher-side user id (exact) or email (any case), e.g. \`jane@agency.example\` (${PERSON_REF.minLength} to ${PERSON_REF.maxLength} characters).`,
    ),
    publisher: { $ref: `#/types/${PUBLISHER}`, description: "Only this publisher's accounts." },
    agency: str(`Only accounts linked to this agency id (pattern \`${AGENCY_ID.pattern}\`).`),
    valid: bool("Only accounts whose token is (true) or is not (false) valid."),
  };
  return {
    name: PACKAGE,
    displayName: "Marin Social",
    version: VERSION,
    description: "Marin Social publisher access tokens: declare which must be invalid; preview shows every agency that is cut off.",
    keywords: ["pulumi", "marin-social", "category/utility", "kind/native"],
    license: "Apache-2.0",
    ...PUBLISHING,
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
      [PERSON]: {
        type: "object",
        description: "A publisher-side user, who granted an account's token at the publisher.",
        properties: {
          id: str("Their stable publisher-side user id."),
          name: str("Their display name at the publisher."),
          email: str("Their email, when the publisher gives one."),
        },
        required: ["id", "name"],
      },
      [ACCOUNT]: {
        type: "object",
        description: "One account's live state: its token's validity, who authorized it, and the agencies it is linked to.",
        properties: accountProperties,
        required: accountRequired,
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
        outputs: { properties: accountProperties, required: accountRequired },
      },
      [GET_ACCOUNTS]: {
        description:
          "Every account matching the filters (they combine; none lists every account), in id order, read in pages: e.g. every token a person authorized, to offboard them.",
        inputs: { properties: filters, required: [] },
        outputs: {
          properties: { accounts: { type: "array", items: { $ref: `#/types/${ACCOUNT}` }, description: "The matching accounts, in id order." } },
          required: ["accounts"],
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
