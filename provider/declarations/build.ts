/**
 * Validated declaration data to tokens, with `defaults` applied.
 */
import type { Publisher } from "../core/types";
import type { Position } from "./locate";
import type { LocatedPerson, LocatedToken } from "./types";

type Entry = Record<string, unknown>;

/**
 * Builds the tokens of data that passed the schema and the rules. Each token
 * takes every key it does not set from `defaults`; unset keys stay absent.
 * Lists are copied, so tokens never share an array.
 */
export function buildTokens(data: Entry, file: string, positionOf: (index: number) => Position): LocatedToken[] {
  const defaults = (data.defaults ?? {}) as Entry;
  const tokens = (data.tokens ?? []) as Entry[];
  return tokens.map((t, i) => {
    const pick = (key: string): unknown => (t[key] !== undefined ? t[key] : defaults[key]);
    const token: LocatedToken = {
      accountId: t.accountId as string,
      valid: pick("valid") as boolean,
      location: { file, ...positionOf(i) },
    };
    const publisher = pick("publisher");
    if (publisher !== undefined) token.publisher = publisher as Publisher;
    const reason = pick("reason");
    if (reason !== undefined) token.reason = reason as string;
    const agencies = pick("expectAgencies");
    if (agencies !== undefined) token.expectAgencies = [...(agencies as string[])];
    // Keep `location` last in key order, after the declared keys.
    const { location, ...rest } = token;
    return { ...rest, location };
  });
}

/** Builds the `people:` entries of data that passed the schema and the rules; `reason` falls back to `defaults`. */
export function buildPeople(data: Entry, file: string, positionOf: (index: number) => Position): LocatedPerson[] {
  const defaults = (data.defaults ?? {}) as Entry;
  return ((data.people ?? []) as Entry[]).map((p, i) => {
    const reason = p.reason ?? defaults.reason;
    return {
      person: p.person as string,
      ...(reason !== undefined ? { reason: reason as string } : {}),
      ...(p.keep !== undefined ? { keep: [...(p.keep as string[])] } : {}),
      ...(p.expectAccounts !== undefined ? { expectAccounts: [...(p.expectAccounts as string[])] } : {}),
      location: { file, ...positionOf(i) },
    };
  });
}
