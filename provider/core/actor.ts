/** Who did what: the actor strings recorded by Marin Social's audit log. */

/** The prefix of every actor this project writes. */
export const PULUMI_ACTOR_PREFIX = "pulumi:";

/** The actor recorded for changes made by a stack: `pulumi:<project>/<stack>`. */
export function pulumiActor(project: string, stack: string): string {
  return `${PULUMI_ACTOR_PREFIX}${project}/${stack}`;
}

/** True when `actor` was written by Pulumi (any project or stack). */
export function isPulumiActor(actor: string | null | undefined): boolean {
  return typeof actor === "string" && actor.startsWith(PULUMI_ACTOR_PREFIX);
}
