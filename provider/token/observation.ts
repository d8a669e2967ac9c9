/**
 * What the program saw of an account when it declared the token. It travels to
 * the provider as the hidden input `observed`, so that check and diff (which the
 * engine calls one resource at a time) decide without an API round trip, and so
 * that a live change (a re-authorization) shows up as a diff on the next `pulumi up`.
 * It holds no secret: no fingerprint, no key.
 */
import { type Account, type Agency, type LiveToken, type Plan, PUBLISHERS, type Publisher } from "../core";
import type { InputFailure } from "./inputs";
import { storedAgencies } from "./outputs";
import type { TokenRefusal } from "./refusal";

/** The account exists. */
export interface FoundObservation {
  status: "found";
  publisher: Publisher;
  name: string;
  valid: boolean;
  invalidatedAt: string | null;
  invalidatedBy: string | null;
  reason: string | null;
  agencies: Agency[];
  /** The account's version when observed: create sends it as If-Match, so a change since is a 409, never acted on blindly. */
  version?: number;
}

/** A definite 404. */
export interface MissingObservation {
  status: "missing";
}

/** Any other lookup failure: the message is already redacted by the client. */
export interface FailedObservation {
  status: "error";
  message: string;
}

/**
 * Sent as `observed`, in a preview only, for a token the program refused and reported itself:
 * check lets it through (even with inputs it would reject), so that the preview, which `pulumi up`
 * runs first, goes on to the other tokens. Not an observation: {@link asObservation} ignores it.
 */
export const REFUSED_IN_PREVIEW = { status: "refused-in-preview" } as const;

/** True for {@link REFUSED_IN_PREVIEW}. */
export function isRefusedInPreview(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { status?: unknown }).status === REFUSED_IN_PREVIEW.status;
}

/** The result of the program-side lookup of one account. */
export type Observation = FoundObservation | MissingObservation | FailedObservation;

/**
 * The program's decision about a token, sent with its observation (the hidden input `observed`):
 * the provider acts on it (check fails with the refusal, diff and create follow the plan) instead
 * of deciding again. The program and the provider run in different processes, and the inputs are
 * all that passes between them.
 */
export interface Carried {
  plan?: PackedPlan;
  refusal?: TokenRefusal;
  /** For inputs the program's format check refused: its failures, which check reports. */
  failures?: InputFailure[];
}

/**
 * A plan as carried in state: whether it invalidates, and the ids of the agencies it unlinks (the
 * observation names them). Small, since it is stored with every token's inputs.
 */
export interface PackedPlan {
  invalidate?: true;
  unlink?: string[];
}

/** The carried form of `plan` (its refusal travels as {@link Carried.refusal}). */
export function packPlan(plan: Plan): PackedPlan {
  const unlink = plan.actions.flatMap((a) => (a.kind === "unlink" ? [a.agency.id] : []));
  return { ...(plan.actions.some((a) => a.kind === "invalidate") ? { invalidate: true as const } : {}), ...(unlink.length > 0 ? { unlink } : {}) };
}

/** The plan a {@link PackedPlan} carries, for `desired` as the program declared it, against the observation it was made from. */
export function unpackPlan(packed: PackedPlan, desired: { accountId: string; actor: string; reason?: string }, observed: FoundObservation): Plan {
  const { accountId, actor } = desired;
  const names = new Map(observed.agencies.map((a) => [a.id, a.name]));
  return {
    accountId,
    actions: [
      ...(packed.invalidate ? [{ kind: "invalidate" as const, accountId, actor, reason: desired.reason ?? null }] : []),
      ...(packed.unlink ?? []).map((id) => ({ kind: "unlink" as const, accountId, actor, agency: { id, name: names.get(id) ?? id } })),
    ],
  };
}

/** An observation with the program's decision, as the program sends it. */
export type DecidedObservation = Observation & { decided?: Carried };

/** The observation of a live account. */
export function observe(account: Account): FoundObservation {
  return {
    status: "found",
    publisher: account.publisher,
    name: account.name,
    valid: account.token.valid,
    invalidatedAt: account.token.invalidatedAt,
    invalidatedBy: account.token.invalidatedBy,
    reason: account.token.reason,
    agencies: account.agencies.map((a) => ({ id: a.id, name: a.name })),
    version: account.version,
  };
}

/** The planner's view of a found observation. */
export function liveFromObservation(accountId: string, o: FoundObservation): LiveToken {
  return {
    id: accountId,
    publisher: o.publisher,
    name: o.name,
    agencies: o.agencies,
    token: { valid: o.valid, invalidatedAt: o.invalidatedAt, invalidatedBy: o.invalidatedBy, reason: o.reason },
  };
}

/** Narrows an unknown input value to an observation, or undefined when absent or malformed. */
export function asObservation(value: unknown): DecidedObservation | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const decided = typeof v.decided === "object" && v.decided !== null ? { decided: v.decided as Carried } : {};
  if (v.status === "missing") return { status: "missing", ...decided };
  if (v.status === "error" && typeof v.message === "string") return { status: "error", message: v.message, ...decided };
  if (
    v.status === "found" &&
    PUBLISHERS.includes(v.publisher as Publisher) &&
    typeof v.name === "string" &&
    typeof v.valid === "boolean" &&
    Array.isArray(v.agencies)
  ) {
    return value as FoundObservation;
  }
  return undefined;
}

/**
 * The account as recorded in a token's outputs, as an observation: for a diff with nothing newer
 * seen (refresh's, where the outputs are the newest view). Undefined for outputs that are not a
 * token's (older or partial state).
 */
export function recordedObservation(accountId: string, outputs: Record<string, unknown>): FoundObservation | undefined {
  const o = outputs;
  if (typeof o.valid !== "boolean" || !PUBLISHERS.includes(o.publisher as Publisher)) return undefined;
  return {
    status: "found",
    publisher: o.publisher as Publisher,
    name: typeof o.accountName === "string" ? o.accountName : accountId,
    valid: o.valid,
    invalidatedAt: typeof o.invalidatedAt === "string" ? o.invalidatedAt : null,
    invalidatedBy: typeof o.invalidatedBy === "string" ? o.invalidatedBy : null,
    reason: null,
    agencies: storedAgencies(o, "linkedAgencies"),
    ...(typeof o.version === "number" ? { version: o.version } : {}),
  };
}
