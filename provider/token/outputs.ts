/**
 * The outputs of a PublisherToken, built from its inputs and the live account.
 */
import { type Account, type Agency, isPulumiActor } from "../core";
import type { PublisherTokenOutputs } from "../generated/token";
import type { TokenInputs } from "./inputs";

/**
 * Everything a PublisherToken records in state (generated from the token definition). The hidden
 * input `observed` is not repeated here: it stays in the inputs, keeping state small.
 */
export type TokenOutputs = PublisherTokenOutputs;

/** Output keys that are always stored as secrets. */
export { TOKEN_SECRET_OUTPUTS as SECRET_OUTPUTS } from "../generated/token";

/** Merges agency lists by id, keeping the first name seen, sorted by id. */
export function mergeAgencies(a: readonly Agency[], b: readonly Agency[]): Agency[] {
  const byId = new Map<string, Agency>();
  for (const x of [...a, ...b]) if (!byId.has(x.id)) byId.set(x.id, { id: x.id, name: x.name });
  return [...byId.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

/** Builds the outputs: inputs, then the live facts, then what was unlinked so far. */
export function buildOutputs(inputs: TokenInputs, live: Account, unlinked: readonly Agency[]): TokenOutputs {
  const { observed: _observed, ...declared } = inputs;
  return {
    ...declared,
    valid: live.token.valid,
    publisher: live.publisher,
    accountName: live.name,
    externalId: live.externalId,
    linkedAgencies: live.agencies.map((a) => ({ id: a.id, name: a.name })),
    unlinkedAgencies: mergeAgencies(unlinked, []),
    invalidatedAt: live.token.invalidatedAt,
    invalidatedBy: live.token.invalidatedBy,
    revokedOutsidePulumi: !live.token.valid && !isPulumiActor(live.token.invalidatedBy),
    tokenFingerprint: live.token.fingerprint,
    authorizedBy: live.token.authorizedBy ?? null,
    authorizedAt: live.token.authorizedAt ?? null,
    version: live.version,
  };
}

/** Reads the agency list stored under `key` in old outputs, tolerating older or partial state. */
export function storedAgencies(props: Record<string, unknown>, key: string): Agency[] {
  const v = props[key];
  if (!Array.isArray(v)) return [];
  return v.filter((a): a is Agency => typeof a === "object" && a !== null && typeof (a as Agency).id === "string" && typeof (a as Agency).name === "string");
}
