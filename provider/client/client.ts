/**
 * MarinSocialClient: the typed API client (endpoints, batched reads,
 * pagination). Every call runs through the pipeline in caller.ts.
 */
import { randomUUID } from "node:crypto";
import { isAuthorizedBy } from "../core/person";
import { satisfies } from "../core/rules";
import type { Account, Agency, AuditEntry, Person, Publisher } from "../core/types";
import { ACCOUNT_ID, LIST_ACCOUNTS, PERSON_REF } from "../generated/contract";
import { accountProblem } from "./account-shape";
import { Batcher } from "./batcher";
import { Caller, type CallResult, type CallSpec } from "./caller";
import { errors, type MarinSocialError } from "./errors";
import { type ClientOptions, type ResolvedOptions, resolveOptions } from "./options";
import { truncate } from "./redact";

/** Counters since the client was created. */
export interface ClientMetrics {
  /** HTTP attempts sent (retries included). */
  requests: number;
  /** Attempts that were retries. */
  retries: number;
  /** 429 responses received. */
  rateLimited: number;
  /** Batched account reads sent (`GET /v1/accounts?ids=`, each page counted). */
  batches: number;
  /** The adaptive in-flight cap right now. */
  concurrency: number;
}

/** The client's pacing under a rate limit (see pacer.ts). */
export interface PacingState {
  /** The pace in requests/s (configured, from the server's advertised policy, or learned from 429s), or null while unpaced. */
  rate: number | null;
  /** 429 bursts that set or lowered the pace so far. */
  adjustments: number;
  /** The rate the server last advertised in `RateLimit-Policy` (q/w, requests/s), or null when it advertised none. */
  advertised: number | null;
}

/** Query of {@link MarinSocialClient.listAccounts}. */
export interface ListAccountsQuery extends AccountsByPersonQuery {
  /** Only accounts whose token this person authorized: their publisher-side id, or their email (see {@link MarinSocialClient.accountsAuthorizedBy}). */
  authorizedBy?: string;
}

/** The filters {@link MarinSocialClient.accountsAuthorizedBy} can add to the person (they combine, AND). */
export interface AccountsByPersonQuery {
  publisher?: Publisher | string;
  /** Only accounts linked to this agency id. */
  agency?: string;
  /** Only accounts whose token is (true) or is not (false) valid. */
  valid?: boolean;
  /** Page size sent to the API (1 to the contract's `LIST_ACCOUNTS.maxLimit`, which is the default); every page is followed. */
  limit?: number;
}

/** What `GET /_sandbox/stats` returns (the contract's `Stats`): request counts by route template and status. */
export interface SandboxStats {
  total: number;
  byRoute: Record<string, Record<string, number>>;
  byStatus: Record<string, number>;
}

/** The sandbox-only routes under `/_sandbox` (admin key only). */
export interface SandboxApi {
  /** `PUT /_sandbox/faults` with `{ latencyMs, errorRate, rateLimitPerSecond, rateLimitHeaders?, failRoutes? }`. */
  setFaults(faults: object): Promise<void>;
  /** `GET /_sandbox/stats`: request counts by route and status. */
  stats(): Promise<SandboxStats>;
  /** `DELETE /_sandbox/stats`: zeroes the counts. */
  resetStats(): Promise<void>;
  /** `POST /_sandbox/reset`: restores the seed (idempotent, so retried). */
  reset(): Promise<void>;
  /**
   * `POST /_sandbox/accounts`: adds accounts (not idempotent, never retried). An account (or, for
   * generated ones, the body) with `authorizedBy` is connected as that person.
   */
  addAccounts(body: object): Promise<{ created: number; ids: string[] }>;
  /**
   * `POST /_sandbox/accounts/{id}/token/reauthorize`: `authorizedBy` grants the token again at the
   * publisher (new fingerprint, valid, `authorizedAt` now), linking `agencies` again. Never retried.
   */
  reauthorizeAtPublisher(id: string, body: { authorizedBy: Person; agencies?: string[] }): Promise<Account>;
}

const ACCOUNT_PAGE = LIST_ACCOUNTS.maxLimit;

/** Accounts remembered for queue order; past this, the oldest tenth is forgotten. */
const MAX_REMEMBERED_ACCOUNTS = 100_000;

/** `value` if it is a non-empty string, else a `bad-request` error naming `name` (scrubbed). */
function checkId(name: string, value: unknown, scrub: (s: string) => string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw errors.invalidArgument(name, `expected a non-empty string, got ${truncate(scrub(String(JSON.stringify(value) ?? value)), 80)}`);
  }
  return value;
}

/**
 * `value` if it is an account id by the contract (`ACCOUNT_ID`), else a `bad-request` error.
 * Reads check it client-side: one malformed id must not turn a whole coalesced batch into a 400.
 */
function checkAccountId(name: string, value: unknown, scrub: (s: string) => string): string {
  const id = checkId(name, value, scrub);
  if (!satisfies(ACCOUNT_ID, id)) {
    throw errors.invalidArgument(name, `${truncate(scrub(JSON.stringify(id)), 80)} is not ${ACCOUNT_ID.description}`);
  }
  return id;
}

/** `?a=1&b=2` from the defined params, or "". */
function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * The Marin Social API client.
 *
 * - One keep-alive undici Pool per origin (shared by clients of the same
 *   origin and pool settings in this process), at most `maxConcurrency`
 *   requests in flight, adaptively lowered under 429; requests paced just
 *   under the rate limit: configured, advertised by the server's
 *   `RateLimit-Policy` header before any 429, or learned from 429s (see pacer.ts).
 * - Queue order: calls about an account the client has already worked on go
 *   first, oldest account first (then arrival order), so each resource's
 *   work finishes as early as it can; retries go before everything.
 * - Every call has an overall deadline (`timeouts.deadlineMs`) from its first
 *   attempt, covering attempts, backoff and retries (time queued before the
 *   first attempt does not count); each attempt has connect, headers and body timeouts.
 * - Retries: see retry.ts. `invalidateToken`, `reauthorize` and `unlinkAgency`
 *   always send an Idempotency-Key (a random UUID unless one is given), the
 *   same on every attempt, so they are retried safely.
 * - Errors are MarinSocialErrors (errors.ts); the API key never appears in them.
 */
export class MarinSocialClient {
  /** The sandbox-only routes (`/_sandbox`). */
  readonly sandbox: SandboxApi;
  private readonly o: ResolvedOptions;
  private readonly caller: Caller;
  private readonly batcher: Batcher<Account>;
  /** When this client first got a call about each account: the queue order of its calls. */
  private readonly firstSeen = new Map<string, number>();

  /**
   * Validates the options (see resolveOptions) and prepares the pool; no
   * connection is made until the first call. Throws MarinSocialError
   * `insecure-transport` for http:// to a non-loopback host unless
   * `allowInsecureHttp`, and `config` for a bad URL, an empty key or a bad option.
   */
  constructor(opts: ClientOptions) {
    this.o = resolveOptions(opts);
    this.caller = new Caller(this.o);
    this.batcher = new Batcher<Account>((ids) => this.fetchAccounts(ids), this.o.maxBatchSize, this.o.batchWindowMs, this.o.batchMaxWaitMs, this.o.clock);
    this.sandbox = {
      setFaults: async (faults) => {
        await this.call({ method: "PUT", path: "/_sandbox/faults", body: faults });
      },
      stats: async () => (await this.call({ method: "GET", path: "/_sandbox/stats" })).data as SandboxStats,
      resetStats: async () => {
        await this.call({ method: "DELETE", path: "/_sandbox/stats" });
      },
      reset: async () => {
        await this.call({ method: "POST", path: "/_sandbox/reset", idempotent: true });
      },
      addAccounts: async (body) => (await this.call({ method: "POST", path: "/_sandbox/accounts", body })).data as { created: number; ids: string[] },
      reauthorizeAtPublisher: async (id, body) => {
        checkAccountId("accountId", id, this.caller.redact.text);
        const path = `/_sandbox/accounts/${encodeURIComponent(id)}/token/reauthorize`;
        return this.account(await this.call({ method: "POST", path, body }), "POST", path, id);
      },
    };
  }

  /** The base URL as shown in messages (no credentials). */
  get baseUrl(): string {
    return this.o.displayUrl;
  }

  /**
   * Reads one account. With `batchReads` (default), calls made in the same
   * tick, or trickling in while batches are being sent (see `batchWindowMs`), are coalesced
   * into `GET /v1/accounts?ids=a,b,c` of at most `maxBatchSize` ids. Without
   * batching: `GET /v1/accounts/{id}`. A string that cannot be an account id
   * (the contract's `ACCOUNT_ID`) rejects with `bad-request` before anything is sent.
   *
   * Rejects with `account-not-found` only on a definite answer: the id is absent from a
   * successful batch that matches the contract, or the server's 404 carries the contract's
   * account-not-found problem type. A batch that fails as a whole, a 200 that does not match
   * the contract, and a 404 for an unknown route reject with their own codes.
   */
  async getAccount(id: string): Promise<Account> {
    checkAccountId("accountId", id, this.caller.redact.text);
    const orderKey = this.orderOf(id);
    if (!this.o.batchReads) {
      const path = `/v1/accounts/${encodeURIComponent(id)}`;
      return this.account(await this.call({ method: "GET", path, orderKey }), "GET", path, id);
    }
    const account = await this.batcher.get(id);
    if (account === undefined) {
      throw errors.accountAbsent(this.caller.redact.text(id), { method: "GET", path: this.shown(`/v1/accounts?ids=${encodeURIComponent(id)}`), status: 200 });
    }
    return account;
  }

  /**
   * Reads many accounts with batched requests (chunks of `maxBatchSize`,
   * coalesced with concurrent `getAccount` calls when `batchReads` is on).
   * Ids a successful batch did not return (the API does not know them), and strings that
   * cannot be account ids, are absent from the map; any failure rejects the whole call.
   */
  async getAccounts(ids: readonly string[]): Promise<Map<string, Account>> {
    if (!Array.isArray(ids)) throw errors.invalidArgument("ids", "expected an array of account ids");
    ids.forEach((id, i) => {
      checkId(`ids[${i}]`, id, this.caller.redact.text);
    });
    const unique = [...new Set(ids)].filter((id) => satisfies(ACCOUNT_ID, id));
    for (const id of unique) this.orderOf(id);
    if (this.o.batchReads) return this.batcher.getMany(unique);
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += this.o.maxBatchSize) chunks.push(unique.slice(i, i + this.o.maxBatchSize));
    const maps = await Promise.all(chunks.map((c) => this.fetchAccounts(c)));
    const out = new Map<string, Account>();
    for (const m of maps) for (const id of unique) if (m.has(id)) out.set(id, m.get(id)!);
    return out;
  }

  /**
   * One page of the account list: the `limit` accounts (default and at most the contract's
   * `LIST_ACCOUNTS.maxLimit`) around `id`, `GET /v1/accounts?containing=<id>&limit=`. For reading
   * ahead (read-ahead.ts). Every item must be an Account of the contract, else it rejects with a
   * `server` error. An id missing from the page is no answer: only {@link getAccount} says gone.
   */
  async accountPageContaining(id: string, limit: number = ACCOUNT_PAGE): Promise<{ items: Account[]; nextCursor: string | null }> {
    checkAccountId("accountId", id, this.caller.redact.text);
    const path = `/v1/accounts${query({ containing: id, limit })}`;
    const res = await this.call({ method: "GET", path, orderKey: this.orderOf(id) });
    const page = this.readPage<unknown>(res, path, true);
    page.items.forEach((item, i) => {
      const problem = accountProblem(item);
      if (problem) throw errors.badResponse({ method: "GET", path: this.shown(path), status: res.status }, `items[${i}]: ${problem}`);
    });
    return { items: page.items as Account[], nextCursor: typeof page.nextCursor === "string" && page.nextCursor !== "" ? page.nextCursor : null };
  }

  /** True when lookups are coalesced (`batchReads`); read-ahead is a kind of batching and follows it. */
  get readsInBatches(): boolean {
    return this.o.batchReads;
  }

  /**
   * Lists accounts matching the filters, following `nextCursor` through every page. With
   * `authorizedBy`, as {@link accountsAuthorizedBy}.
   */
  async listAccounts(q: ListAccountsQuery = {}): Promise<Account[]> {
    if (q.authorizedBy !== undefined) return this.accountsAuthorizedBy(q.authorizedBy, q);
    return this.paginate<Account>("/v1/accounts", {
      publisher: q.publisher,
      agency: q.agency,
      valid: q.valid,
      limit: q.limit ?? ACCOUNT_PAGE,
    });
  }

  /**
   * Every account whose token `person` authorized at the publisher (`token.authorizedBy`), in id
   * order: `person` is their publisher-side user id (matched exactly) or their email (matched
   * ignoring case), as the contract's `PersonRef`. Each account comes whole: id, name, publisher,
   * its token (with `authorizedBy` and `authorizedAt`) and its agencies. `q` narrows further.
   *
   * Reads `GET /v1/accounts?authorizedBy=` page by page (`q.limit`, default the contract's
   * largest page), so N accounts cost ceil(N / limit) requests, never one per account.
   *
   * Rejects with `bad-request` before sending anything when `person` is not a `PersonRef`, and
   * with a `server` error when a page is not a page of accounts of the contract, or lists an
   * account that person did not authorize: a server that ignored the filter must never make a
   * caller (an offboarding) act on somebody else's tokens.
   */
  async accountsAuthorizedBy(person: string, q: AccountsByPersonQuery = {}): Promise<Account[]> {
    const ref = checkId("person", person, this.caller.redact.text);
    if (!satisfies(PERSON_REF, ref)) {
      throw errors.invalidArgument("person", `${truncate(this.caller.redact.text(JSON.stringify(ref)), 80)} is not ${PERSON_REF.description}`);
    }
    const params = { authorizedBy: ref, publisher: q.publisher, agency: q.agency, valid: q.valid, limit: q.limit ?? ACCOUNT_PAGE };
    const out: Account[] = [];
    await this.paginate<unknown>("/v1/accounts", params, (items, path, status) => {
      items.forEach((item, i) => {
        const fail = (what: string) => errors.badResponse({ method: "GET", path: this.shown(path), status }, what, this.o.settings);
        const problem = accountProblem(item);
        if (problem) throw fail(`items[${i}]: ${problem}`);
        const a = item as Account;
        if (!isAuthorizedBy(a, ref)) {
          throw fail(
            `it listed account ${JSON.stringify(this.caller.redact.clip(a.id, 80))}, whose token ${JSON.stringify(this.caller.redact.clip(ref, 80))} did not authorize, so it may ignore the authorizedBy filter`,
          );
        }
        out.push(a);
      });
    });
    return out;
  }

  /**
   * One page of `GET /v1/accounts?limit=&cursor=` (every account, in the API's order), for
   * callers that stop early; `nextCursor` is null on the last page. `limit` is 1..500 (default 100).
   */
  async listAccountsPage(cursor?: string, limit = 100): Promise<{ items: Account[]; nextCursor: string | null }> {
    const path = `/v1/accounts${query({ limit, cursor })}`;
    const page = this.readPage<Account>(await this.call({ method: "GET", path }), path);
    const next = page.nextCursor;
    return { items: page.items, nextCursor: typeof next === "string" && next !== "" && next !== cursor ? next : null };
  }

  /**
   * `POST /v1/accounts/{id}/token/invalidate` with `{ actor, reason? }`.
   * Always sends an Idempotency-Key (random unless given; the same on every
   * retry), so it is retried like a GET. `ifMatch` sends `If-Match: "<version>"`.
   * Returns the account after invalidation (already invalid: unchanged, 200).
   */
  async invalidateToken(id: string, body: { actor: string; reason?: string }, opts: { idempotencyKey?: string; ifMatch?: number } = {}): Promise<Account> {
    checkId("accountId", id, this.caller.redact.text);
    checkId("actor", body?.actor, this.caller.redact.text);
    const headers: Record<string, string> = {};
    if (opts.ifMatch !== undefined) headers["if-match"] = `"${opts.ifMatch}"`;
    const payload: { actor: string; reason?: string } = { actor: body.actor };
    if (body.reason !== undefined) payload.reason = body.reason;
    const path = `/v1/accounts/${encodeURIComponent(id)}/token/invalidate`;
    const res = await this.call({
      method: "POST",
      path,
      body: payload,
      idempotencyKey: opts.idempotencyKey ?? randomUUID(),
      headers,
      orderKey: this.orderOf(id),
    });
    return this.account(res, "POST", path, id);
  }

  /**
   * `DELETE /v1/agencies/{agencyId}/accounts/{accountId}`. Resolves on 2xx;
   * a link that does not exist throws `link-not-found` (the caller decides whether
   * that means "already done"; an unknown account or agency is `account-not-found` or
   * `agency-not-found`, any other 404 `route-not-found`). Sends an Idempotency-Key (random unless given,
   * the same on every retry), so a retry after a lost 204 replays the 204
   * instead of answering 404. `actor` is sent as `X-Actor` for the audit log.
   */
  async unlinkAgency(agencyId: string, accountId: string, opts: { idempotencyKey?: string; actor?: string } = {}): Promise<void> {
    checkId("agencyId", agencyId, this.caller.redact.text);
    checkId("accountId", accountId, this.caller.redact.text);
    const headers: Record<string, string> = {};
    if (opts.actor !== undefined) headers["x-actor"] = checkId("actor", opts.actor, this.caller.redact.text);
    await this.call({
      method: "DELETE",
      path: `/v1/agencies/${encodeURIComponent(agencyId)}/accounts/${encodeURIComponent(accountId)}`,
      idempotencyKey: opts.idempotencyKey ?? randomUUID(),
      headers,
      orderKey: this.orderOf(accountId),
    });
  }

  /**
   * `POST /v1/accounts/{id}/token/reauthorize` with `{ actor, agencies?, authorizedBy? }`
   * (what re-linking in the web UI does; `authorizedBy` left out, the token's authorizer stays).
   * Always sends an Idempotency-Key, like {@link invalidateToken}.
   */
  async reauthorize(id: string, body: { actor: string; agencies?: string[]; authorizedBy?: Person }, opts: { idempotencyKey?: string } = {}): Promise<Account> {
    checkId("accountId", id, this.caller.redact.text);
    checkId("actor", body?.actor, this.caller.redact.text);
    const payload: { actor: string; agencies?: string[]; authorizedBy?: Person } = { actor: body.actor };
    if (body.agencies !== undefined) payload.agencies = body.agencies;
    if (body.authorizedBy !== undefined) payload.authorizedBy = body.authorizedBy;
    const path = `/v1/accounts/${encodeURIComponent(id)}/token/reauthorize`;
    const res = await this.call({
      method: "POST",
      path,
      body: payload,
      idempotencyKey: opts.idempotencyKey ?? randomUUID(),
      orderKey: this.orderOf(id),
    });
    return this.account(res, "POST", path, id);
  }

  /** `GET /v1/agencies` (every page). */
  async listAgencies(): Promise<Agency[]> {
    return this.paginate<Agency>("/v1/agencies", {});
  }

  /** `GET /v1/audit?accountId=&since=` (every page): the change log. */
  async audit(q: { accountId?: string; since?: string } = {}): Promise<AuditEntry[]> {
    return this.paginate<AuditEntry>("/v1/audit", { accountId: q.accountId, since: q.since });
  }

  /** Counters since creation, and the current adaptive concurrency cap. */
  metrics(): ClientMetrics {
    return { ...this.caller.counters, concurrency: this.caller.limiter.limit };
  }

  /**
   * The current pace: null while unpaced (no rate configured, no policy advertised and no 429
   * seen, or `adaptiveConcurrency` off without a configured rate).
   */
  pacing(): PacingState {
    const p = this.caller.limiter.pacer;
    return { rate: p?.rate ?? null, adjustments: p?.adjustments ?? 0, advertised: p?.advertised ?? null };
  }

  /**
   * Stops the client: queued calls and lookups fail with a `config` error,
   * calls already sent finish, and the pool closes once no other client uses it.
   */
  close(): Promise<void> {
    const err = errors.closed();
    if (!this.caller.closed) this.batcher.close(err);
    return this.caller.close(err);
  }

  private call(spec: CallSpec): Promise<CallResult> {
    return this.caller.call(spec);
  }

  /**
   * The queue order of calls about account `id`: when this client first got a
   * call about it. So an unlink queued after its account's invalidation goes
   * before the invalidations of accounts not started yet, and each resource's
   * work finishes as early as it can, not all of it at the end.
   */
  private orderOf(id: string): number {
    let at = this.firstSeen.get(id);
    if (at === undefined) {
      if (this.firstSeen.size >= MAX_REMEMBERED_ACCOUNTS) {
        let drop = MAX_REMEMBERED_ACCOUNTS / 10;
        for (const k of this.firstSeen.keys()) {
          if (drop-- <= 0) break;
          this.firstSeen.delete(k);
        }
      }
      at = this.caller.limiter.clock();
      this.firstSeen.set(id, at);
    }
    return at;
  }

  /**
   * The batch loader: `GET /v1/accounts?ids=...&limit=n`, following `nextCursor` if the server
   * pages. An id absent from the answer means the account does not exist, so the answer must be
   * trustworthy: every page an AccountPage of the contract, every item an Account, and only
   * accounts that were asked for (a server that ignores `ids` would otherwise make every id it
   * did not list look gone). Anything else rejects the whole batch.
   */
  private async fetchAccounts(ids: string[]): Promise<Map<string, Account>> {
    const orderKey = Math.min(...ids.map((id) => this.orderOf(id)));
    const out = new Map<string, Account>();
    const asked = new Set(ids);
    let cursor: string | undefined;
    const seen = new Set<string>();
    do {
      const path = `/v1/accounts?ids=${ids.map(encodeURIComponent).join(",")}&limit=${ids.length}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      this.caller.counters.batches++;
      const res = await this.call({ method: "GET", path, orderKey });
      const page = this.readPage<unknown>(res, path, true);
      page.items.forEach((item, i) => {
        const problem = accountProblem(item);
        if (problem) throw errors.badResponse({ method: "GET", path: this.shown(path), status: res.status }, `items[${i}]: ${problem}`, this.o.settings);
        const a = item as Account;
        if (!asked.has(a.id)) {
          throw errors.badResponse(
            { method: "GET", path: this.shown(path), status: res.status },
            `it returned account ${JSON.stringify(this.caller.redact.clip(a.id, 80))}, which was not asked for, so it may ignore the ids filter`,
            this.o.settings,
          );
        }
        out.set(a.id, a);
      });
      cursor = this.nextCursor(page.nextCursor, seen, path);
    } while (cursor);
    return out;
  }

  /**
   * GETs every page of a list endpoint that answers `{ items, nextCursor }` (or a bare array).
   * `check` sees each page's items (with the path and status) before they are kept, and may throw.
   */
  private async paginate<T>(
    base: string,
    params: Record<string, string | number | boolean | undefined>,
    check?: (items: T[], path: string, status: number) => void,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const path = base + query({ ...params, cursor });
      const res = await this.call({ method: "GET", path });
      const page = this.readPage<T>(res, path);
      check?.(page.items, path, res.status);
      items.push(...page.items);
      cursor = this.nextCursor(page.nextCursor, seen, path);
    } while (cursor);
    return items;
  }

  /** A page of a list endpoint: `{ items, nextCursor }`, or (unless `pageOnly`) a bare array. */
  private readPage<T>(res: { status: number; data: unknown }, path: string, pageOnly = false): { items: T[]; nextCursor?: unknown } {
    const d = res.data;
    if (Array.isArray(d) && !pageOnly) return { items: d as T[] };
    if (d && typeof d === "object" && Array.isArray((d as { items?: unknown }).items)) {
      const next = (d as { nextCursor?: unknown }).nextCursor;
      if (next === undefined || next === null || typeof next === "string") return d as { items: T[]; nextCursor?: unknown };
    }
    throw errors.badResponse({ method: "GET", path: this.shown(path), status: res.status }, "it is not a page of { items, nextCursor }", this.o.settings);
  }

  /** The account in a 2xx answer about `id`; anything else is a `server` error (never a gone account). */
  private account(res: { status: number; data: unknown }, method: string, path: string, id: string): Account {
    const fail = (what: string): MarinSocialError => errors.badResponse({ method, path: this.shown(path), status: res.status }, what, this.o.settings);
    const problem = accountProblem(res.data);
    if (problem) throw fail(problem);
    const account = res.data as Account;
    if (account.id !== id) throw fail(`it is account ${JSON.stringify(this.caller.redact.clip(account.id, 80))}, not the one asked for`);
    return account;
  }

  /** `path` as sent (with the base URL's path prefix), scrubbed and clipped, for messages. */
  private shown(path: string): string {
    return this.caller.redact.clip(this.o.basePath + path, 300);
  }

  private nextCursor(next: unknown, seen: Set<string>, path: string): string | undefined {
    if (next === undefined || next === null || next === "") return undefined;
    const c = String(next);
    if (seen.has(c)) {
      throw errors.server({ method: "GET", path: this.shown(path) }, `the server repeated the cursor "${this.caller.redact.clip(c, 80)}"`);
    }
    seen.add(c);
    return c;
  }
}
