/**
 * The declaration loader: text or file to tokens, or to every problem.
 */
import { type FileHandle, open } from "node:fs/promises";
import { isScalar, type YAMLError } from "yaml";
import { buildPeople, buildTokens } from "./build";
import { MAX_ALIAS_COUNT, MAX_FILE_BYTES, SPLIT_ADVICE } from "./limits";
import { Locator, type Position } from "./locate";
import { schemaProblems } from "./messages";
import { parseYaml, YAML_OPTIONS } from "./parse";
import { displayPath, type Problem, type Segments, sortProblems } from "./problem";
import { findRefusals } from "./refuse";
import { checkRules } from "./rules";
import { validateSchema } from "./schema";
import type { LoadResult } from "./types";

const EMPTY_MESSAGE = "the file is empty; expected a `tokens:` list, e.g. tokens: [{ accountId: fb-1001, valid: false }]";
const SECOND_DOCUMENT = "the file holds more than one YAML document (a `---` or `...` line starts another); keep every token in one document";

/** yaml errors that leave a sound tree, so the walk over it can say more about them. */
const KEY_ERRORS = new Set(["DUPLICATE_KEY", "NON_STRING_KEY"]);

/** yaml warnings that do not change what is read: a flow `]` or `}` indented like its parent. Tags are refused on their own. */
const HARMLESS_WARNINGS = new Set(["BAD_INDENT", "TAG_RESOLVE_FAILED", "BAD_COLLECTION_TYPE"]);

/**
 * Parses declaration text with the `yaml` library (YAML_OPTIONS). `file` is
 * only used to label tokens and problems. Never throws for any input: the
 * result holds every token (what `YAML.parse(text, YAML_OPTIONS)` reads, with
 * `defaults` applied), or every problem (sorted by position) and no tokens.
 */
export function parseDeclarations(text: string, file: string): LoadResult {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_FILE_BYTES) return fail(file, [tooBig(file, bytes)]);
  const parsed = parseYaml(text);
  if ("stopped" in parsed) {
    const { line, col } = new Locator(undefined, parsed.lines, text).position(parsed.stopped.offset);
    return fail(file, [{ file, line, col, path: "(root)", message: parsed.stopped.message }]);
  }
  const { doc, lines } = parsed;
  const locator = new Locator(doc, lines, text);
  const problems: Problem[] = [];
  const add = ({ line, col }: Position, path: Segments, message: string) => problems.push({ file, line, col, path: displayPath(path), message });
  const report = (offset: number, path: Segments, message: string) => add(locator.position(offset), path, message);
  // After a syntax error yaml's recovered tree is a guess: report only what yaml says.
  const yamlProblem = (e: YAMLError) => report(e.pos[0], locator.pathAt(e.pos[0]), `YAML syntax error: ${e.message.replace(/\s+/g, " ").trim()}`);
  doc.errors.filter((e) => !KEY_ERRORS.has(e.code)).forEach(yamlProblem);
  doc.warnings.filter((w) => !HARMLESS_WARNINGS.has(w.code)).forEach(yamlProblem);
  if (parsed.secondDoc !== undefined) report(parsed.secondDoc, [], SECOND_DOCUMENT);
  const version = doc.directives?.yaml;
  if (version?.explicit && version.version !== YAML_OPTIONS.version) {
    const m = /^%YAML[ \t]/m.exec(text);
    report(
      m ? m.index : 0,
      [],
      `%YAML ${version.version} is not supported: declaration files are YAML 1.2 (where yes and no are strings, not booleans); remove the %YAML line`,
    );
  }
  if (problems.length > 0) return fail(file, problems);

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null && root.range[0] === root.range[1] && !root.anchor && !root.tag)) {
    return fail(file, [{ file, line: 1, col: 1, path: "(root)", message: EMPTY_MESSAGE }]);
  }

  const refused = findRefusals(doc, lines);
  for (const p of refused.problems) report(p.offset, p.path, p.message);
  const unnamed = doc.errors.filter((e) => !refused.keyErrors.has(e.pos[0]));
  unnamed.forEach(yamlProblem);
  if (refused.fatal || unnamed.length > 0) return fail(file, problems);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    // yaml's maxAliasCount stopped the conversion: an alias bomb.
    const bomb = refused.aliasBomb;
    report(
      bomb?.offset ?? 0,
      bomb?.path ?? [],
      `too many alias expansions: expanding ${bomb ? `*${bomb.source}` : "an alias"} goes over ${MAX_ALIAS_COUNT} (counting the aliases inside it each time); this looks like an alias bomb: write the values out, or set shared values once under defaults:`,
    );
    return fail(file, problems);
  }
  for (const p of schemaProblems(validateSchema(data), data, refused.suppressed)) add(locator.locate(p.segments, p.target), p.segments, p.message);
  for (const p of checkRules(data, (s) => locator.locate(s))) add(locator.locate(p.segments), p.segments, p.message);
  if (problems.length > 0) return fail(file, problems);
  const entries = data as Record<string, unknown>;
  return {
    ok: true,
    file,
    tokens: buildTokens(entries, file, (i) => locator.locate(["tokens", i])),
    people: buildPeople(entries, file, (i) => locator.locate(["people", i])),
  };
}

/**
 * Reads and parses a declaration file. Reads at most MAX_FILE_BYTES (+1 to
 * detect a larger file) before parsing; a file that cannot be read, is too
 * large or is not UTF-8 yields a problem, never a throw.
 */
export async function loadDeclarations(file: string): Promise<LoadResult> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (e) {
    return fail(file, [at(file, 1, 1, "(root)", readError(e))]);
  }
  let bytes: Buffer;
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) return fail(file, [at(file, 1, 1, "(root)", "cannot read the file: it is a directory; name a YAML file")]);
    if (stat.size > MAX_FILE_BYTES) return fail(file, [tooBig(file, stat.size)]);
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_FILE_BYTES) return fail(file, [tooBig(file, length, true)]);
    }
    bytes = buffer.subarray(0, length);
  } catch (e) {
    return fail(file, [at(file, 1, 1, "(root)", readError(e))]);
  } finally {
    await handle.close();
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return fail(file, [at(file, 1, 1, "(root)", "the file is not UTF-8 text; save it as UTF-8")]);
  }
  return parseDeclarations(text, file);
}

function readError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "cannot read the file: it does not exist (ENOENT); check the path";
  if (code === "EACCES" || code === "EPERM") return `cannot read the file: permission denied (${code})`;
  if (code === "EISDIR") return "cannot read the file: it is a directory; name a YAML file";
  return `cannot read the file: ${(e as Error).message}`;
}

function tooBig(file: string, bytes: number, atLeast = false): Problem {
  const size = `${atLeast ? "more than " : ""}${bytes.toLocaleString("en-US")} bytes (${(bytes / 1048576).toFixed(2)} MiB)`;
  return at(file, 1, 1, "(root)", `the file is ${size}; the limit is ${MAX_FILE_BYTES.toLocaleString("en-US")} bytes (1 MiB); ${SPLIT_ADVICE}`);
}

function at(file: string, line: number, col: number, path: string, message: string): Problem {
  return { file, line, col, path, message };
}

function fail(file: string, problems: Problem[]): LoadResult {
  return { ok: false, file, problems: sortProblems(problems) };
}
