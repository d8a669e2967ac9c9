/**
 * The sandbox's state in SQLite (either driver of ./db): accounts, agencies, links, the audit log and stored
 * idempotent responses. Methods are synchronous; callers group them with {@link Store.transaction}.
 */
import { emailKey } from "../core/person";
import type { Account, Agency, AuditEntry, Person, Publisher } from "../core/types";
import { openDatabase, type SqliteDatabase } from "./db";

/** An account to insert. Token fields default to a valid token. */
export interface NewAccount {
  id: string;
  publisher: Publisher;
  externalId: string;
  name: string;
  fingerprint: string;
  agencies: readonly string[];
  invalidatedAt?: string | null;
  invalidatedBy?: string | null;
  reason?: string | null;
  /** Who granted the token at the publisher; unknown (null) when left out. */
  authorizedBy?: Person | null;
  authorizedAt?: string | null;
}

/** Filters of `GET /v1/accounts`. `after` is the last id of the previous page. */
export interface AccountFilter {
  ids?: readonly string[];
  publisher?: Publisher;
  agency?: string;
  valid?: boolean;
  /** A person's id (exact) or email (case-insensitive), as `token.authorizedBy` carries them. */
  authorizedBy?: string;
  after?: string;
  /** The page (cut every `limit` accounts) that lists this id, or would; not with `after`. */
  containing?: string;
  limit: number;
}

/** A stored response for an idempotency key. */
export interface StoredResponse {
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

type AccountRow = {
  id: string;
  publisher: Publisher;
  external_id: string;
  name: string;
  valid: number;
  fingerprint: string;
  invalidated_at: string | null;
  invalidated_by: string | null;
  reason: string | null;
  version: number;
} & PersonColumns;

/** The columns of `accounts` and `audit` that hold who authorized a token, and when. */
type PersonColumns = {
  authorized_by_id: string | null;
  authorized_by_name: string | null;
  authorized_by_email: string | null;
  authorized_at: string | null;
};

type AuditRow = Omit<AuditEntry, "authorizedBy" | "authorizedAt"> & PersonColumns;

/** The columns of `person` (null: not known). */
function personColumns(person: Person | null | undefined, at: string | null | undefined): PersonColumns {
  return {
    authorized_by_id: person?.id ?? null,
    authorized_by_name: person?.name ?? null,
    authorized_by_email: person?.email ?? null,
    authorized_at: at ?? null,
  };
}

/** The person in a row's columns, or null. */
function personOf(r: PersonColumns): Person | null {
  if (r.authorized_by_id === null) return null;
  const p: Person = { id: r.authorized_by_id, name: r.authorized_by_name ?? r.authorized_by_id };
  if (r.authorized_by_email !== null) p.email = r.authorized_by_email;
  return p;
}

/** The SQLite-backed store. One instance per database file; close it when done. */
export class Store {
  readonly db: SqliteDatabase;
  private readonly st: ReturnType<typeof prepare>;

  /** Opens `file` (`:memory:` allowed), creating the schema when needed. */
  constructor(file: string) {
    this.db = openDatabase(file);
    this.st = prepare(this.db);
  }

  /** Runs `fn` in one write transaction (`BEGIN IMMEDIATE`); nested calls become savepoints. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn);
  }

  /** True when the store holds no account and no agency. */
  isEmpty(): boolean {
    return !this.st.anyAccount.get() && !this.st.anyAgency.get();
  }

  /** Counts of agencies and accounts. */
  counts(): { agencies: number; accounts: number } {
    return this.st.counts.get() as { agencies: number; accounts: number };
  }

  getAccount(id: string): Account | undefined {
    const row = this.st.account.get(id) as AccountRow | undefined;
    return row ? this.withAgencies([row])[0] : undefined;
  }

  /**
   * One page of accounts, ordered by id; `hasMore` says whether another page follows. With
   * `containing`, the page (the list cut every `limit` accounts) that lists that id, or would.
   */
  listAccounts(f: AccountFilter): { items: Account[]; hasMore: boolean } {
    const filters = {
      ids: f.ids ? JSON.stringify(f.ids) : null,
      publisher: f.publisher ?? null,
      agency: f.agency ?? null,
      valid: f.valid === undefined ? null : Number(f.valid),
      person: f.authorizedBy ?? null,
      personEmail: f.authorizedBy === undefined ? null : emailKey(f.authorizedBy),
    };
    let offset = 0;
    if (f.containing !== undefined) {
      const { n } = this.st.countBefore.get({ ...filters, id: f.containing }) as { n: number };
      offset = Math.floor(n / f.limit) * f.limit;
    }
    const rows = this.st.list.all({ ...filters, after: f.after ?? null, limit: f.limit + 1, offset }) as AccountRow[];
    const hasMore = rows.length > f.limit;
    return { items: this.withAgencies(hasMore ? rows.slice(0, f.limit) : rows), hasMore };
  }

  listAgencies(): Agency[] {
    return this.st.agencies.all() as Agency[];
  }

  accountExists(id: string): boolean {
    return this.st.accountExists.get(id) !== undefined;
  }

  agencyExists(id: string): boolean {
    return this.st.agency.get(id) !== undefined;
  }

  /** The audit log, ordered by time then insertion. `since` is inclusive. */
  listAudit(accountId?: string, since?: string): AuditEntry[] {
    const rows = this.st.audit.all({ account: accountId ?? null, since: since ?? null }) as AuditRow[];
    return rows.map(({ authorized_by_id, authorized_by_name, authorized_by_email, authorized_at, ...e }) => {
      if (authorized_at === null) return e;
      return { ...e, authorizedBy: personOf({ authorized_by_id, authorized_by_name, authorized_by_email, authorized_at }), authorizedAt: authorized_at };
    });
  }

  insertAgency(a: Agency): void {
    this.st.insertAgency.run(a.id, a.name);
  }

  insertAccount(a: NewAccount): void {
    this.st.insertAccount.run({
      id: a.id,
      publisher: a.publisher,
      external_id: a.externalId,
      name: a.name,
      valid: a.invalidatedAt ? 0 : 1,
      fingerprint: a.fingerprint,
      invalidated_at: a.invalidatedAt ?? null,
      invalidated_by: a.invalidatedBy ?? null,
      reason: a.reason ?? null,
      ...this.personParams(a.authorizedBy, a.authorizedAt),
    });
    for (const agency of a.agencies) this.st.link.run(a.id, agency);
  }

  /** Marks the token invalid and bumps the version. */
  invalidate(id: string, at: string, by: string, reason: string | null): void {
    this.st.invalidate.run({ id, at, by, reason });
  }

  /**
   * Issues a new fingerprint, marks the token valid (clearing `invalidated*`, `reason`), records
   * who granted it and when, and bumps the version.
   */
  reauthorize(id: string, fingerprint: string, by: Person | null, at: string): void {
    this.st.reauthorize.run({ id, fingerprint, ...this.personParams(by, at) });
  }

  /** Links an agency; returns false when it already was. Does not bump the version. */
  link(accountId: string, agencyId: string): boolean {
    return this.st.linkIfNew.run(accountId, agencyId).changes > 0;
  }

  /** Unlinks an agency and bumps the version; returns false when they were not linked. */
  unlink(accountId: string, agencyId: string): boolean {
    const removed = this.st.unlink.run(accountId, agencyId).changes > 0;
    if (removed) this.st.bump.run(accountId);
    return removed;
  }

  /** Renames the account and bumps the version; returns false when it does not exist. */
  rename(id: string, name: string): boolean {
    return this.st.rename.run({ id, name }).changes > 0;
  }

  /** Deletes the account and its links (its audit entries stay); returns false when it did not exist. */
  deleteAccount(id: string): boolean {
    this.st.unlinkAll.run(id);
    return this.st.deleteAccount.run(id).changes > 0;
  }

  /** Bumps the account's version (a change the store's other methods do not count, e.g. a new link). */
  bumpVersion(id: string): void {
    this.st.bump.run(id);
  }

  addAudit(e: AuditEntry): void {
    const { authorizedBy, authorizedAt, ...rest } = e;
    this.st.insertAudit.run({ ...rest, agencyId: e.agencyId ?? null, reason: e.reason ?? null, ...personColumns(authorizedBy, authorizedAt) });
  }

  /** The highest numeric suffix of ids starting with `prefix` (0 when none). */
  maxIndex(prefix: string): number {
    const r = this.st.maxIndex.get({ p: prefix }) as { n: number | null };
    return r.n ?? 0;
  }

  getResponse(principal: string, key: string): StoredResponse | undefined {
    const r = this.st.getIdem.get(principal, key) as (Omit<StoredResponse, "headers"> & { headers: string }) | undefined;
    return r ? { ...r, headers: JSON.parse(r.headers) as Record<string, string> } : undefined;
  }

  putResponse(principal: string, key: string, r: StoredResponse): void {
    this.st.putIdem.run(principal, key, r.fingerprint, r.status, JSON.stringify(r.headers), r.body);
  }

  /** Deletes everything (accounts, agencies, links, audit, idempotency keys). */
  clear(): void {
    this.db.exec("DELETE FROM links; DELETE FROM audit; DELETE FROM idempotency; DELETE FROM accounts; DELETE FROM agencies;");
  }

  close(): void {
    this.db.close();
  }

  /** The named parameters of a token's authorizer (`accounts` columns, with the email's lower-cased key). */
  private personParams(by: Person | null | undefined, at: string | null | undefined): PersonColumns & { authorized_by_email_key: string | null } {
    return { ...personColumns(by, at), authorized_by_email_key: by?.email === undefined ? null : emailKey(by.email) };
  }

  private withAgencies(rows: AccountRow[]): Account[] {
    if (rows.length === 0) return [];
    const links = this.st.linksOf.all(JSON.stringify(rows.map((r) => r.id))) as Array<Agency & { accountId: string }>;
    const byAccount = new Map<string, Agency[]>();
    for (const l of links) {
      const list = byAccount.get(l.accountId) ?? [];
      list.push({ id: l.id, name: l.name });
      byAccount.set(l.accountId, list);
    }
    return rows.map((r) => ({
      id: r.id,
      publisher: r.publisher,
      externalId: r.external_id,
      name: r.name,
      token: {
        valid: r.valid === 1,
        fingerprint: r.fingerprint,
        invalidatedAt: r.invalidated_at,
        invalidatedBy: r.invalidated_by,
        reason: r.reason,
        authorizedBy: personOf(r),
        authorizedAt: r.authorized_at,
      },
      agencies: byAccount.get(r.id) ?? [],
      version: r.version,
    }));
  }
}

/** The list's filters (`@ids`, `@publisher`, `@valid`, `@agency`, `@person` with its `@personEmail` key; null means any). */
const LIST_FILTERS = `(@ids IS NULL OR a.id IN (SELECT value FROM json_each(@ids)))
        AND (@publisher IS NULL OR a.publisher = @publisher)
        AND (@valid IS NULL OR a.valid = @valid)
        AND (@person IS NULL OR a.authorized_by_id = @person OR a.authorized_by_email_key = @personEmail)
        AND (@agency IS NULL OR EXISTS (SELECT 1 FROM links l WHERE l.account_id = a.id AND l.agency_id = @agency))`;

function prepare(db: SqliteDatabase) {
  return {
    anyAccount: db.prepare("SELECT 1 FROM accounts LIMIT 1"),
    anyAgency: db.prepare("SELECT 1 FROM agencies LIMIT 1"),
    counts: db.prepare("SELECT (SELECT COUNT(*) FROM agencies) AS agencies, (SELECT COUNT(*) FROM accounts) AS accounts"),
    account: db.prepare("SELECT * FROM accounts WHERE id = ?"),
    list: db.prepare(`SELECT a.* FROM accounts a WHERE ${LIST_FILTERS}
        AND (@after IS NULL OR a.id > @after)
      ORDER BY a.id LIMIT @limit OFFSET @offset`),
    countBefore: db.prepare(`SELECT COUNT(*) AS n FROM accounts a WHERE ${LIST_FILTERS} AND a.id < @id`),
    linksOf: db.prepare(`SELECT l.account_id AS accountId, g.id, g.name FROM links l JOIN agencies g ON g.id = l.agency_id
      WHERE l.account_id IN (SELECT value FROM json_each(?)) ORDER BY l.seq`),
    agencies: db.prepare("SELECT id, name FROM agencies ORDER BY id"),
    agency: db.prepare("SELECT 1 FROM agencies WHERE id = ?"),
    accountExists: db.prepare("SELECT 1 FROM accounts WHERE id = ?"),
    audit: db.prepare(`SELECT at, actor, action, account_id AS accountId, agency_id AS agencyId, reason,
        authorized_by_id, authorized_by_name, authorized_by_email, authorized_at FROM audit
      WHERE (@account IS NULL OR account_id = @account) AND (@since IS NULL OR at >= @since) ORDER BY at, seq`),
    insertAgency: db.prepare("INSERT INTO agencies (id, name) VALUES (?, ?)"),
    insertAccount: db.prepare(`INSERT INTO accounts (id, publisher, external_id, name, valid, fingerprint, invalidated_at, invalidated_by, reason,
        authorized_by_id, authorized_by_name, authorized_by_email, authorized_by_email_key, authorized_at)
      VALUES (@id, @publisher, @external_id, @name, @valid, @fingerprint, @invalidated_at, @invalidated_by, @reason,
        @authorized_by_id, @authorized_by_name, @authorized_by_email, @authorized_by_email_key, @authorized_at)`),
    link: db.prepare("INSERT INTO links (account_id, agency_id) VALUES (?, ?)"),
    linkIfNew: db.prepare("INSERT OR IGNORE INTO links (account_id, agency_id) VALUES (?, ?)"),
    unlink: db.prepare("DELETE FROM links WHERE account_id = ? AND agency_id = ?"),
    bump: db.prepare("UPDATE accounts SET version = version + 1 WHERE id = ?"),
    rename: db.prepare("UPDATE accounts SET name = @name, version = version + 1 WHERE id = @id"),
    unlinkAll: db.prepare("DELETE FROM links WHERE account_id = ?"),
    deleteAccount: db.prepare("DELETE FROM accounts WHERE id = ?"),
    invalidate: db.prepare(`UPDATE accounts SET valid = 0, invalidated_at = @at, invalidated_by = @by, reason = @reason,
      version = version + 1 WHERE id = @id`),
    reauthorize: db.prepare(`UPDATE accounts SET valid = 1, fingerprint = @fingerprint, invalidated_at = NULL,
      invalidated_by = NULL, reason = NULL, authorized_by_id = @authorized_by_id, authorized_by_name = @authorized_by_name,
      authorized_by_email = @authorized_by_email, authorized_by_email_key = @authorized_by_email_key, authorized_at = @authorized_at,
      version = version + 1 WHERE id = @id`),
    insertAudit: db.prepare(`INSERT INTO audit (at, actor, action, account_id, agency_id, reason,
        authorized_by_id, authorized_by_name, authorized_by_email, authorized_at)
      VALUES (@at, @actor, @action, @accountId, @agencyId, @reason,
        @authorized_by_id, @authorized_by_name, @authorized_by_email, @authorized_at)`),
    maxIndex: db.prepare(`SELECT MAX(CAST(substr(id, length(@p) + 1) AS INTEGER)) AS n FROM accounts
      WHERE substr(id, 1, length(@p)) = @p`),
    getIdem: db.prepare("SELECT fingerprint, status, headers, body FROM idempotency WHERE principal = ? AND key = ?"),
    putIdem: db.prepare("INSERT INTO idempotency (principal, key, fingerprint, status, headers, body) VALUES (?, ?, ?, ?, ?, ?)"),
  };
}
