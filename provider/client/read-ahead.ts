/**
 * Read-ahead for reads that arrive a few at a time. The Pulumi engine refreshes resources in
 * state order with at most `--parallel` reads in flight (4 per CPU by default), so coalescing
 * only the reads in flight at once batches 8 ids where a request could carry 100: 625 requests
 * to refresh 5,000 tokens. Instead, a read that misses fetches the page of the account list
 * around its id (`GET /v1/accounts?containing=<id>&limit=500`: the list is cut every 500
 * accounts, so pages do not overlap and any order of reads touches each page once), and the
 * reads that follow are answered from it. Refreshing N tokens that are most of the
 * organization's accounts costs about ⌈accounts/500⌉ requests, at any parallelism and in any
 * order.
 *
 * It is bounded, so a few tokens in a large organization do not read the whole list: while other
 * reads are in progress (whose own reads would share one batched request), at most
 * {@link PROBE_PAGES} pages plus one per {@link ASKS_PER_PAGE} distinct ids asked for; a read
 * that is alone may always read its page, which costs the one request its own read would. A read
 * the pages do not answer goes to {@link MarinSocialClient.getAccount} (coalesced with the other
 * reads in flight), so a sparse stack costs what it did, plus at most that many pages.
 *
 * Correctness:
 * - Staleness is bounded: a page answers only for {@link READ_AHEAD_FRESH_MS} after it was
 *   requested (measured on the injected clock), and one ReadAhead lives for one engine operation
 *   (the provider makes a new one with each new client, i.e. each Configure): never across runs.
 *   So a refresh reports each account as it was at some moment of that refresh, at most
 *   {@link READ_AHEAD_FRESH_MS} before its read, the same as if the read had been sent then.
 * - Only reads use it. Create and update read afresh and write with `If-Match` (lifecycle.ts), so
 *   a stale page never decides a write.
 * - An id missing from a page is not "gone": {@link ReadAhead.get} asks getAccount, whose
 *   definite `account-not-found` is the only gone. A page that fails (any error, or an answer
 *   that does not keep the contract: unordered, or not the page around the id) ends the
 *   read-ahead; the reads then go to getAccount and succeed or fail as normal reads.
 */
import { satisfies } from "../core/rules";
import type { Account } from "../core/types";
import { ACCOUNT_ID, LIST_ACCOUNTS } from "../generated/contract";
import type { MarinSocialClient } from "./client";

/** Accounts per page read ahead: the contract's maximum `limit`. */
export const READ_AHEAD_PAGE = LIST_ACCOUNTS.maxLimit;
/**
 * How long a page answers reads, ms from when it was requested. The engine's state is in the order
 * the last `up` finished its resources, so a refresh comes back to a page for stragglers well after
 * it was read; the engine reads about 150 tokens a second here (2 busy cores), a slower machine
 * fewer. Replaying that order, 5,000 tokens cost 34 requests at 150 reads/s and 90 at 50/s with a
 * 5 s window; 16 and 34 with 15 s.
 */
export const READ_AHEAD_FRESH_MS = 15_000;
/** Pages read before any budget is earned. */
export const PROBE_PAGES = 2;
/** One more page may be read per this many distinct ids asked for. */
export const ASKS_PER_PAGE = 50;

/** What the read-ahead needs of the client. */
export type ReadAheadClient = Pick<MarinSocialClient, "accountPageContaining" | "getAccount" | "readsInBatches">;

/** Options of {@link ReadAhead}; the defaults are the constants above. */
export interface ReadAheadOptions {
  /** Clock in ms (default `performance.now`). */
  now?: () => number;
  freshMs?: number;
  pageSize?: number;
  probePages?: number;
  asksPerPage?: number;
}

/** A page read: the ids it covers (`lo` to `hi`, inclusive; `hi` undefined: to the end of the list) and when it was requested. */
interface Coverage {
  lo: string;
  hi: string | undefined;
  at: number;
}

/** Counters, for tests and the benchmark. */
export interface ReadAheadStats {
  /** Pages requested (failed ones included). */
  pages: number;
  /** Reads answered from a page. */
  served: number;
  /** Why the read-ahead stopped, if it did. */
  stopped?: string;
}

/** The read-ahead of one engine operation. Not shared across operations (see the module's TSDoc). */
export class ReadAhead {
  /** Accounts read ahead and not yet served, with when their page was requested. */
  private readonly accounts = new Map<string, { account: Account; at: number }>();
  private coverage: Coverage[] = [];
  private readonly asked = new Set<string>();
  private reading: Promise<unknown> | undefined;
  /** Reads ({@link get}) not finished yet. */
  private busy = 0;
  private readonly o: Required<ReadAheadOptions>;
  readonly stats: ReadAheadStats = { pages: 0, served: 0 };

  constructor(
    private readonly client: ReadAheadClient,
    opts: ReadAheadOptions = {},
  ) {
    this.o = {
      now: opts.now ?? (() => performance.now()),
      freshMs: opts.freshMs ?? READ_AHEAD_FRESH_MS,
      pageSize: opts.pageSize ?? READ_AHEAD_PAGE,
      probePages: opts.probePages ?? PROBE_PAGES,
      asksPerPage: opts.asksPerPage ?? ASKS_PER_PAGE,
    };
  }

  /**
   * The live account: from a fresh page read ahead, else {@link MarinSocialClient.getAccount}
   * (so only its definite `account-not-found` means gone; every other failure rejects as is).
   */
  async get(id: string): Promise<Account> {
    this.busy++;
    try {
      return (await this.find(id)) ?? (await this.client.getAccount(id));
    } finally {
      this.busy--;
    }
  }

  /**
   * The account from a fresh page read ahead, reading the page around `id` when the budget
   * allows; undefined when the pages do not hold it (then read it on its own). Never rejects
   * and never means "gone". A read-ahead account is handed out once: asking again reads afresh.
   */
  async find(id: string): Promise<Account | undefined> {
    // A string that is no account id is for getAccount to refuse; it must not stop the read-ahead.
    if (!this.client.readsInBatches || this.stats.stopped || !satisfies(ACCOUNT_ID, id)) return undefined;
    this.asked.add(id);
    for (;;) {
      const seen = this.cached(id);
      if (seen !== "unknown") return seen === "absent" ? undefined : seen;
      if (this.reading) {
        // The page on its way may hold this id.
        await this.reading;
        continue;
      }
      if (this.stats.stopped || (this.busy > 1 && this.stats.pages >= this.budget())) return undefined;
      const reading = this.readPage(id);
      this.reading = reading;
      try {
        const page = await reading;
        if (!page) return undefined;
        const own = page.get(id);
        if (own) this.stats.served++;
        return own;
      } finally {
        this.reading = undefined;
      }
    }
  }

  /**
   * Pages allowed so far: the probe, plus one per ASKS_PER_PAGE distinct ids asked for. A read
   * that is alone (no other in progress) may always read a page: it costs the one request its own
   * read would.
   */
  private budget(): number {
    return this.o.probePages + Math.floor(this.asked.size / this.o.asksPerPage);
  }

  private fresh(at: number): boolean {
    return this.o.now() - at <= this.o.freshMs;
  }

  /** The account (taken out), "absent" when a fresh page covers the id without it, or "unknown". */
  /**
   * Drops what was read ahead of `id`: its next read goes to the API. Called when this process
   * changes the account (create and update), so a page read before the change never answers after it.
   */
  forget(id: string): void {
    this.accounts.delete(id);
  }

  private cached(id: string): Account | "absent" | "unknown" {
    const e = this.accounts.get(id);
    if (e) {
      this.accounts.delete(id);
      if (this.fresh(e.at)) {
        this.stats.served++;
        return e.account;
      }
    }
    const covered = this.coverage.some((c) => this.fresh(c.at) && c.lo <= id && (c.hi === undefined || id <= c.hi));
    return covered ? "absent" : "unknown";
  }

  /**
   * Reads the page around `id` and keeps its accounts (all but `id`'s, which the caller takes).
   * Resolves the page's accounts by id, or undefined (never rejects) when it failed: then the
   * read-ahead stops for this operation.
   */
  private async readPage(id: string): Promise<Map<string, Account> | undefined> {
    const at = this.o.now();
    this.stats.pages++;
    let items: Account[];
    let nextCursor: string | null;
    try {
      ({ items, nextCursor } = await this.client.accountPageContaining(id, this.o.pageSize));
    } catch (err) {
      this.stop(`the page around ${id} failed: ${(err as Error).message}`);
      return undefined;
    }
    for (let i = 1; i < items.length; i++) {
      if (!(items[i - 1]!.id < items[i]!.id)) return this.stop(`the page around ${id} is not in id order`);
    }
    const first = items[0]?.id;
    const last = items[items.length - 1]?.id;
    if (last !== undefined && last < id && nextCursor !== null) return this.stop(`the page asked for around ${id} ends before it`);
    this.prune();
    const page = new Map(items.map((a) => [a.id, a] as const));
    for (const a of items) if (a.id !== id) this.accounts.set(a.id, { account: a, at });
    const lo = first === undefined || id < first ? id : first;
    this.coverage.push({ lo, hi: nextCursor === null ? undefined : last !== undefined && last > id ? last : id, at });
    return page;
  }

  private stop(why: string): undefined {
    this.stats.stopped ??= why;
    this.accounts.clear();
    this.coverage = [];
    return undefined;
  }

  /** Drops what is no longer fresh. */
  private prune(): void {
    for (const [id, e] of this.accounts) if (!this.fresh(e.at)) this.accounts.delete(id);
    this.coverage = this.coverage.filter((c) => this.fresh(c.at));
  }
}
