// The sandbox's SQLite adapter on whichever driver this Node has (node:sqlite on 22.13+/23.4+,
// better-sqlite3 before): durability settings, transactions, plain rows, no ExperimentalWarning,
// and a clear error when no driver can be had.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PUBLISHER_SQL_CHECK, PUBLISHERS } from "../../provider/generated/contract";
import { DB_VERSION, openDatabase, openSqlite, type SqliteDatabase } from "../../provider/sandbox/db";
import { Store } from "../../provider/sandbox/store";

const ROOT = path.resolve(__dirname, "..", "..");
const BUILT_DB = path.join(ROOT, "dist", "sandbox", "db.js");
const dir = mkdtempSync(path.join(tmpdir(), "marin-db-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
/** Where Node ships node:sqlite without a flag. */
const hasNodeSqlite = major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
/** The flag that hides node:sqlite where Node has it, to reach the fallback. */
const NO_NODE_SQLITE = hasNodeSqlite ? ["--no-experimental-sqlite"] : [];

/** The value of a PRAGMA (its one column). */
const pragma = (db: SqliteDatabase, name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get() as object)[0];

describe(`the sandbox database on Node ${process.version}`, () => {
  it(`uses ${hasNodeSqlite ? "node:sqlite" : "better-sqlite3"} with WAL and synchronous=FULL on a file`, () => {
    const file = path.join(dir, "settings.db");
    const db = openDatabase(file);
    try {
      expect(db.driver).toBe(hasNodeSqlite ? "node:sqlite" : "better-sqlite3");
      expect(pragma(db, "journal_mode")).toBe("wal");
      expect(pragma(db, "synchronous")).toBe(2); // FULL
      expect(pragma(db, "foreign_keys")).toBe(1);
      expect(pragma(db, "busy_timeout")).toBe(5000);
      expect(pragma(db, "user_version")).toBe(DB_VERSION);
    } finally {
      db.close();
    }
    expect(db.open).toBe(false);
    db.close(); // twice is harmless
  });

  it("returns plain rows and numeric change counts", () => {
    const db = openDatabase(":memory:");
    try {
      expect(db.prepare("INSERT INTO agencies (id, name) VALUES (@id, @name)").run({ id: "ag-1", name: "One" }).changes).toBe(1);
      const row = db.prepare("SELECT id, name FROM agencies WHERE id = ?").get("ag-1");
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
      expect(row).toEqual({ id: "ag-1", name: "One" });
      const rows = db.prepare("SELECT value FROM json_each(?)").all(JSON.stringify(["a", "b"]));
      expect(rows.map((r) => Object.getPrototypeOf(r) === Object.prototype)).toEqual([true, true]);
      expect(db.prepare("SELECT id FROM agencies WHERE id = ?").get("nope")).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it("commits, rolls back on a throw, and rolls back only the inner savepoint of a nested transaction", () => {
    const db = openDatabase(":memory:");
    const add = db.prepare("INSERT INTO agencies (id, name) VALUES (?, ?)");
    const ids = () => (db.prepare("SELECT id FROM agencies ORDER BY id").all() as Array<{ id: string }>).map((r) => r.id);
    try {
      expect(
        db.transaction(() => {
          add.run("ag-1", "One");
          return db.inTransaction;
        }),
      ).toBe(true);
      expect(db.inTransaction).toBe(false);
      expect(() =>
        db.transaction(() => {
          add.run("ag-2", "Two");
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(ids()).toEqual(["ag-1"]);
      db.transaction(() => {
        add.run("ag-3", "Three");
        expect(() =>
          db.transaction(() => {
            add.run("ag-4", "Four");
            add.run("ag-1", "duplicate");
          }),
        ).toThrow(/UNIQUE/);
        add.run("ag-5", "Five");
      });
      expect(ids()).toEqual(["ag-1", "ag-3", "ag-5"]);
      expect(() => db.transaction(() => Promise.resolve(add.run("ag-6", "Six")))).toThrow(/synchronous/);
      expect(ids()).toEqual(["ag-1", "ag-3", "ag-5"]);
      expect(db.inTransaction).toBe(false);
    } finally {
      db.close();
    }
  });

  it("gives a database written before a publisher was added the contract's publishers, keeping its rows and links", () => {
    const file = path.join(dir, "older-publishers.db");
    openDatabase(file).close();
    // The accounts table as a sandbox knowing only the first publisher wrote it.
    const older = openSqlite(file);
    const sql = (older.prepare("SELECT sql FROM sqlite_master WHERE name = 'accounts'").get() as { sql: string }).sql;
    older.exec("PRAGMA foreign_keys = OFF; DROP TABLE accounts");
    older.exec(sql.replace(PUBLISHER_SQL_CHECK, `publisher IN ('${PUBLISHERS[0]}')`));
    older.exec(`INSERT INTO agencies VALUES ('ag-1', 'One');
      INSERT INTO accounts (id, publisher, external_id, name, valid, fingerprint) VALUES ('a-1', '${PUBLISHERS[0]}', '1', 'A', 1, 'f');
      INSERT INTO links (account_id, agency_id) VALUES ('a-1', 'ag-1')`);
    expect(() =>
      older.exec(`INSERT INTO accounts (id, publisher, external_id, name, valid, fingerprint) VALUES ('a-2', '${PUBLISHERS[1]}', '2', 'B', 1, 'f')`),
    ).toThrow(/CHECK/);
    older.close();

    const db = openDatabase(file);
    try {
      db.prepare("INSERT INTO accounts (id, publisher, external_id, name, valid, fingerprint) VALUES (?, ?, '2', 'B', 1, 'f')").run("a-2", PUBLISHERS[1]);
      expect(db.prepare("SELECT id, publisher FROM accounts ORDER BY id").all()).toEqual([
        { id: "a-1", publisher: PUBLISHERS[0] },
        { id: "a-2", publisher: PUBLISHERS[1] },
      ]);
      expect(db.prepare("SELECT account_id, agency_id FROM links").all()).toEqual([{ account_id: "a-1", agency_id: "ag-1" }]);
      expect(db.prepare("PRAGMA foreign_key_check").all()).toEqual([]);
      expect(() => db.prepare("INSERT INTO links (account_id, agency_id) VALUES ('nobody', 'ag-1')").run(), "foreign keys are on again").toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it("gives a version 1 database (before tokens named who authorized them) the new columns, its rows kept with no authorizer", () => {
    const file = path.join(dir, "version-1.db");
    const v1 = openSqlite(file);
    v1.exec(`CREATE TABLE agencies (id TEXT PRIMARY KEY, name TEXT NOT NULL);
      CREATE TABLE accounts (id TEXT PRIMARY KEY, publisher TEXT NOT NULL CHECK (${PUBLISHER_SQL_CHECK}), external_id TEXT NOT NULL,
        name TEXT NOT NULL, valid INTEGER NOT NULL CHECK (valid IN (0, 1)), fingerprint TEXT NOT NULL, invalidated_at TEXT,
        invalidated_by TEXT, reason TEXT, version INTEGER NOT NULL DEFAULT 1);
      CREATE TABLE links (seq INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL REFERENCES accounts(id),
        agency_id TEXT NOT NULL REFERENCES agencies(id), UNIQUE (account_id, agency_id));
      CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        account_id TEXT NOT NULL, agency_id TEXT, reason TEXT);
      INSERT INTO agencies VALUES ('ag-1', 'One');
      INSERT INTO accounts (id, publisher, external_id, name, valid, fingerprint) VALUES ('a-1', '${PUBLISHERS[0]}', '1', 'A', 1, 'f');
      INSERT INTO links (account_id, agency_id) VALUES ('a-1', 'ag-1');
      INSERT INTO audit (at, actor, action, account_id) VALUES ('2026-01-01T00:00:00.000Z', 'ops', 'token.reauthorize', 'a-1');
      PRAGMA user_version = 1`);
    v1.close();

    const store = new Store(file);
    try {
      expect(pragma(store.db, "user_version")).toBe(DB_VERSION);
      expect(store.getAccount("a-1")).toMatchObject({ name: "A", agencies: [{ id: "ag-1" }], token: { valid: true, authorizedBy: null, authorizedAt: null } });
      expect(store.listAudit("a-1")).toEqual([
        { at: "2026-01-01T00:00:00.000Z", actor: "ops", action: "token.reauthorize", accountId: "a-1", agencyId: null, reason: null },
      ]);
      const jane = { id: "u-1", name: "Jane", email: "Jane@Example.org" };
      store.reauthorize("a-1", "f2", jane, "2026-02-01T00:00:00.000Z");
      expect(store.listAccounts({ authorizedBy: "jane@example.org", limit: 10 }).items.map((a) => a.token.authorizedBy)).toEqual([jane]);
    } finally {
      store.close();
    }
  });

  it("refuses a database written by a newer sandbox, and a file that is not SQLite, naming the file", () => {
    const newer = path.join(dir, "newer.db");
    const raw = openSqlite(newer);
    raw.exec("PRAGMA user_version = 99");
    raw.close();
    expect(() => openDatabase(newer)).toThrow(
      `cannot use the sandbox database "${newer}": it was written by a newer sandbox (schema 99, this one knows ${DB_VERSION})`,
    );
    const text = path.join(dir, "text.db");
    writeFileSync(text, "not sqlite at all ".repeat(64));
    expect(() => openDatabase(text)).toThrow(`cannot use the sandbox database "${text}"`);
  });
});

/** Runs `code` on this Node with `flags`; returns exit status and stderr. */
function runNode(flags: string[], code: string, cwd: string) {
  const r = spawnSync(process.execPath, [...flags, "-e", code], { cwd, encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

/** db.js takes its publisher constraint from the generated contract (`../generated/contract.js`). */
function copyGenerated() {
  cpSync(path.join(ROOT, "dist", "generated"), path.join(dir, "generated"), { recursive: true });
}

describe("loading the driver (built dist/sandbox/db.js, in a child process)", () => {
  it("prints no ExperimentalWarning for SQLite, and still prints other warnings", () => {
    const r = runNode(
      [],
      `
      const db = require(${JSON.stringify(BUILT_DB)}).openDatabase(":memory:");
      db.close();
      process.emitWarning("something else", "ExperimentalWarning");`,
      dir,
    );
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/SQLite/);
    expect(r.stderr).toMatch(/ExperimentalWarning: something else/);
  });

  it("says what to do when Node has no node:sqlite and better-sqlite3 is not installed", () => {
    const alone = path.join(dir, "alone");
    mkdirSync(alone, { recursive: true });
    copyFileSync(BUILT_DB, path.join(alone, "db.js")); // nowhere near a node_modules
    copyGenerated();
    const r = runNode(NO_NODE_SQLITE, `require("./db.js").openDatabase(":memory:")`, alone);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("the sandbox needs Node.js 22.13+ (node:sqlite) or `npm install better-sqlite3`");
    expect(r.stderr).toContain(`this is Node.js ${process.version}`);
  });

  it("says how to fix a better-sqlite3 that cannot load (built for another Node)", () => {
    const broken = path.join(dir, "broken");
    mkdirSync(path.join(broken, "node_modules", "better-sqlite3"), { recursive: true });
    copyFileSync(BUILT_DB, path.join(broken, "db.js"));
    copyGenerated();
    writeFileSync(
      path.join(broken, "node_modules", "better-sqlite3", "index.js"),
      `throw Object.assign(new Error("was compiled against a different Node.js version using NODE_MODULE_VERSION 1"), { code: "ERR_DLOPEN_FAILED" });`,
    );
    const r = runNode(NO_NODE_SQLITE, `require("./db.js").openDatabase(":memory:")`, broken);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`the sandbox cannot load better-sqlite3 on Node.js ${process.version}: was compiled against a different Node.js version`);
    expect(r.stderr).toContain("Run `npm rebuild better-sqlite3`");
  });
});
