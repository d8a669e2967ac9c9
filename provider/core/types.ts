/**
 * The data model shared by every layer. Pure types: no I/O, no Pulumi.
 *
 * The API's types and rules are generated from `schemas/marin-social-api.yaml` (the HTTP
 * contract) into `provider/generated/contract.ts`; `DesiredToken` from the token definition
 * (`schemas/publisher-token.yaml`) into `provider/generated/token.ts`, as are the token
 * definitions of `schemas/tokens.schema.json` (the declaration format).
 */
import { PUBLISHERS as CONTRACT_PUBLISHERS, type Publisher } from "../generated/contract";

export type { Account, Agency, AuditEntry, Person, Publisher, TokenState } from "../generated/contract";
export type { DesiredToken } from "../generated/token";

/** All publishers, in the contract's order. */
export const PUBLISHERS: readonly Publisher[] = CONTRACT_PUBLISHERS;
