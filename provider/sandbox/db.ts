/**
 * The sandbox's SQLite database behind one small driver-agnostic interface ({@link SqliteDatabase}).
 *
 * Driver: Node's built-in `node:sqlite` where it exists unflagged (Node 22.13+, 23.4+), so
 * installing the package builds nothing native; otherwise `better-sqlite3`, loaded only then and
 * only if the user installed it (it is not a dependency). Both run the same SQLite with the same
 * settings: file databases use WAL with `synchronous=FULL`, so a committed write survives a crash.
 */
import { PUBLISHER_SQL_CHECK } from "../generated/contract";

/** A prepared statement: positional parameters, or one object of named ones (`@name`). Rows are plain objects keyed by column. */
export interface Statement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

/** An open SQLite connection, whichever driver opened it. */
export interface SqliteDatabase {
  /** The driver in use. */
  readonly driver: DriverName;
  /** False once {@link SqliteDatabase.close} ran. */
  readonly open: boolean;
  /** True inside {@link SqliteDatabase.transaction}. */
  readonly inTransaction: boolean;
  prepare(sql: string): Statement;
  /** Runs one or more statements, discarding rows. */
  exec(sql: string): void;
  /**
   * Runs synchronous `fn` in a write transaction (`BEGIN IMMEDIATE`): committed when it returns,
   * rolled back when it throws. Nested calls become savepoints.
   */
  transaction<T>(fn: () => T): T;
  close(): void;
}

/** The SQLite drivers the sandbox can use, in order of preference. */
export type DriverName = "node:sqlite" | "better-sqlite3";

/** The schema version this code writes (`PRAGMA user_version`): 2 added who authorized each token. */
export const DB_VERSION = 2;

/**
 * Who authorized a token (the contract's `Person`, and when), as columns of `accounts` and `audit`;
 * all null when not known. Last in both tables, so that a version 1 database gains them with
 * `ALTER TABLE ... ADD COLUMN` and keeps its column order.
 */
const AUTHORIZED_BY = {
  authorized_by_id: "TEXT",
  authorized_by_name: "TEXT",
  authorized_by_email: "TEXT",
  authorized_at: "TEXT",
} as const;

/** `accounts` also keeps the email lower-cased (JavaScript's full Unicode case mapping) for the case-insensitive filter. */
const ACCOUNT_AUTHORIZED_BY = { ...AUTHORIZED_BY, authorized_by_email_key: "TEXT" } as const;

const columns = (added: Record<string, string>) =>
  Object.entries(added)
    .map(([name, type]) => `,\n  ${name} ${type}`)
    .join("");

/** The columns of `accounts`; its publisher constraint is generated from the contract's enum. */
const ACCOUNTS = `(
  id             TEXT PRIMARY KEY,
  publisher      TEXT NOT NULL CHECK (${PUBLISHER_SQL_CHECK}),
  external_id    TEXT NOT NULL,
  name           TEXT NOT NULL,
  valid          INTEGER NOT NULL CHECK (valid IN (0, 1)),
  fingerprint    TEXT NOT NULL,
  invalidated_at TEXT,
  invalidated_by TEXT,
  reason         TEXT,
  version        INTEGER NOT NULL DEFAULT 1${columns(ACCOUNT_AUTHORIZED_BY)}
)`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agencies (
  id   TEXT PRIMARY KEY,
  name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts ${ACCOUNTS};
CREATE TABLE IF NOT EXISTS links (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  agency_id  TEXT NOT NULL REFERENCES agencies(id),
  UNIQUE (account_id, agency_id)
);
CREATE INDEX IF NOT EXISTS links_by_agency ON links (agency_id);
CREATE TABLE IF NOT EXISTS audit (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  at         TEXT NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  account_id TEXT NOT NULL,
  agency_id  TEXT,
  reason     TEXT${columns(AUTHORIZED_BY)}
);
CREATE INDEX IF NOT EXISTS audit_by_account ON audit (account_id, at);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit (at);
CREATE TABLE IF NOT EXISTS idempotency (
  principal   TEXT NOT NULL,
  key         TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status      INTEGER NOT NULL,
  headers     TEXT NOT NULL,
  body        TEXT,
  PRIMARY KEY (principal, key)
);
`;

/** Opens (creating when needed) the database at `file` (`:memory:` allowed) with the sandbox schema. */
export function openDatabase(file: string): SqliteDatabase {
  const db = openSqlite(file);
  try {
    if (file !== ":memory:" && file !== "") db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000");
    const { user_version: version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
    if (version > DB_VERSION) {
      throw new Error(`it was written by a newer sandbox (schema ${version}, this one knows ${DB_VERSION})`);
    }
    db.exec(SCHEMA);
    addColumns(db, "accounts", ACCOUNT_AUTHORIZED_BY);
    addColumns(db, "audit", AUTHORIZED_BY);
    adoptPublishers(db);
    db.exec(`PRAGMA user_version = ${DB_VERSION}`);
  } catch (err) {
    db.close();
    throw new Error(`cannot use the sandbox database "${file}": ${(err as Error).message}`);
  }
  return db;
}

/** Adds the columns `table` lacks (a database of an older schema version); their values start null. */
function addColumns(db: SqliteDatabase, table: string, wanted: Record<string, string>): void {
  const have = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
  for (const [name, type] of Object.entries(wanted)) if (!have.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
}

/**
 * Gives `accounts` the contract's publisher constraint when a database written before a publisher
 * was added has another: SQLite cannot alter a CHECK, so the table is copied into a new one
 * (SQLite's documented way, with foreign keys off meanwhile). A row of a publisher the contract
 * no longer has fails the copy, and the database is left as it was.
 */
function adoptPublishers(db: SqliteDatabase): void {
  const table = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'accounts'").get() as { sql: string };
  if (table.sql.includes(PUBLISHER_SQL_CHECK)) return;
  db.exec("PRAGMA foreign_keys = OFF");
  try {
    db.transaction(() => {
      db.exec(`CREATE TABLE accounts_new ${ACCOUNTS}`);
      db.exec("INSERT INTO accounts_new SELECT * FROM accounts; DROP TABLE accounts; ALTER TABLE accounts_new RENAME TO accounts");
    });
  } finally {
    db.exec("PRAGMA foreign_keys = ON");
  }
}

/** Opens `file` as is (no settings, no schema) with `node:sqlite` where Node has it, else `better-sqlite3`. */
export function openSqlite(file: string): SqliteDatabase {
  const driver = sqliteDriver();
  let raw: RawDatabase;
  try {
    raw = driver.open(file);
  } catch (err) {
    throw new Error(`cannot open the sandbox database "${file}": ${(err as Error).message}`);
  }
  return new Connection(driver.name, raw, driver.name === "node:sqlite");
}

/** What a driver module must offer: the common shape of `node:sqlite` and `better-sqlite3`. */
interface RawStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint };
}
interface RawDatabase {
  prepare(sql: string): RawStatement;
  exec(sql: string): void;
  close(): void;
}
interface Driver {
  name: DriverName;
  open(file: string): RawDatabase;
}

let loaded: Driver | undefined;

/**
 * The driver this process uses: `node:sqlite` when Node has it, else `better-sqlite3` when it is
 * installed. Throws, saying how to get one, when neither is available.
 */
function sqliteDriver(): Driver {
  loaded ??= loadDriver();
  return loaded;
}

function loadDriver(): Driver {
  const sqlite = loadNodeSqlite();
  if (sqlite) return { name: "node:sqlite", open: (file) => new sqlite.DatabaseSync(file) };
  let Better: new (file: string) => RawDatabase;
  try {
    Better = require("better-sqlite3");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "MODULE_NOT_FOUND" && e.message.includes("'better-sqlite3'")) {
      throw new Error(
        `the sandbox needs Node.js 22.13+ (node:sqlite) or \`npm install better-sqlite3\`: ` +
          `this is Node.js ${process.version}, which has no node:sqlite, and better-sqlite3 is not installed`,
      );
    }
    throw new Error(
      `the sandbox cannot load better-sqlite3 on Node.js ${process.version}: ${e.message}. ` +
        "Run `npm rebuild better-sqlite3`, or use Node.js 22.13+, whose node:sqlite needs nothing installed",
    );
  }
  return { name: "better-sqlite3", open: (file) => new Better(file) };
}

/**
 * `node:sqlite`'s module, or undefined where Node lacks it (before 22.13 without a flag). Its one
 * ExperimentalWarning ("SQLite is an experimental feature") is not printed: the sandbox uses only
 * the part of the API that has not changed since it appeared (prepare, get, all, run, exec,
 * close). Every other warning still is.
 */
function loadNodeSqlite(): { DatabaseSync: new (file: string) => RawDatabase } | undefined {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === "string" ? warning : warning.message;
    if (type === "ExperimentalWarning" && /\bSQLite\b/.test(text)) return;
    return (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return require("node:sqlite");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_UNKNOWN_BUILTIN_MODULE") return undefined;
    throw err;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** {@link SqliteDatabase} over either driver. */
class Connection implements SqliteDatabase {
  private depth = 0;
  private closed = false;

  constructor(
    readonly driver: DriverName,
    private readonly raw: RawDatabase,
    /** node:sqlite returns rows with a null prototype; copy them so both drivers return plain objects. */
    private readonly copyRows: boolean,
  ) {}

  get open(): boolean {
    return !this.closed;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(sql: string): Statement {
    const st = this.raw.prepare(sql);
    if (!this.copyRows) return st as Statement;
    return {
      get: (...p) => {
        const row = st.get(...p);
        return row === undefined ? undefined : { ...(row as object) };
      },
      all: (...p) => st.all(...p).map((row) => ({ ...(row as object) })),
      run: (...p) => ({ changes: Number(st.run(...p).changes) }),
    };
  }

  exec(sql: string): void {
    this.raw.exec(sql);
  }

  transaction<T>(fn: () => T): T {
    const savepoint = this.depth > 0 ? `sp${this.depth}` : undefined;
    this.exec(savepoint ? `SAVEPOINT ${savepoint}` : "BEGIN IMMEDIATE");
    this.depth++;
    try {
      const result = fn();
      if (result instanceof Promise) throw new TypeError("a sandbox transaction must be synchronous; fn returned a promise");
      this.exec(savepoint ? `RELEASE ${savepoint}` : "COMMIT");
      return result;
    } catch (err) {
      try {
        this.exec(savepoint ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : "ROLLBACK");
      } catch {
        // SQLite already rolled back (e.g. on SQLITE_FULL); the original error is what matters.
      }
      throw err;
    } finally {
      this.depth--;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.raw.close();
  }
}
