/**
 * pulumi-marin-social: infrastructure as code for Marin Social publisher access tokens.
 *
 * The one public entry: the PublisherToken resource and its provider, getAccounts (every
 * account matching filters, e.g. every token a person authorized), the declaration loader, the API
 * client and its errors, and the pure core's types.
 */

export type { AccountsByPersonQuery, ClientOptions } from "./client";
export { isMarinSocialError, isNotFound, MarinSocialClient, resolveConnection } from "./client";
export * from "./core";
export type { LoadResult, LocatedToken, Problem } from "./declarations";
export { assertValid, DeclarationError, loadDeclarations, parseDeclarations } from "./declarations";
export type { Observation, PublisherTokenArgs, TokenAudit, TokenInputs, TokenOutputs } from "./dynamic";
export { PartialFailure, PublisherToken, publisherTokenProvider } from "./dynamic";
export type { AccountState, GetAccountsArgs, GetAccountsResult } from "./dynamic/accounts";
export { getAccounts, getAccountsOutput } from "./dynamic/accounts";
export type { DeclaredStackOptions, DeclaredStackOutputs } from "./dynamic/declared-stack";
export { declaredStack, USER_ERROR_EXIT_CODE } from "./dynamic/declared-stack";
export type { OffboardingArgs } from "./dynamic/offboarding";
export { Offboarding } from "./dynamic/offboarding";
