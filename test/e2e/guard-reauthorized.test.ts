/**
 * A guard never keeps a re-authorized token alive (issue 18, section 4), through the real `pulumi`
 * CLI on both paths, as a user meets it with the README's own `expectAgencies` example: up, then
 * the token is re-authorized at the publisher (its links stay cut), refresh, up. The preview that
 * `pulumi up` runs first must not refuse ("expected but not linked"); it says the token will be
 * invalidated, and the update invalidates it again. The refresh names who re-authorized it and
 * when, on both paths.
 *
 * The first up only sets the story up, so it is the Automation API's (no preview); the user's
 * commands after the re-authorization go through the CLI. On the native path `pulumi up --yes
 * --diff` shows its preview, diagnostics included, before the update, so one command is asserted
 * on both; on the dynamic path the preview is its own command.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { DEMO_PEOPLE } from "../../provider/sandbox";
import { e2eSession } from "../support/e2e-session";
import { copyExample, TRANSPILE_ONLY } from "../support/example-copy";
import { describeWithPulumi, type PulumiTestStack, pulumiCli } from "../support/pulumi";
import { runOp } from "../support/stack-run";
import { copyProject, type NativeStack, nativeStack } from "./native-support";

const T = 600_000;
const e2e = e2eSession("marin-guard-");

/** The README's quickstart program. */
const README_PROGRAM = `import { PublisherToken } from "pulumi-marin-social";

const acme = new PublisherToken("acme-coffee", {
  accountId: "fb-1001",
  valid: false,
  publisher: "facebook",
  reason: "Jane Doe left the company (HR-1234)",
  expectAgencies: ["ag-east", "ag-north", "ag-south"], // fail, changing nothing, if linked to any other
});
export const cutOff = acme.unlinkedAgencies;
`;

type Cli = (args: string[]) => Promise<{ code: number; out: string }>;

/**
 * The story after the first up (`firstUp`, the Automation API's): re-authorized out of band,
 * refresh, up. `previewOwnCommand`: `pulumi up` does not print the diagnostics its preview got from
 * the dynamic path's program, so there the preview is a command of its own, `pulumi preview --diff`.
 */
async function reauthorizedThenCutAgain(firstUp: () => Promise<void>, cli: Cli, o: { previewOwnCommand: boolean }): Promise<void> {
  await firstUp();
  const cut = await e2e.sb.admin.getAccount("fb-1001");
  expect(cut.token.valid, "fb-1001 invalidated by the first up").toBe(false);
  expect(cut.agencies).toEqual([]);

  // Jane grants the token again at the publisher; its agencies stay cut.
  const at = (await e2e.sb.admin.sandbox.reauthorizeAtPublisher("fb-1001", { authorizedBy: DEMO_PEOPLE.jane })).token.authorizedAt!;

  const refresh = await cli(["refresh", "--yes"]);
  expect(refresh.code, refresh.out).toBe(0);
  expect(refresh.out).toContain(
    `facebook account "Acme Coffee" (fb-1001): re-authorized by Jane Doe <jane@agency.example> (u-7001) at ${at}, after it was invalidated`,
  );

  const own = o.previewOwnCommand ? await cli(["preview", "--diff"]) : undefined;
  if (own) expect(own.code, own.out).toBe(0);
  const up = await cli(["up", "--yes", "--diff"]);
  expect(up.code, up.out).toBe(0);
  expect(up.out).not.toMatch(/expected but not linked/);
  // Else the preview `pulumi up` runs first, up to the update's own header.
  const updating = up.out.indexOf("Updating (");
  expect(updating, `an update after the preview in:\n${up.out}`).toBeGreaterThan(0);
  const preview = own ? own.out : up.out.slice(0, updating);
  expect(preview).not.toMatch(/expected but not linked/);
  expect(preview).toContain("expectAgencies names ag-east, ag-north, ag-south, no longer linked");
  expect(preview).toMatch(/invalidating facebook account "Acme Coffee" \(fb-1001\)/);

  const again = await e2e.sb.admin.getAccount("fb-1001");
  expect(again.token.valid, "fb-1001 invalidated again").toBe(false);
  expect(again.token.invalidatedBy).toMatch(/^pulumi:/);
  const last = (await e2e.sb.admin.audit({ accountId: "fb-1001" })).at(-1)!;
  expect(last).toMatchObject({ action: "token.invalidate" });
}

describeWithPulumi("a guard never keeps a re-authorized token alive (real pulumi CLI)", () => {
  it(
    "dynamic path: the README's TypeScript program",
    async () => {
      const workDir = copyExample("typescript-stack");
      writeFileSync(path.join(workDir, "index.ts"), README_PROGRAM);
      // The README's samples are type-checked by consumer-tsconfig.test.ts.
      const s: PulumiTestStack = await e2e.stack(workDir, TRANSPILE_ONLY);
      await reauthorizedThenCutAgain(
        async () => {
          const u = await runOp(s.stack, "up");
          expect(u.exitCode, u.message).toBe(0);
        },
        async (args) => {
          const r = await pulumiCli(s, [...args, "--color", "never"]);
          return { code: r.code, out: r.stdout + r.stderr };
        },
        { previewOwnCommand: true },
      );
    },
    T,
  );

  it(
    "native path: the Pulumi YAML example",
    async () => {
      const s: NativeStack = await nativeStack(
        copyProject("examples/pulumi-yaml"),
        { "marin-social:apiUrl": e2e.sb.url },
        { "marin-social:apiKey": e2e.sb.sandbox.keys.admin },
      );
      e2e.onCleanup(() => s.cleanup());
      await reauthorizedThenCutAgain(
        async () => {
          await s.stack.up({ color: "never" });
        },
        (args) => s.cli(args),
        { previewOwnCommand: false },
      );
    },
    T,
  );
});
