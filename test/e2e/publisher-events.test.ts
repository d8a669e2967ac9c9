/**
 * Publisher-side events, played with the sandbox's `/_sandbox` routes, through the real `pulumi`
 * CLI's `refresh` on both paths (issue 16, class 7): an account deleted at the publisher (refresh
 * drops it: the API's definite not-found), an account renamed (refresh records the new name), an
 * agency linked anew (refresh shows the drift; the next up unlinks it). The three events hit three
 * accounts of one stack, so one lifecycle per path carries all of them. The token is never
 * re-authorized and the database never touched by hand.
 *
 * The ups around the refresh go through the Automation API's `up` (no preview): the refresh is
 * what users type here, the ups only set the state up and apply the result.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { parseDocument } from "yaml";
import { e2eSession } from "../support/e2e-session";
import { checkpointText, describeWithPulumi, type PulumiTestStack, pulumiCli } from "../support/pulumi";
import { runOp } from "../support/stack-run";
import { copyProject } from "./native-support";

const T = 400_000;
const e2e = e2eSession("marin-publisher-", { timeout: T });

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

/** The three events, after the first up: fb-1003 deleted, fb-1002 renamed, fb-1001 linked to ag-west. */
async function publisherEvents(): Promise<void> {
  await publisher("DELETE", "/_sandbox/accounts/fb-1003");
  await publisher("PATCH", "/_sandbox/accounts/fb-1002", { name: "Blue Harbor Renamed" });
  await publisher("PUT", "/_sandbox/accounts/fb-1001/agencies/ag-west");
}

type Token = { urn: string; type: string; id?: string; outputs?: Record<string, unknown> };

/** The PublisherToken resources of the stack's checkpoint, as the file backend stored it. */
function storedTokens(s: PulumiTestStack): Token[] {
  const cp = JSON.parse(checkpointText(s)) as { checkpoint: { latest?: { resources?: Token[] } } };
  return (cp.checkpoint.latest?.resources ?? []).filter((r) => /PublisherToken$/.test(r.type));
}

/** What refresh must have recorded: fb-1003 gone, fb-1002's new name, fb-1001's new link. */
function expectRefreshed(tokens: Token[], where: string): void {
  expect(tokens.map((t) => t.id).sort(), `${where}: fb-1003 (deleted at the publisher) dropped`).toEqual(["fb-1001", "fb-1002"]);
  expect(tokens.find((t) => t.id === "fb-1002")!.outputs!.accountName, `${where}: fb-1002's new name`).toBe("Blue Harbor Renamed");
  const cut = tokens.find((t) => t.id === "fb-1001")!.outputs!;
  expect(
    (cut.linkedAgencies as Array<{ id: string }>).map((a) => a.id),
    `${where}: fb-1001's new link`,
  ).toEqual(["ag-west"]);
}

/** fb-1001, cut off before the events, is cut off from ag-west again by the up after the refresh. */
async function expectUnlinkedAgain(): Promise<void> {
  expect((await e2e.sb.admin.getAccount("fb-1001")).agencies, "fb-1001's agencies after the last up").toEqual([]);
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
      const first = await runOp(s.stack, "up");
      expect(first.exitCode, first.message).toBe(0);
      await publisherEvents();
      const refresh = await pulumiCli(s, ["refresh", "--yes", "--diff", "--color", "never"]);
      expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
      expect(refresh.stdout).toContain("Blue Harbor Renamed");
      expect(refresh.stdout).toMatch(/deleted/);
      expectRefreshed(storedTokens(s), "dynamic refresh");
      // fb-1003 no longer exists, so it leaves the declaration; the up unlinks fb-1001 again.
      writeFileSync(
        path.join(s.stack.workspace.workDir, "tokens.yaml"),
        `tokens:\n  - accountId: fb-1001\n    valid: false\n  - accountId: fb-1002\n    valid: true\n`,
      );
      const up = await runOp(s.stack, "up");
      expect(up.exitCode, up.message).toBe(0);
      await expectUnlinkedAgain();
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
      const s = await e2e.stack(dir);
      const first = await runOp(s.stack, "up");
      expect(first.exitCode, first.message).toBe(0);
      await publisherEvents();
      const refresh = await pulumiCli(s, ["refresh", "--yes", "--diff", "--color", "never"]);
      const out = refresh.stdout + refresh.stderr;
      expect(refresh.code, out).toBe(0);
      // The new name is recorded (below); the native refresh display shows only the new link.
      expect(out).toMatch(/\+ linkedAgencies|ag-west/);
      expectRefreshed(storedTokens(s), "native refresh");
      const { doomed: _gone, ...rest } = TOKENS;
      const doc = parseDocument(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
      declare(rest)(doc);
      writeFileSync(path.join(dir, "Pulumi.yaml"), doc.toString());
      const up = await runOp(s.stack, "up");
      expect(up.exitCode, up.message).toBe(0);
      await expectUnlinkedAgain();
    },
    T,
  );
});
