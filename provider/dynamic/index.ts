/** The Pulumi adapter: the PublisherToken resource, its provider shim and lifecycle. */
export { PublisherToken, REPORTED_ERROR_EXIT_CODE, type PublisherTokenArgs, type TokenAudit } from "./publisher-token";
export { publisherTokenProvider } from "./shim";
export type { TokenInputs } from "../token/inputs";
export type { TokenOutputs } from "../token/outputs";
export type { Observation } from "../token/observation";
export { PartialFailure } from "../token/errors";
