/**
 * The declaration loader: text or file to tokens, or to every problem.
 */
import { open } from "node:fs/promises";
import { isScalar } from "yaml";
import { buildTokens } from "./build";
import { convertDocument } from "./convert";
import { fastRead } from "./fast";
import { MAX_FILE_BYTES } from "./limits";
import { Locator } from "./locate";
import { tooDeepMessage } from "./nesting";
import { schemaProblems } from "./messages";
import { parseYaml } from "./parse";
import { displayPath, sortProblems, type Problem } from "./problem";
import { checkRules } from "./rules";
import { validateSchema } from "./schema";
import type { LoadResult } from "./types";

const EMPTY_MESSAGE =
  "the file is empty; expected a `tokens:` list, e.g. tokens: [{ accountId: fb-1001, valid: false }]";

/** `fast: false` skips the fast reader and uses the full YAML parser (same result, slower): for tests and differential checks. */
export interface ParseOptions {
  fast?: boolean;
}

/**
 * Parses declaration text. `file` is only used to label tokens and problems.
 * Never throws for any input: the result holds every token, or every problem
 * (sorted by position) and no tokens.
 */
export function parseDeclarations(text: string, file: string, options: ParseOptions = {}): LoadResult {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_FILE_BYTES) return fail(file, [tooBig(file, bytes)]);
  // Editors hide a byte-order mark: columns on line 1 should not count it.
  if (text.startsWith("\ufeff")) text = text.slice(1);
  if (options.fast !== false) {
    const quick = readFast(text, file);
    if (quick) return quick;
  }
  return readFull(text, file);
}

/** The fast path: only a clean result counts; any problem means "ask the full parser". */
function readFast(text: string, file: string): LoadResult | undefined {
  const read = fastRead(text);
  if (!read) return undefined;
  if (validateSchema(read.value).length > 0) return undefined;
  if (checkRules(read.value, () => ({ line: 0, col: 0 })).length > 0) return undefined;
  const positions = read.tokenPositions;
  return { ok: true, file, tokens: buildTokens(read.value, file, (i) => positions[i]!) };
}

function readFull(text: string, file: string): LoadResult {
  let parsed: ReturnType<typeof parseYaml>;
  try {
    parsed = parseYaml(text);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return fail(file, [at(file, 1, 1, "(root)", tooDeepMessage())]);
  }
  const { doc, lines } = parsed;
  if (parsed.problems.length > 0) {
    const locator = new Locator(doc, lines, text, new Map());
    return fail(
      file,
      parsed.problems.map((p) => {
        const { line, col } = locator.position(p.offset);
        // After a syntax error yaml's recovered tree is a guess: name at most the token.
        const path = p.whole ? [] : locator.pathAt(p.offset).slice(0, 2);
        return at(file, line, col, displayPath(path), p.message);
      }),
    );
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null && root.range[0] === root.range[1] && !root.anchor)) {
    return fail(file, [at(file, 1, 1, "(root)", EMPTY_MESSAGE)]);
  }

  const converted = convertDocument(doc, text, lines);
  const locator = new Locator(doc, lines, text, converted.aliases);
  const problems: Problem[] = [];
  for (const p of converted.problems) {
    const { line, col } = locator.position(p.offset);
    problems.push(at(file, line, col, displayPath(p.path), p.message));
  }
  // After an alias bomb the data is a stump: only the converter's problems mean anything.
  if (!converted.bombed) {
    for (const p of schemaProblems(validateSchema(converted.value), converted.value, converted.suppressed)) {
      const { line, col } = locator.locate(p.segments, p.target);
      problems.push(at(file, line, col, displayPath(p.segments), p.message));
    }
    for (const p of checkRules(converted.value, (s) => locator.locate(s))) {
      const { line, col } = locator.locate(p.segments);
      problems.push(at(file, line, col, displayPath(p.segments), p.message));
    }
  }
  if (problems.length > 0) return fail(file, problems);
  const data = converted.value as Record<string, unknown>;
  return { ok: true, file, tokens: buildTokens(data, file, (i) => locator.locate(["tokens", i])) };
}

/**
 * Reads and parses a declaration file. Reads at most MAX_FILE_BYTES (+1 to
 * detect a larger file) before parsing; a file that cannot be read, is too
 * large or is not UTF-8 yields a problem, never a throw.
 */
export async function loadDeclarations(file: string): Promise<LoadResult> {
  let handle;
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
  return at(
    file,
    1,
    1,
    "(root)",
    `the file is ${size}; the limit is ${MAX_FILE_BYTES.toLocaleString("en-US")} bytes (1 MiB); split the tokens across several files`,
  );
}

function at(file: string, line: number, col: number, path: string, message: string): Problem {
  return { file, line, col, path, message };
}

function fail(file: string, problems: Problem[]): LoadResult {
  return { ok: false, file, problems: sortProblems(problems) };
}
