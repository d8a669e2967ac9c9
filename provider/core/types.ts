/**
 * The data model shared by every layer. Pure types: no I/O, no Pulumi.
 *
 * The API's types and rules are generated from `schemas/marin-social-api.yaml` (the HTTP
 * contract) into `provider/generated/contract.ts`; `DesiredToken` mirrors
 * `schemas/tokens.schema.json` (the declaration format), whose id, length and enum keywords
 * are generated from the same contract.
 */
import { PUBLISHERS as CONTRACT_PUBLISHERS, type Publisher } from "../generated/contract";

export type { Account, Agency, AuditEntry, Publisher, TokenState } from "../generated/contract";

/** All publishers, in the contract's order. */
export const PUBLISHERS: readonly Publisher[] = CONTRACT_PUBLISHERS;

/**
 * The declared state of one publisher token: one entry of a declaration
 * file, or the inputs of one `PublisherToken` resource.
 */
export interface DesiredToken {
  accountId: string;
  valid: boolean;
  publisher?: Publisher;
  reason?: string;
  expectAgencies?: string[];
}
