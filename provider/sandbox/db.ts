/**
 * Opens the sandbox's SQLite database (better-sqlite3) and creates its tables.
 * File databases use WAL with `synchronous=FULL`: a committed write survives a crash.
 */
import Database from "better-sqlite3";

/** The schema version this code writes (`PRAGMA user_version`). */
export const DB_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agencies (
  id   TEXT PRIMARY KEY,
  name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
  id             TEXT PRIMARY KEY,
  publisher      TEXT NOT NULL CHECK (publisher IN ('facebook', 'twitter')),
  external_id    TEXT NOT NULL,
  name           TEXT NOT NULL,
  valid          INTEGER NOT NULL CHECK (valid IN (0, 1)),
  fingerprint    TEXT NOT NULL,
  invalidated_at TEXT,
  invalidated_by TEXT,
  reason         TEXT,
  version        INTEGER NOT NULL DEFAULT 1
);
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
  reason     TEXT
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
export function openDatabase(file: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    throw new Error(`cannot open the sandbox database "${file}": ${(err as Error).message}`);
  }
  try {
    if (file !== ":memory:" && file !== "") db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > DB_VERSION) {
      throw new Error(`it was written by a newer sandbox (schema ${version}, this one knows ${DB_VERSION})`);
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${DB_VERSION}`);
  } catch (err) {
    db.close();
    throw new Error(`cannot use the sandbox database "${file}": ${(err as Error).message}`);
  }
  return db;
}
