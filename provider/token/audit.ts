/**
 * The audit of one declared token against what was seen of its live account: the line logged
 * against the resource before anything changes (by the stack program on the dynamic path, by the
 * plugin on the native one), and the summary the stack exports. Pure.
 */
import { type Agency, accountLabel, auditLine, type DesiredToken, type Publisher, summarizePlan } from "../core";
import { liveFromObservation, type Observation } from "./observation";
import type { Decision } from "./refusal";

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

/**
 * The audit of `desired` against what was decided (its plan, made once by {@link decide}), with the
 * severity to log it at.
 */
export function auditOf(desired: DesiredToken, decision: Decision): { severity: "info" | "warn" | "error"; audit: TokenAudit } {
  const { accountId } = desired;
  const { observed, refusal, plan } = decision;
  if (observed.status !== "found") {
    return { severity: "error", audit: { accountId, status: observed.status, message: refusal!.message } };
  }
  const live = liveFromObservation(accountId, observed);
  const seen = {
    accountId,
    status: "found" as const,
    publisher: observed.publisher,
    name: observed.name,
    valid: observed.valid,
    linkedAgencies: observed.agencies,
  };
  if (!plan) {
    return { severity: "error", audit: { ...seen, action: "refuse (duplicate)", message: `${accountLabel(live)}: ${refusal!.message}` } };
  }
  const line = auditLine(live, plan);
  return { severity: line.severity, audit: { ...seen, action: summarizePlan(plan), message: line.message } };
}
