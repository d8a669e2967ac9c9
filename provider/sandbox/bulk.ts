/**
 * `POST /_sandbox/accounts`: many accounts in one transaction, generated deterministically
 * or given explicitly.
 */
import { type Person, PUBLISHERS, type Publisher } from "../core/types";
import { HttpError, notFound } from "./problem";
import { checkAccounts, insertAccounts, PUBLISHER_ACTOR, type SeedAccount } from "./seed";
import type { Store } from "./store";

/** The body of `POST /_sandbox/accounts` (already validated against the contract). */
export interface BulkRequest {
  count?: number;
  idPrefix?: string;
  publisher?: Publisher | "mixed";
  agenciesPerAccount?: { min: number; max: number };
  agencies?: number;
  authorizedBy?: Person;
  accounts?: SeedAccount[];
}

/** The id of the `i`-th (1-based) bench agency. */
export function benchAgencyId(i: number): string {
  return `ag-bench-${String(i).padStart(3, "0")}`;
}

/** Adds the accounts of `req`; call inside a transaction. Throws 400/404/409 problems that change nothing. */
export function addAccounts(store: Store, req: BulkRequest, now: string): { created: number; ids: string[] } {
  const accounts = req.accounts ?? generate(store, req);
  const problem = checkAccounts(
    accounts,
    (id) => store.agencyExists(id),
    (id) => store.accountExists(id),
  );
  if (problem) {
    const detail = `body ${problem.path}: ${problem.message}`;
    if (problem.kind === "unknown-agency") throw notFound("agency", detail);
    throw new HttpError(problem.kind === "duplicate" ? 409 : 400, detail);
  }
  insertAccounts(store, accounts, now, PUBLISHER_ACTOR);
  return { created: accounts.length, ids: accounts.map((a) => a.id) };
}

function generate(store: Store, req: BulkRequest): SeedAccount[] {
  const count = req.count ?? 0;
  const prefix = req.idPrefix ?? "bench-";
  const { min, max } = req.agenciesPerAccount ?? { min: 1, max: 3 };
  if (min > max) throw new HttpError(400, `body /agenciesPerAccount: min (${min}) must not exceed max (${max})`);
  let pool: string[];
  if (req.agencies !== undefined) {
    pool = [];
    for (let i = 1; i <= req.agencies; i++) {
      const id = benchAgencyId(i);
      if (!store.agencyExists(id)) store.insertAgency({ id, name: `Bench Agency ${String(i).padStart(3, "0")}` });
      pool.push(id);
    }
  } else {
    pool = store.listAgencies().map((a) => a.id);
  }
  if (min > pool.length) {
    throw new HttpError(400, `body /agenciesPerAccount/min: ${min} agencies per account, but only ${pool.length} exist; pass "agencies": ${min} or more`);
  }
  const start = store.maxIndex(prefix) + 1;
  const out: SeedAccount[] = [];
  for (let n = start; n < start + count; n++) {
    const h = mix(n);
    const k = Math.min(pool.length, min + (h % (max - min + 1)));
    const offset = pool.length ? (h >>> 8) % pool.length : 0;
    const agencies: string[] = [];
    for (let j = 0; j < k; j++) agencies.push(pool[(offset + j) % pool.length] as string);
    // `mixed`: each publisher in turn, in the contract's order, the first for index 1.
    const publisher: Publisher = req.publisher && req.publisher !== "mixed" ? req.publisher : (PUBLISHERS[(n - 1) % PUBLISHERS.length] as Publisher);
    const account: SeedAccount = { id: `${prefix}${String(n).padStart(6, "0")}`, publisher, name: `Bench Account ${n}`, agencies };
    if (req.authorizedBy) account.authorizedBy = req.authorizedBy;
    out.push(account);
  }
  return out;
}

/** A 32-bit integer hash (murmur3 finalizer): deterministic pseudo-randomness from an index. */
function mix(n: number): number {
  let x = (n ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
