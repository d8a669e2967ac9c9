/**
 * Several declaration files read as one stack: a list of files and folders (each folder's
 * `*.yaml` and `*.yml` files, by name). Each file is loaded on its own, with its own
 * file:line:col problems; a rejected file yields no tokens, and the other files' tokens are
 * still returned, so that one bad file never blocks the offboarding the others declare.
 */
import { readdir, stat } from "node:fs/promises";
import * as path from "node:path";
import { stackSizeWarning } from "../core/scale";
import { loadDeclarations } from "./load";
import { type Problem, quote } from "./problem";
import type { LoadResult, LocatedPerson, LocatedToken } from "./types";

/** The outcome of loading several declaration files. */
export interface DeclarationSet {
  /** One result per file read, in the order named (a folder's files by name). */
  files: LoadResult[];
  /**
   * Problems of the set itself: a folder with no declaration file in it, and every account
   * declared in more than one file (at each later declaration, naming the first).
   */
  problems: Problem[];
  /** The tokens of every accepted file, without any account declared in more than one file. */
  tokens: LocatedToken[];
  /** The `people:` entries of every accepted file. */
  people: LocatedPerson[];
  /** Warnings that refuse nothing: a set above the supported stack size. */
  warnings: string[];
}

/** True when every file was accepted and the set has no problem of its own. */
export function setOk(set: DeclarationSet): boolean {
  return set.problems.length === 0 && set.files.every((f) => f.ok);
}

/** Every problem of the set, its files' first, then the set's own. */
export function setProblems(set: DeclarationSet): Problem[] {
  return [...set.files.flatMap((f) => (f.ok ? [] : f.problems)), ...set.problems];
}

const DECLARATION_FILE = /^[^.].*\.ya?ml$/i;

/**
 * Loads every file of `paths` (files, or folders of `*.yaml`/`*.yml` files, not recursive).
 * Relative paths resolve against `base`; files are labelled as named (a folder's as
 * `folder/name`); a file named twice is read once.
 * Never throws for a bad path: it becomes that path's problem.
 */
export async function loadDeclarationSet(paths: readonly string[], base = process.cwd()): Promise<DeclarationSet> {
  const at = (p: string) => path.resolve(base, p);
  const problems: Problem[] = [];
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = at(file);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };
  for (const p of paths) {
    const isDir = await stat(at(p)).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) {
      add(p);
      continue;
    }
    const names = (await readdir(at(p), { withFileTypes: true }).catch(() => []))
      .filter((e) => !e.isDirectory() && DECLARATION_FILE.test(e.name))
      .map((e) => e.name)
      .sort();
    if (names.length === 0) {
      problems.push({
        file: p,
        line: 1,
        col: 1,
        path: "(root)",
        message: "the folder holds no declaration file (*.yaml or *.yml); put the files in it, or name the files themselves",
      });
    }
    for (const name of names) add(path.join(p, name));
  }

  const results: LoadResult[] = [];
  for (const f of files) results.push(labelled(await loadDeclarations(at(f)), f));

  // One account, one resource, across files: both declarations are refused, the rest stands.
  const first = new Map<string, LocatedToken>();
  const twice = new Set<string>();
  for (const r of results) {
    if (!r.ok) continue;
    for (const t of r.tokens) {
      const earlier = first.get(t.accountId);
      if (!earlier) {
        first.set(t.accountId, t);
        continue;
      }
      twice.add(t.accountId);
      const where = `${earlier.location.file}:${earlier.location.line}:${earlier.location.col}`;
      problems.push({
        ...t.location,
        path: "accountId",
        message: `duplicate accountId ${quote(t.accountId)}: also declared at ${where}; declare each account in one file (neither declaration is registered until then)`,
      });
    }
  }
  const tokens = results.flatMap((r) => (r.ok ? r.tokens : [])).filter((t) => !twice.has(t.accountId));
  const count = results.reduce((sum, r) => sum + (r.ok ? r.tokens.length : 0), 0);
  const warning = stackSizeWarning(count, "declaration files");
  const people = results.flatMap((r) => (r.ok ? r.people : []));
  return { files: results, problems, tokens, people, warnings: warning ? [warning] : [] };
}

/** A result read from a resolved path, labelled with the file as named. */
function labelled(r: LoadResult, file: string): LoadResult {
  if (r.ok) {
    const at = <T extends { location: LocatedToken["location"] }>(x: T): T => ({ ...x, location: { ...x.location, file } });
    return { ok: true, file, tokens: r.tokens.map(at), people: r.people.map(at) };
  }
  return { ok: false, file, problems: r.problems.map((p) => ({ ...p, file })) };
}
