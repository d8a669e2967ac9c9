/** Who did what: the actor strings recorded by Marin Social's audit log. */
import { createHash } from "node:crypto";
import { ACTOR } from "../generated/contract";
import { satisfies } from "./rules";

/** The prefix of every actor this project writes. */
export const PULUMI_ACTOR_PREFIX = "pulumi:";

/** One character of an actor: the contract's Actor pattern, without its lengths. */
const ACTOR_CHARACTER = { schema: ACTOR.schema, pattern: ACTOR.pattern, description: ACTOR.description };

/** Hex digits of the hash that ends a shortened actor. */
const HASH_DIGITS = 16;

/**
 * The actor recorded for changes made by a stack: `pulumi:<project>/<stack>`, always one the
 * API accepts (the contract's `Actor`: at most `ACTOR.maxLength` characters, no control
 * characters), so that whatever `pulumi preview` accepts, `pulumi up` can record.
 *
 * When `pulumi:<project>/<stack>` does not fit, it is shortened deterministically: every
 * character the contract refuses becomes `?`, the text is cut, and `~` plus 16 hex digits of
 * the SHA-256 of the full `pulumi:<project>/<stack>` end it, filling exactly
 * `ACTOR.maxLength` characters. A stack therefore gets the same actor on every run and
 * machine (so "invalidated by this stack" is recognised), and two stacks that differ only
 * past the cut get different actors. It still starts with `pulumi:` ({@link isPulumiActor}).
 */
export function pulumiActor(project: string, stack: string): string {
  const full = `${PULUMI_ACTOR_PREFIX}${project}/${stack}`;
  if (satisfies(ACTOR, full)) return full;
  const suffix = `~${createHash("sha256").update(full).digest("hex").slice(0, HASH_DIGITS)}`;
  const kept = [...full].map((c) => (satisfies(ACTOR_CHARACTER, c) ? c : "?")).slice(0, ACTOR.maxLength - suffix.length);
  const actor = kept.join("") + suffix;
  if (!satisfies(ACTOR, actor)) {
    throw new Error(`cannot make an actor the API accepts (${ACTOR.description}) from project ${JSON.stringify(project)} and stack ${JSON.stringify(stack)}`);
  }
  return actor;
}

/** True when `actor` was written by Pulumi (any project or stack). */
export function isPulumiActor(actor: string | null | undefined): boolean {
  return typeof actor === "string" && actor.startsWith(PULUMI_ACTOR_PREFIX);
}
