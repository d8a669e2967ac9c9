/**
 * The detailed diff of a PublisherToken: exactly the properties that change, for `pulumi preview`
 * (and, inverted by the engine, for `pulumi refresh`). Pure.
 *
 * - Each declared property whose value differs, as an input diff (`accountId` replaces).
 * - What the plan does to live state, as output diffs: `valid` when the token is invalidated
 *   (`valid: true => false`), and `linkedAgencies` when agencies are unlinked (the engine shows
 *   the recorded links as removed).
 * Nothing else: the provider has no hidden inputs, so there is no noise.
 */
import { type Plan, sameValue } from "../core";
import { USER_INPUTS } from "../token/inputs";

/** Kinds of a property diff, as pulumirpc.PropertyDiff.Kind numbers them. */
export enum Kind {
  ADD = 0,
  ADD_REPLACE = 1,
  DELETE = 2,
  DELETE_REPLACE = 3,
  UPDATE = 4,
  UPDATE_REPLACE = 5,
}

/** One entry of a detailed diff. */
export interface PropertyDiff {
  kind: Kind;
  /** True: compare old and new inputs; false: old outputs against the new state. */
  inputDiff: boolean;
}

/** Output properties an update never changes (when the resource is not replaced). */
export const STABLE_OUTPUTS = ["accountId", "externalId", "publisher", "tokenFingerprint"] as const;

/** The declared properties that differ between old and new inputs, each with its kind. */
function inputChanges(olds: Record<string, unknown>, news: Record<string, unknown>): Record<string, PropertyDiff> {
  const out: Record<string, PropertyDiff> = {};
  for (const key of USER_INPUTS) {
    const [o, n] = [olds[key], news[key]];
    if (sameValue(o, n)) continue;
    const replace = key === "accountId";
    const kind =
      o === undefined
        ? replace
          ? Kind.ADD_REPLACE
          : Kind.ADD
        : n === undefined
          ? replace
            ? Kind.DELETE_REPLACE
            : Kind.DELETE
          : replace
            ? Kind.UPDATE_REPLACE
            : Kind.UPDATE;
    out[key] = { kind, inputDiff: true };
  }
  return out;
}

/**
 * The detailed diff: the input changes, plus the plan's effect on the recorded outputs
 * (`oldOutputs`). `plan` is absent when the live account is not known.
 */
export function detailedDiff(
  oldInputs: Record<string, unknown>,
  oldOutputs: Record<string, unknown>,
  news: Record<string, unknown>,
  plan: Plan | undefined,
): Record<string, PropertyDiff> {
  const out = inputChanges(oldInputs, news);
  if (!plan) return out;
  if (!out.valid && plan.actions.some((a) => a.kind === "invalidate") && oldOutputs.valid !== news.valid) {
    out.valid = { kind: Kind.UPDATE, inputDiff: false };
  }
  const linked = oldOutputs.linkedAgencies;
  if (plan.actions.some((a) => a.kind === "unlink") && Array.isArray(linked) && linked.length > 0) {
    out.linkedAgencies = { kind: Kind.DELETE, inputDiff: false };
  }
  return out;
}
