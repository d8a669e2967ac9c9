/**
 * The tokens the refusal tests declare, on either path (dynamic: test/e2e/refusals.test.ts,
 * native: test/e2e/native-refusals.test.ts), against the sandbox's demo seed with fb-1002 revoked
 * by hand first: tokens that can be cut off, every kind of refusal, and where the refused go.
 */

/** A declared token: resource name, the declaration, and (for a refused one) what its error must say. */
export interface Line {
  name: string;
  accountId: string;
  valid: boolean;
  publisher?: string;
  reason?: string;
  expectAgencies?: string[];
  refusedFor?: RegExp;
}

/** Tokens declared `valid: false` that can be cut off. */
export const CUT: Line[] = [
  { name: "acme", accountId: "fb-1001", valid: false, reason: "Jane left" },
  { name: "jane-tweets", accountId: "tw-2001", valid: false },
  { name: "granite", accountId: "fb-1007", valid: false },
  { name: "indigo", accountId: "tw-2003", valid: false, publisher: "twitter", expectAgencies: ["ag-east", "ag-west"] },
];

/** Every kind of refusal: a token revoked by hand declared valid, an unknown account, a publisher mismatch, the expectAgencies guard. */
export const REFUSED: Line[] = [
  { name: "brand", accountId: "fb-1002", valid: true, refusedFor: /revoked by mallory@agency\.example.*outside Pulumi/ },
  { name: "ghost", accountId: "fb-9999", valid: false, refusedFor: /account fb-9999 does not exist in Marin Social/ },
  {
    name: "wrong-publisher",
    accountId: "tw-2002",
    valid: false,
    publisher: "facebook",
    refusedFor: /tw-2002 is a twitter account, but publisher is declared as facebook/,
  },
  {
    name: "guarded",
    accountId: "fb-1003",
    valid: false,
    expectAgencies: ["ag-north"],
    refusedFor: /linked but not expected: South Agency \(ag-south\), West Agency \(ag-west\)/,
  },
];

export type Position = "first" | "middle" | "last";
export const POSITIONS: Position[] = ["first", "middle", "last"];

/** The refused lines first, in the middle of the others, or last. */
export function arrange(cut: Line[], refused: Line[], at: Position): Line[] {
  if (at === "first") return [...refused, ...cut];
  if (at === "last") return [...cut, ...refused];
  const half = Math.ceil(cut.length / 2);
  return [...cut.slice(0, half), ...refused, ...cut.slice(half)];
}
