// `marin-social sandbox`: the real command in a child process (start line, keys, SIGTERM -> exit 0),
// and its option errors in process.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { request } from "undici";
import { afterAll, describe, expect, it, vi } from "vitest";
import { isLoopbackAddress } from "../../provider/cli/host";
import { run } from "../../provider/cli/sandbox";
import { loadContract } from "../../provider/sandbox";

const ROOT = path.resolve(__dirname, "../..");
const dir = mkdtempSync(path.join(tmpdir(), "marin-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Spawns the CLI from source; resolves with the first stdout line, and exposes the process. */
function spawnCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "provider/cli/main.ts", "sandbox", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json"), MARIN_SOCIAL_SANDBOX_ADMIN_KEY: "", ...env },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  // No deadline of its own: the test's timeout catches a CLI that never starts.
  const firstLine = new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    };
    child.stdout.on("data", check);
    void exited.then(() => reject(new Error(`exited before starting; stdout: ${out}; stderr: ${err}`)));
  });
  /** Resolves once stdout matches `re` (output arrives in chunks, after the first line). */
  const until = (re: RegExp) =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (!re.test(out)) return;
        child.stdout.off("data", check);
        resolve();
      };
      child.stdout.on("data", check);
      check();
    });
  return { child, firstLine, exited, until, output: () => out + err };
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
      await cli.until(/^database: /m);
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

const get = (url: string, key: string) => request(`${url}/v1/accounts/fb-1001`, { headers: { authorization: `Bearer ${key}` } });

describe("marin-social sandbox: the address it serves", () => {
  it("refuses a wildcard or other non-loopback address without an admin key, starting nothing", async () => {
    for (const host of ["0.0.0.0", "::"]) {
      const cli = spawnCli(["--host", host, "--port", "0"]);
      await expect(cli.firstLine).rejects.toThrow(/exited before starting/);
      expect(await cli.exited).toEqual({ code: 1, signal: null });
      expect(cli.output()).toMatch(/--host .* other machines can reach[\s\S]*--admin-key KEY or MARIN_SOCIAL_SANDBOX_ADMIN_KEY/);
      expect(cli.output()).not.toMatch(/\n\s+at /);
    }
  });

  it("on 0.0.0.0 with an admin key from the environment: prints the real address and a note, accepts only that key, never prints it", async () => {
    const secret = "wildcard-admin-key-77c1";
    const cli = spawnCli(["--host", "0.0.0.0", "--port", "0"], { MARIN_SOCIAL_SANDBOX_ADMIN_KEY: secret });
    try {
      const m = /^Marin Social sandbox listening on http:\/\/0\.0\.0\.0:(\d+)$/.exec(await cli.firstLine);
      expect(m).not.toBeNull();
      const local = `http://127.0.0.1:${m![1]}`;
      expect((await get(local, secret)).statusCode).toBe(200);
      expect((await get(local, "sandbox-admin")).statusCode).toBe(401);
      expect((await get(local, "sandbox-agency-ag-north")).statusCode).toBe(401);
      await cli.until(/^database: /m);
      expect(cli.output()).toContain(`note: http://0.0.0.0:${m![1]} is every interface of this machine; from this machine, use ${local}`);
      expect(cli.output()).toContain("demo keys: off");
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toEqual({ code: 0, signal: null });
      expect(cli.output()).not.toContain(secret);
    } finally {
      cli.child.kill("SIGKILL");
    }
  });

  it("brackets an IPv6 literal in its URL, and a loopback one keeps the demo keys", async () => {
    const cli = spawnCli(["--host", "::1", "--port", "0"]);
    try {
      const m = /^Marin Social sandbox listening on (http:\/\/\[::1\]:\d+)$/.exec(await cli.firstLine);
      expect(m).not.toBeNull();
      expect((await get(m![1]!, "sandbox-admin")).statusCode).toBe(200);
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toEqual({ code: 0, signal: null });
    } finally {
      cli.child.kill("SIGKILL");
    }
  });

  it("prints the address a name resolved to, and trusts no name by its spelling (*.localhost is looked up)", async () => {
    const cli = spawnCli(["--host", "localhost", "--port", "0"]);
    try {
      expect(await cli.firstLine).toMatch(/^Marin Social sandbox listening on http:\/\/(127\.0\.0\.1|\[::1\]):\d+$/);
    } finally {
      cli.child.kill("SIGKILL");
    }
    const dotted = spawnCli(["--host", "marin.invalid.localhost", "--port", "0"]);
    await expect(dotted.firstLine).rejects.toThrow(/exited before starting/);
    expect(await dotted.exited).toEqual({ code: 1, signal: null });
    expect(dotted.output()).toMatch(/--host marin\.invalid\.localhost does not resolve/);
  });

  it("keeps serving, and stops cleanly, when the reader of its output goes away", async () => {
    const cli = spawnCli(["--port", "0"]);
    try {
      const url = /listening on (\S+)$/.exec(await cli.firstLine)![1]!;
      cli.child.stdout!.destroy();
      expect((await get(url, "sandbox-admin")).statusCode).toBe(200);
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toEqual({ code: 0, signal: null });
      expect(cli.output()).not.toMatch(/EPIPE|Error|\n\s+at /);
    } finally {
      cli.child.kill("SIGKILL");
    }
  });
});

describe("which addresses are loopback", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.200.3.4", true],
    ["::1", true],
    ["0:0:0:0:0:0:0:1", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["fe80::1%eth0", false],
    ["localhost", false],
  ])("%s -> %s", (ip, loopback) => {
    expect(isLoopbackAddress(ip)).toBe(loopback);
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
