/** The Pulumi adapter: the PublisherToken resource, its provider shim and lifecycle. */

export { PartialFailure } from "../token/errors";
export type { TokenInputs } from "../token/inputs";
export type { Observation } from "../token/observation";
export type { TokenOutputs } from "../token/outputs";
export { PublisherToken, type PublisherTokenArgs, REPORTED_ERROR_EXIT_CODE, type TokenAudit } from "./publisher-token";
export { publisherTokenProvider } from "./shim";
