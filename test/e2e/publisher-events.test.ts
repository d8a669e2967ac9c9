/**
 * Publisher-side events, played with the sandbox's `/_sandbox` routes, through the real `pulumi`
 * CLI on both paths (issue 16, class 7): an account deleted at the publisher (refresh drops it:
 * the API's definite not-found), an account renamed (refresh records the new name), an agency
 * linked anew (refresh shows the drift; the next up unlinks it). The token is never
 * re-authorized and the database never touched by hand.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { e2eSession } from "../support/e2e-session";
import { describeWithPulumi, pulumiCli } from "../support/pulumi";
import { exportedResources } from "../support/stack-run";
import { copyProject, type NativeStack, nativeStack } from "./native-support";

const T = 400_000;
const e2e = e2eSession("marin-publisher-");

/** A `/_sandbox` call with the admin key; fails the test unless it answers 2xx. */
async function publisher(method: string, route: string, body?: unknown): Promise<void> {
  const res = await fetch(`${e2e.sb.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${e2e.sb.sandbox.keys.admin}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status, `${method} ${route}: ${await res.text()}`).toBeLessThan(300);
}

/** fb-1001 is cut off by the first up; fb-1002 and fb-1003 stay valid. */
const TOKENS = { cut: { accountId: "fb-1001", valid: false }, kept: { accountId: "fb-1002", valid: true }, doomed: { accountId: "fb-1003", valid: true } };

/** The three events, after the first up. */
async function publisherEvents(): Promise<void> {
  await publisher("DELETE", "/_sandbox/accounts/fb-1003");
  await publisher("PATCH", "/_sandbox/accounts/fb-1002", { name: "Blue Harbor Renamed" });
  await publisher("PUT", "/_sandbox/accounts/fb-1001/agencies/ag-west");
}

type Token = { urn: string; type: string; id?: string; outputs?: Record<string, unknown> };
const byName = (resources: Token[], type: RegExp) => new Map(resources.filter((r) => type.test(r.type)).map((r) => [r.urn.split("::").pop()!, r]));

/** What refresh must have recorded: fb-1003 gone, fb-1002's new name, fb-1001's new link. */
function expectRefreshed(tokens: Map<string, Token>): void {
  expect([...tokens.values()].map((t) => t.id).sort()).toEqual(["fb-1001", "fb-1002"]);
  expect([...tokens.values()].find((t) => t.id === "fb-1002")!.outputs!.accountName).toBe("Blue Harbor Renamed");
  const cut = [...tokens.values()].find((t) => t.id === "fb-1001")!.outputs!;
  expect((cut.linkedAgencies as Array<{ id: string }>).map((a) => a.id)).toEqual(["ag-west"]);
}

describeWithPulumi("publisher-side events through the real pulumi CLI", () => {
  it(
    "dynamic path: refresh drops the deleted account, records the rename and shows the new link; up unlinks it",
    async () => {
      const s = await e2e.repoStack(
        `tokens:\n${Object.values(TOKENS)
          .map((t) => `  - accountId: ${t.accountId}\n    valid: ${t.valid}\n`)
          .join("")}`,
      );
      expect((await pulumiCli(s, ["up", "--yes"])).code).toBe(0);
      await publisherEvents();
      const refresh = await pulumiCli(s, ["refresh", "--yes", "--diff", "--color", "never"]);
      expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
      expect(refresh.stdout).toContain("Blue Harbor Renamed");
      expect(refresh.stdout).toMatch(/deleted/);
      expectRefreshed(byName((await exportedResources(s.stack)) as Token[], /PublisherToken$/));
      // The declaration still lists fb-1003, which no longer exists: refused, the rest goes on.
      writeFileSync(
        path.join(s.stack.workspace.workDir, "tokens.yaml"),
        `tokens:\n  - accountId: fb-1001\n    valid: false\n  - accountId: fb-1002\n    valid: true\n`,
      );
      const up = await pulumiCli(s, ["up", "--yes"]);
      expect(up.code, up.stdout + up.stderr).toBe(0);
      expect((await e2e.sb.admin.getAccount("fb-1001")).agencies).toEqual([]);
    },
    T,
  );

  it(
    "native path: refresh drops the deleted account, records the rename and shows the new link; up unlinks it",
    async () => {
      const declare =
        (tokens: Record<string, { accountId: string; valid: boolean }>) => (doc: Parameters<NonNullable<Parameters<typeof copyProject>[1]>>[0]) => {
          doc.delete("variables");
          doc.delete("outputs");
          doc.set("resources", Object.fromEntries(Object.entries(tokens).map(([n, p]) => [n, { type: "marin-social:index:PublisherToken", properties: p }])));
        };
      const dir = copyProject("examples/pulumi-yaml", declare(TOKENS));
      const s: NativeStack = await nativeStack(dir, { "marin-social:apiUrl": e2e.sb.url }, { "marin-social:apiKey": e2e.sb.sandbox.keys.admin });
      e2e.onCleanup(() => s.cleanup());
      expect((await s.cli(["up", "--yes"])).code).toBe(0);
      await publisherEvents();
      const refresh = await s.cli(["refresh", "--yes", "--diff"]);
      expect(refresh.code, refresh.out).toBe(0);
      // The new name is recorded (below); the native refresh display shows only the new link.
      expect(refresh.out).toMatch(/\+ linkedAgencies|ag-west/);
      expectRefreshed(byName((await exportedResources(s.stack)) as Token[], /PublisherToken$/));
      const { doomed: _gone, ...rest } = TOKENS;
      const { readFileSync } = await import("node:fs");
      const { parseDocument } = await import("yaml");
      const doc = parseDocument(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
      declare(rest)(doc);
      writeFileSync(path.join(dir, "Pulumi.yaml"), doc.toString());
      const up = await s.cli(["up", "--yes"]);
      expect(up.code, up.out).toBe(0);
      expect((await e2e.sb.admin.getAccount("fb-1001")).agencies).toEqual([]);
    },
    T,
  );
});
