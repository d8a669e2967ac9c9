/**
 * What a fresh sandbox holds: the demo seed (as data), seed files, and writing a seed into the store.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Agency, type Person, PUBLISHERS, type Publisher } from "../core/types";
import { PUBLISHER_ID_PREFIXES } from "../generated/contract";
import type { Contract } from "./contract";
import { describeIssues } from "./issues";
import type { NewAccount, Store } from "./store";

/** An account of a seed (a seed file's entry, or an explicit account of `POST /_sandbox/accounts`). */
export interface SeedAccount {
  id: string;
  publisher: Publisher;
  externalId?: string;
  name: string;
  agencies: string[];
  valid?: boolean;
  invalidatedBy?: string;
  invalidatedAt?: string;
  reason?: string;
  /** Who granted the token at the publisher; left out, not known. */
  authorizedBy?: Person;
  /** When (default: when the account is written); needs `authorizedBy`. */
  authorizedAt?: string;
}

/** The whole content of a seed. */
export interface SeedData {
  agencies: Agency[];
  accounts: SeedAccount[];
}

/** The actor recorded for seeded invalid accounts that name none. */
export const SEED_ACTOR = "sandbox-seed";

/** The actor the audit log names for what a publisher did outside the API (a link, a connection, a re-authorization). */
export const PUBLISHER_ACTOR = "publisher";

const acct = (id: string, name: string, agencies: string[], extra: Partial<SeedAccount> = {}): SeedAccount => ({
  id,
  publisher: publisherOfId(id),
  name,
  agencies,
  ...extra,
});

/** The publisher whose id prefix (`x-publisher-id-prefixes` in the contract) starts `id`; else the first publisher. */
export function publisherOfId(id: string): Publisher {
  return PUBLISHERS.find((p) => id.startsWith(PUBLISHER_ID_PREFIXES[p])) ?? (PUBLISHERS[0] as Publisher);
}

/**
 * The people of the demo seed who authorized its tokens at the publishers. Jane Doe holds tokens
 * on both publishers across every agency, one of them (`fb-1007`) already revoked by hand; Li Wei's
 * publisher gives no email.
 */
export const DEMO_PEOPLE = {
  jane: { id: "u-7001", name: "Jane Doe", email: "jane@agency.example" },
  raj: { id: "u-7002", name: "Raj Patel", email: "raj@agency.example" },
  li: { id: "u-7003", name: "Li Wei" },
} as const satisfies Record<string, Person>;

const by = (person: Person, authorizedAt: string): Partial<SeedAccount> => ({ authorizedBy: { ...person }, authorizedAt });
const jane = (at: string) => by(DEMO_PEOPLE.jane, at);
const raj = (at: string) => by(DEMO_PEOPLE.raj, at);
const li = (at: string) => by(DEMO_PEOPLE.li, at);

/**
 * The demo seed: 4 agencies, 14 accounts (facebook and twitter). `fb-1001` "Acme Coffee" is linked
 * to 3 agencies, several others to 2 or 3; `fb-1007` is already invalid (revoked by a person in the
 * web UI); `fb-1006` is linked to no agency. Every token names who authorized it ({@link DEMO_PEOPLE}):
 * Jane Doe's are `fb-1001`, `fb-1004`, `fb-1007` (revoked), `tw-2001` and `tw-2004`.
 */
export const DEMO_SEED: SeedData = {
  agencies: [
    { id: "ag-north", name: "North Agency" },
    { id: "ag-south", name: "South Agency" },
    { id: "ag-east", name: "East Agency" },
    { id: "ag-west", name: "West Agency" },
  ],
  accounts: [
    acct("fb-1001", "Acme Coffee", ["ag-north", "ag-south", "ag-east"], jane("2025-03-02T10:00:00.000Z")),
    acct("fb-1002", "Blue Harbor Bakery", ["ag-north"], raj("2025-04-11T14:20:00.000Z")),
    acct("fb-1003", "Cedar & Pine Outfitters", ["ag-south", "ag-west"], raj("2025-05-06T08:45:00.000Z")),
    acct("fb-1004", "Driftwood Yoga", ["ag-east"], jane("2025-06-19T16:05:00.000Z")),
    acct("fb-1005", "Evergreen Dental", ["ag-north", "ag-west"], li("2025-07-23T11:30:00.000Z")),
    acct("fb-1006", "Foxglove Florist", [], li("2025-08-14T09:10:00.000Z")),
    acct("fb-1007", "Granite Fitness", ["ag-south"], {
      valid: false,
      invalidatedBy: "jane@agency.example",
      invalidatedAt: "2026-01-15T09:30:00.000Z",
      reason: "Client offboarded; access revoked in the web UI",
      ...jane("2025-02-10T13:00:00.000Z"),
    }),
    acct("tw-2001", "Acme Coffee", ["ag-north", "ag-east"], jane("2025-03-02T10:15:00.000Z")),
    acct("tw-2002", "Harbor Lights Books", ["ag-south"], raj("2025-04-28T15:40:00.000Z")),
    acct("tw-2003", "Indigo Records", ["ag-east", "ag-west"], li("2025-05-30T12:00:00.000Z")),
    acct("tw-2004", "Juniper Pet Supply", ["ag-north", "ag-south", "ag-west"], jane("2025-09-03T09:25:00.000Z")),
    acct("tw-2005", "Kestrel Cycling", ["ag-west"], raj("2025-10-07T17:50:00.000Z")),
    acct("tw-2006", "Lumen Tea House", ["ag-north"], li("2025-11-12T10:35:00.000Z")),
    acct("tw-2007", "Maple Street Cinema", ["ag-east", "ag-south"], raj("2025-12-01T08:00:00.000Z")),
  ],
};

/** An empty seed (`--seed none`). */
export const EMPTY_SEED: SeedData = { agencies: [], accounts: [] };

/**
 * Resolves a seed option: `demo`, `none`, or the path of a JSON seed file (schema
 * `SandboxSeed` of the contract). Throws a clear error naming the file and the property path.
 */
export function resolveSeed(seed: string, contract: Contract): SeedData {
  if (seed === "demo") return DEMO_SEED;
  if (seed === "none") return EMPTY_SEED;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(seed, "utf8"));
  } catch (err) {
    throw new Error(`seed file ${seed}: ${(err as Error).message} (give demo, none or a JSON seed file)`);
  }
  const issues = contract.checkSchema("SandboxSeed", data);
  if (issues.length) throw new Error(`seed file ${seed}: ${describeIssues(issues)}`);
  const s = data as SeedData;
  const agencies = new Set<string>();
  s.agencies.forEach((a, i) => {
    if (agencies.has(a.id)) throw new Error(`seed file ${seed}: /agencies/${i}/id: duplicate agency id "${a.id}"`);
    agencies.add(a.id);
  });
  const problem = checkAccounts(
    s.accounts,
    (id) => agencies.has(id),
    () => false,
  );
  if (problem) throw new Error(`seed file ${seed}: ${problem.path}: ${problem.message}`);
  return s;
}

/** A referential problem in a list of seed accounts. */
export interface AccountsProblem {
  kind: "duplicate" | "unknown-agency" | "inconsistent";
  path: string;
  message: string;
}

/** Checks ids are new and unique, agencies exist, and token fields agree. Returns the first problem. */
export function checkAccounts(
  accounts: readonly SeedAccount[],
  agencyExists: (id: string) => boolean,
  accountExists: (id: string) => boolean,
): AccountsProblem | undefined {
  const seen = new Set<string>();
  for (const [i, a] of accounts.entries()) {
    if (seen.has(a.id) || accountExists(a.id)) {
      return { kind: "duplicate", path: `/accounts/${i}/id`, message: `account "${a.id}" already exists` };
    }
    seen.add(a.id);
    const j = a.agencies.findIndex((g) => !agencyExists(g));
    if (j >= 0) {
      return { kind: "unknown-agency", path: `/accounts/${i}/agencies/${j}`, message: `unknown agency "${a.agencies[j]}"` };
    }
    if (a.valid !== false && (a.invalidatedBy || a.invalidatedAt || a.reason)) {
      return { kind: "inconsistent", path: `/accounts/${i}`, message: "invalidatedBy, invalidatedAt and reason need valid: false" };
    }
    if (a.authorizedAt !== undefined && a.authorizedBy === undefined) {
      return { kind: "inconsistent", path: `/accounts/${i}/authorizedAt`, message: "authorizedAt needs authorizedBy (who authorized the token)" };
    }
  }
  return undefined;
}

/** Converts a seed account to a store row; `now` stamps invalid accounts that give no time. */
export function toNewAccount(a: SeedAccount, now: string): NewAccount {
  const invalid = a.valid === false;
  return {
    id: a.id,
    publisher: a.publisher,
    externalId: a.externalId ?? externalIdFor(a.id),
    name: a.name,
    fingerprint: seedFingerprint(a.id),
    agencies: a.agencies,
    invalidatedAt: invalid ? (a.invalidatedAt ? new Date(a.invalidatedAt).toISOString() : now) : null,
    invalidatedBy: invalid ? (a.invalidatedBy ?? SEED_ACTOR) : null,
    reason: invalid ? (a.reason ?? null) : null,
    authorizedBy: a.authorizedBy ?? null,
    authorizedAt: a.authorizedBy ? (a.authorizedAt ? new Date(a.authorizedAt).toISOString() : now) : null,
  };
}

/**
 * Writes accounts (and an audit entry for each invalid one) into the store. With `connectedBy`,
 * an account whose token names who authorized it was connected now: the audit log gets an
 * `account.connect` entry by that actor. Call inside a transaction.
 */
export function insertAccounts(store: Store, accounts: readonly SeedAccount[], now: string, connectedBy?: string): void {
  for (const a of accounts) {
    const row = toNewAccount(a, now);
    store.insertAccount(row);
    if (connectedBy !== undefined && row.authorizedAt) {
      store.addAudit({
        at: row.authorizedAt,
        actor: connectedBy,
        action: "account.connect",
        accountId: a.id,
        authorizedBy: row.authorizedBy,
        authorizedAt: row.authorizedAt,
      });
    }
    if (row.invalidatedAt) {
      store.addAudit({ at: row.invalidatedAt, actor: row.invalidatedBy ?? SEED_ACTOR, action: "token.invalidate", accountId: a.id, reason: row.reason });
    }
  }
}

/** Empties the store and writes `seed` into it, in one transaction. */
export function applySeed(store: Store, seed: SeedData): void {
  store.transaction(() => {
    store.clear();
    for (const a of seed.agencies) store.insertAgency(a);
    insertAccounts(store, seed.accounts, new Date().toISOString());
  });
}

/** The deterministic token fingerprint of a seeded account (a reset gives the same one). */
export function seedFingerprint(id: string): string {
  return `fp_${createHash("sha256").update(`seed:${id}`).digest("hex").slice(0, 24)}`;
}

/** A deterministic publisher-side id for an account that gives none. */
export function externalIdFor(id: string): string {
  return String(parseInt(createHash("sha256").update(`ext:${id}`).digest("hex").slice(0, 12), 16));
}
