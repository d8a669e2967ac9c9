/**
 * Validated declaration data to tokens, with `defaults` applied.
 */
import type { Publisher } from "../core/types";
import type { Position } from "./locate";
import type { LocatedToken } from "./types";

type Entry = Record<string, unknown>;

/**
 * Builds the tokens of data that passed the schema and the rules. Each token
 * takes every key it does not set from `defaults`; unset keys stay absent.
 * Lists are copied, so tokens never share an array.
 */
export function buildTokens(data: Entry, file: string, positionOf: (index: number) => Position): LocatedToken[] {
  const defaults = (data.defaults ?? {}) as Entry;
  const tokens = data.tokens as Entry[];
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
