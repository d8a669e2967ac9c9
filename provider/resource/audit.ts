/**
 * The audit of one declared token against what was seen of its live account: the line logged
 * against the resource before anything changes (by the stack program on the dynamic path, by the
 * plugin on the native one), and the summary the stack exports. Pure.
 */
import { auditLine, planToken, summarizePlan, type Agency, type Publisher } from "../core";
import { liveFromObservation, type Observation } from "./observation";

/** What the program saw before acting, as logged: used for the stack's audit summary. */
export interface TokenAudit {
  accountId: string;
  /** `found`, `missing` or `error`. */
  status: Observation["status"];
  publisher?: Publisher;
  name?: string;
  /** Live validity before this run. */
  valid?: boolean;
  linkedAgencies?: Agency[];
  /** What `pulumi up` would do, e.g. `invalidate, unlink 3 agencies`. */
  action?: string;
  message: string;
}

/** The audit of `desired` against `observed`, with the severity to log it at. */
export function auditOf(
  desired: { accountId: string; valid: boolean; publisher?: Publisher; reason?: string; expectAgencies?: string[] },
  observed: Observation,
  actor: string,
): { severity: "info" | "warn" | "error"; audit: TokenAudit } {
  const accountId = desired.accountId;
  if (observed.status === "missing") {
    const message = `account ${accountId} does not exist in Marin Social; check the accountId`;
    return { severity: "error", audit: { accountId, status: "missing", message } };
  }
  if (observed.status === "error") {
    const message = `could not read account ${accountId} from Marin Social: ${observed.message}`;
    return { severity: "error", audit: { accountId, status: "error", message } };
  }
  const live = liveFromObservation(accountId, observed);
  const plan = planToken(clean(desired), live, { actor });
  const line = auditLine(live, plan);
  return {
    severity: line.severity,
    audit: {
      accountId,
      status: "found",
      publisher: observed.publisher,
      name: observed.name,
      valid: observed.valid,
      linkedAgencies: observed.agencies,
      action: summarizePlan(plan),
      message: line.message,
    },
  };
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
