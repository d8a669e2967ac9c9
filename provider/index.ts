/**
 * pulumi-marin-social: infrastructure as code for Marin Social publisher access tokens.
 *
 * The one public entry: the PublisherToken resource and its provider, the
 * declaration loader, the API client and its errors, and the pure core's types.
 */
export { PublisherToken, publisherTokenProvider, PartialFailure } from "./dynamic";
export type { PublisherTokenArgs, TokenAudit, TokenInputs, TokenOutputs, Observation } from "./dynamic";
export * from "./core";
export { MarinSocialClient, resolveConnection, isNotFound, isMarinSocialError } from "./client";
export type { ClientOptions } from "./client";
export { declaredStack, USER_ERROR_EXIT_CODE } from "./dynamic/declared-stack";
export type { DeclaredStackOptions, DeclaredStackOutputs } from "./dynamic/declared-stack";
export { loadDeclarations, parseDeclarations, DeclarationError, assertValid } from "./declarations";
export type { LoadResult, LocatedToken, Problem } from "./declarations";
