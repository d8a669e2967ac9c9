/**
 * Checking a string against one of the contract's string rules (`ACCOUNT_ID`, `AGENCY_ID`,
 * `ACTOR`, `REASON` in provider/generated/contract.ts), exactly as the API's JSON Schema
 * validator does: lengths count Unicode code points, not UTF-16 units, and patterns are
 * Unicode regular expressions.
 */

/** A string rule of `schemas/marin-social-api.yaml`, as generated. */
export interface StringRule {
  /** Its name under `components.schemas`. */
  readonly schema: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Completes "must be ...": what a valid value is, with every length limit. */
  readonly description: string;
}

const compiled = new Map<string, RegExp>();

/** The length JSON Schema's `minLength`/`maxLength` measure: Unicode code points. */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** True when `value` is a string the contract accepts under `rule`. */
export function satisfies(rule: StringRule, value: unknown): value is string {
  if (typeof value !== "string") return false;
  const n = codePointLength(value);
  if (rule.minLength !== undefined && n < rule.minLength) return false;
  if (rule.maxLength !== undefined && n > rule.maxLength) return false;
  if (rule.pattern === undefined) return true;
  let re = compiled.get(rule.pattern);
  if (!re) {
    re = new RegExp(rule.pattern, "u");
    compiled.set(rule.pattern, re);
  }
  return re.test(value);
}
