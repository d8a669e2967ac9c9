// `marin-social sandbox`: the real command in a child process (start line, keys, SIGTERM -> exit 0),
// and its option errors in process.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { request } from "undici";
import { run } from "../../provider/cli/sandbox";
import { loadContract } from "../../provider/sandbox";

const ROOT = path.resolve(__dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "marin-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Spawns the CLI from source; resolves with the first stdout line, and exposes the process. */
function spawnCli(args: string[]) {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "provider/cli/main.ts", "sandbox", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const firstLine = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start line within 30 s; stdout: ${out}; stderr: ${err}`)), 30_000);
    const check = (): void => {
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    };
    child.stdout.on("data", check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before starting; stdout: ${out}; stderr: ${err}`));
    });
  });
  return { child, firstLine, exited, output: () => out + err };
}

describe("marin-social sandbox (child process)", () => {
  it("prints its URL first, then the keys; serves; exits 0 on SIGTERM; never prints the admin key", async () => {
    const secret = "cli-admin-key-5e0b9a";
    const cli = spawnCli(["--port", "0", "--db", path.join(dir, "cli.db"), "--admin-key", secret]);
    try {
      const line = await cli.firstLine;
      const m = /^Marin Social sandbox listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
      expect(m, line).not.toBeNull();
      const url = m?.[1] as string;
      expect(Number(m?.[2])).toBeGreaterThan(0);
      const res = await request(`${url}/v1/accounts/fb-1001`, { headers: { authorization: `Bearer ${secret}` } });
      expect(res.statusCode).toBe(200);
      const account = (await res.body.json()) as { name: string };
      expect(loadContract().responseErrors("GET /v1/accounts/{id}", 200, res.headers["content-type"] as string, account)).toEqual([]);
      expect(account.name).toBe("Acme Coffee");
      const lines = cli.output().split("\n");
      for (const key of ["sandbox-admin", "sandbox-readonly", "sandbox-agency-ag-north"]) {
        expect(lines.some((l) => l.startsWith(`key ${key} `))).toBe(true);
      }
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toEqual({ code: 0, signal: null });
      expect(cli.output()).toContain("stopped");
      expect(cli.output()).not.toContain(secret);
    } finally {
      cli.child.kill("SIGKILL");
    }
  });
});

describe("marin-social sandbox options", () => {
  it("prints usage for --help and returns 0", async () => {
    const chunks: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => {
      chunks.push(String(c));
      return true;
    });
    try {
      expect(await run(["--help"])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(chunks.join("")).toMatch(/usage: marin-social sandbox[\s\S]*--port[\s\S]*--db[\s\S]*--seed[\s\S]*--admin-key/);
  });

  it.each([
    [["--port", "http"], /--port must be an integer/],
    [["--port", "70000"], /--port must be an integer/],
    [["--bogus"], /Unknown option '--bogus'[\s\S]*--help/],
    [["extra"], /positional/i],
    [["--admin-key", ""], /--admin-key/],
    [["--port", "0", "--seed", path.join(dir, "missing.json")], /seed file .*missing\.json/],
  ])("rejects %j with a clear error", async (args, message) => {
    await expect(run(args)).rejects.toThrow(message);
  });
});
