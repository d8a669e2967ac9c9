/**
 * The data model shared by every layer. Pure types: no I/O, no Pulumi.
 *
 * These mirror `schemas/marin-social-api.yaml` (the HTTP contract) and
 * `schemas/tokens.schema.json` (the declaration format).
 */

/** The publishers Marin Social links accounts from. */
export type Publisher = "facebook" | "twitter";

/** All publishers, in a stable order. */
export const PUBLISHERS: readonly Publisher[] = ["facebook", "twitter"];

/** An agency, as the API names it. */
export interface Agency {
  id: string;
  name: string;
}

/** The access token of a publisher account. `invalidated*` and `reason` are null while valid. */
export interface TokenState {
  valid: boolean;
  fingerprint: string;
  invalidatedAt: string | null;
  invalidatedBy: string | null;
  reason: string | null;
}

/** A publisher account as `GET /v1/accounts/{id}` returns it. */
export interface Account {
  id: string;
  publisher: Publisher;
  externalId: string;
  name: string;
  token: TokenState;
  agencies: Agency[];
  version: number;
}

/** One entry of the audit log (`GET /v1/audit`). */
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  accountId: string;
  agencyId?: string | null;
  reason?: string | null;
}

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
