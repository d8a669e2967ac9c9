/**
 * What a fresh sandbox holds: the demo seed (as data), seed files, and writing a seed into the store.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Agency, PUBLISHERS, type Publisher } from "../core/types";
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
}

/** The whole content of a seed. */
export interface SeedData {
  agencies: Agency[];
  accounts: SeedAccount[];
}

/** The actor recorded for seeded invalid accounts that name none. */
export const SEED_ACTOR = "sandbox-seed";

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
 * The demo seed: 4 agencies, 14 accounts (facebook and twitter). `fb-1001` "Acme Coffee" is linked
 * to 3 agencies, several others to 2 or 3; `fb-1007` is already invalid (revoked by a person in the
 * web UI); `fb-1006` is linked to no agency.
 */
export const DEMO_SEED: SeedData = {
  agencies: [
    { id: "ag-north", name: "North Agency" },
    { id: "ag-south", name: "South Agency" },
    { id: "ag-east", name: "East Agency" },
    { id: "ag-west", name: "West Agency" },
  ],
  accounts: [
    acct("fb-1001", "Acme Coffee", ["ag-north", "ag-south", "ag-east"]),
    acct("fb-1002", "Blue Harbor Bakery", ["ag-north"]),
    acct("fb-1003", "Cedar & Pine Outfitters", ["ag-south", "ag-west"]),
    acct("fb-1004", "Driftwood Yoga", ["ag-east"]),
    acct("fb-1005", "Evergreen Dental", ["ag-north", "ag-west"]),
    acct("fb-1006", "Foxglove Florist", []),
    acct("fb-1007", "Granite Fitness", ["ag-south"], {
      valid: false,
      invalidatedBy: "jane@agency.example",
      invalidatedAt: "2026-01-15T09:30:00.000Z",
      reason: "Client offboarded; access revoked in the web UI",
    }),
    acct("tw-2001", "Acme Coffee", ["ag-north", "ag-east"]),
    acct("tw-2002", "Harbor Lights Books", ["ag-south"]),
    acct("tw-2003", "Indigo Records", ["ag-east", "ag-west"]),
    acct("tw-2004", "Juniper Pet Supply", ["ag-north", "ag-south", "ag-west"]),
    acct("tw-2005", "Kestrel Cycling", ["ag-west"]),
    acct("tw-2006", "Lumen Tea House", ["ag-north"]),
    acct("tw-2007", "Maple Street Cinema", ["ag-east", "ag-south"]),
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
  };
}

/** Writes accounts (and an audit entry for each invalid one) into the store. Call inside a transaction. */
export function insertAccounts(store: Store, accounts: readonly SeedAccount[], now: string): void {
  for (const a of accounts) {
    const row = toNewAccount(a, now);
    store.insertAccount(row);
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
