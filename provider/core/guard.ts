/**
 * The rule of every blast-radius guard: `expectAgencies` on a token, `expectAccounts` on a person
 * being offboarded. Pure.
 *
 * A guard exists to stop a run from cutting *more* than its author expected. So it bounds a cut
 * from above: it refuses when the run would cut something it does not name, and never because
 * something it names is not there to cut (already cut, cut by hand, disconnected, or a token
 * re-authorized with its links gone). Fewer cuts than expected never stop a revocation: what the
 * guard names but the run will not cut is only reported.
 */

/** How a cut compares with what its guard expected. */
export interface GuardCheck<T> {
  /** What the run would cut that the guard does not name: the guard refuses when this is not empty. */
  beyond: T[];
  /** Ids the guard names that the run will not cut: reported, never refused for. */
  absent: string[];
}

/** Compares `toCut` (what the run would cut) with the ids `expected`; both results keep their input order, `absent` sorted. */
export function checkGuard<T>(expected: readonly string[], toCut: readonly T[], idOf: (item: T) => string): GuardCheck<T> {
  const want = new Set(expected);
  const cut = new Set(toCut.map(idOf));
  return { beyond: toCut.filter((item) => !want.has(idOf(item))), absent: [...want].filter((id) => !cut.has(id)).sort() };
}

/** True when the guard refuses the cut: it would reach something the guard does not name. */
export function guardRefuses(check: GuardCheck<unknown>): boolean {
  return check.beyond.length > 0;
}
