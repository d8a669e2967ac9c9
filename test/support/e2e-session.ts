/**
 * What a file of real-CLI tests shares: one sandbox, reset before each test, a temporary folder,
 * and the stacks made through it, all removed after the file.
 *
 * ```ts
 * const e2e = e2eSession("marin-publisher-");
 * it("...", async () => {
 *   const s = await e2e.repoStack("tokens:\n  - { accountId: fb-1001, valid: false }\n");
 *   expect((await pulumiCli(s, ["up", "--yes"])).code).toBe(0);
 * });
 * ```
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { type PulumiTestStack, pulumiStack, repoProgramCopy } from "./pulumi";
import { type TestSandbox, testSandbox } from "./sandbox";

export interface E2eSession {
  /** The sandbox (demo seed unless `seed` says otherwise). */
  readonly sb: TestSandbox;
  /** A temporary folder for this file's tests. */
  readonly tmp: string;
  /** Something to undo after the file's tests. */
  onCleanup(fn: () => Promise<void> | void): void;
  /**
   * A stack of the repository's program over `declared` (tokens.yaml text). Config defaults to the
   * sandbox's URL and its admin key as a secret.
   */
  repoStack(declared: string, config?: Record<string, string>, secretConfig?: Record<string, string>): Promise<PulumiTestStack>;
  /**
   * A stack of the project in `workDir` (a temporary copy, removed with its parent folder after the
   * file), configured with the sandbox's URL and its admin key as a secret; `env` for the CLI.
   */
  stack(workDir: string, env?: Record<string, string>): Promise<PulumiTestStack>;
}

export interface E2eSessionOptions {
  /** Writes the sandbox's seed file into `tmp` and returns its path; default: the demo seed. */
  seed?: (tmp: string) => string;
  /** Runs after the sandbox's reset before each test. */
  beforeEach?: (sb: TestSandbox) => Promise<void>;
  /** Timeout of the setup and the teardown. */
  timeout?: number;
}

/** Registers the file's hooks and returns the session they fill in. */
export function e2eSession(prefix: string, opts: E2eSessionOptions = {}): E2eSession {
  let sb: TestSandbox | undefined;
  let tmp: string | undefined;
  const cleanups: Array<() => Promise<void> | void> = [];
  const session: E2eSession = {
    get sb() {
      if (!sb) throw new Error("e2eSession: the sandbox starts in beforeAll");
      return sb;
    },
    get tmp() {
      if (!tmp) throw new Error("e2eSession: the folder is made in beforeAll");
      return tmp;
    },
    onCleanup: (fn) => {
      cleanups.push(fn);
    },
    async repoStack(declared, config, secretConfig) {
      const file = path.join(mkdtempSync(path.join(session.tmp, "d-")), "tokens.yaml");
      writeFileSync(file, declared);
      return ownStack(repoProgramCopy({ declarations: file }), config, secretConfig);
    },
    stack: (workDir, env) => ownStack(workDir, undefined, undefined, env),
  };
  /** A stack of `workDir`, removed with the copy's parent folder after the file. */
  const ownStack = async (workDir: string, config?: Record<string, string>, secretConfig?: Record<string, string>, env?: Record<string, string>) => {
    const s = await pulumiStack({
      workDir,
      config: config ?? { "marin-social:apiUrl": session.sb.url },
      secretConfig: secretConfig ?? { "marin-social:apiKey": session.sb.sandbox.keys.admin },
      ...(env ? { env } : {}),
    });
    cleanups.push(async () => {
      await s.cleanup();
      rmSync(path.dirname(workDir), { recursive: true, force: true });
    });
    return s;
  };
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), prefix));
    sb = await testSandbox(opts.seed ? { seed: opts.seed(tmp) } : {});
  }, opts.timeout);
  beforeEach(async () => {
    await session.sb.admin.sandbox.reset();
    await opts.beforeEach?.(session.sb);
  });
  afterAll(async () => {
    for (const c of cleanups) await c();
    await sb?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, opts.timeout);
  return session;
}
