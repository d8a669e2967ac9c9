/**
 * What the program says once `pulumi up` has acted on a token, when it differs from what its
 * audit line said before acting: the line is made from the lookup, before anything is done, and
 * another stack (or a person) may invalidate the token in between. Only the outputs tell.
 */
import * as pulumi from "@pulumi/pulumi";
import { type Agency, alreadyInvalidLine, displayText, type Publisher } from "../core";
import type { TokenAudit } from "../token/audit";
import { withoutStackTraces } from "./stack-traces";

/** The outputs read after the fact. */
interface Acted {
  invalidatedBy: pulumi.Output<string | null>;
  invalidatedAt: pulumi.Output<string | null>;
  unlinkedAgencies: pulumi.Output<Agency[]>;
}

/**
 * In `pulumi up`, for a token the audit planned to invalidate: once its outputs are known, logs
 * against it that the token was already invalid, if this stack's actor is not the one that
 * invalidated it.
 */
export function reportAfterTheFact(token: Acted, audit: TokenAudit, actor: string, about: pulumi.Resource): void {
  if (pulumi.runtime.isDryRun() || audit.status !== "found" || audit.valid !== true || !audit.action?.startsWith("invalidate")) return;
  pulumi.all([token.invalidatedBy, token.invalidatedAt, token.unlinkedAgencies]).apply(([by, at, unlinked]) => {
    if (by === actor) return;
    const live = { id: audit.accountId, publisher: audit.publisher as Publisher, name: audit.name ?? audit.accountId };
    withoutStackTraces(() => void pulumi.log.warn(displayText(alreadyInvalidLine(live, by, at, unlinked ?? [])), about));
  });
}
