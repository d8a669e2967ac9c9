/**
 * `marin-social demo` (what `npm start` runs): the whole story on the embedded
 * default, from the repository or from a project that installed the package. Starts the
 * sandbox with the demo seed on a free port, then:
 * - with the `pulumi` CLI (built by `npm run pulumi:install` into .tools/ in the repository, or
 *   on PATH): a throw-away project (demo-project.ts) and a local file backend in a temporary
 *   folder, offline (see pulumi-path.ts): `pulumi preview` (the audit), `pulumi up` (the
 *   invalidation), an out-of-band revoke through the API, and `pulumi refresh` (the drift);
 * - without it: says so, with the install hint, and shows the audit, what
 *   preview would log, what up does (run with the provider's own lifecycle code),
 *   the out-of-band revoke, and the drift the audit then finds.
 * It exits by itself when done.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { MarinSocialClient, USER_AGENT } from "../client";
import { auditLine, buildReport, describePlan, planToken, pulumiActor } from "../core";
import { assertValid, loadDeclarations } from "../declarations";
import { startSandbox } from "../sandbox";
import { TokenLifecycle } from "../token/lifecycle";
import { helpText, parse } from "./args";
import { auditExitCode, renderReport } from "./audit";
import { DEMO } from "./commands";
import { DEMO_DECLARATIONS, DEMO_PROJECT, PACKAGE_ROOT, writeDemoProject } from "./demo-project";
import { out } from "./output";
import { findPulumi, offlineEnv, PULUMI_INSTALL_COMMAND, type PulumiInstall } from "./pulumi-path";

const STACK = "demo";
const OUT_OF_BAND = { accountId: "fb-1002", actor: "jane@agency.example", reason: "Jane revoked it by hand in the web UI" };

const say = (text = "") => out(`${text}\n`);
const heading = (text: string) => say(`\n=== ${text}`);

/** Runs the demo; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parse(DEMO, argv);
  if (values.help) {
    say(helpText(DEMO));
    return 0;
  }
  if (!existsSync(DEMO_DECLARATIONS)) {
    throw new Error(`the demo's declarations ${DEMO_DECLARATIONS} are missing; reinstall pulumi-marin-social (npm install pulumi-marin-social)`);
  }
  const sandbox = await startSandbox({ port: 0, db: ":memory:", seed: "demo" });
  say(`Marin Social sandbox (demo seed) listening on ${sandbox.url}`);
  const client = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: sandbox.keys.admin, userAgent: USER_AGENT });
  try {
    const pulumi = values["without-pulumi"] ? undefined : findPulumi({ root: PACKAGE_ROOT });
    return pulumi ? await withPulumi(pulumi, sandbox.url, sandbox.keys.admin, client) : await withoutPulumi(client);
  } finally {
    await client.close();
    await sandbox.close();
  }
}

async function revokeOutOfBand(client: MarinSocialClient): Promise<void> {
  heading(`Out of band: ${OUT_OF_BAND.actor} invalidates ${OUT_OF_BAND.accountId} in the Marin Social web UI`);
  const account = await client.invalidateToken(OUT_OF_BAND.accountId, { actor: OUT_OF_BAND.actor, reason: OUT_OF_BAND.reason });
  say(`${account.id} valid=${account.token.valid} invalidatedBy=${account.token.invalidatedBy}`);
}

async function withPulumi(install: PulumiInstall, url: string, key: string, client: MarinSocialClient): Promise<number> {
  const pulumi = install.pulumi;
  // Everything the CLI writes (its home, the backend, the project and its stack file) is in here.
  const home = mkdtempSync(path.join(tmpdir(), "marin-social-demo-"));
  const env = {
    ...process.env,
    ...offlineEnv(install, { home: path.join(home, "pulumi-home"), backendDir: path.join(home, "backend"), passphrase: "marin-social-demo" }),
    MARIN_SOCIAL_API_URL: url,
    MARIN_SOCIAL_API_KEY: key,
  };
  const project = path.join(home, "project");
  // Asynchronous: the sandbox serves from this process, so its event loop must keep running.
  const step = async (title: string, args: string[], okCodes = [0]) => {
    heading(`${title}: pulumi ${args.join(" ")}`);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(pulumi, args, { cwd: project, env, stdio: "inherit" });
      child.on("error", reject);
      child.on("close", (status) => resolve(status ?? 1));
    });
    if (!okCodes.includes(code)) throw new Error(`pulumi ${args[0]} failed with exit code ${code}`);
  };
  try {
    mkdirSync(path.join(home, "pulumi-home"));
    mkdirSync(path.join(home, "backend"));
    writeDemoProject(project);
    say(`Using ${pulumi}${install.version ? ` (${install.version})` : ""} with a local file backend in ${home}, offline`);
    await step("Create a throw-away stack", ["stack", "init", STACK, "--secrets-provider", "passphrase", "--non-interactive"]);
    await step("Audit: what would change, and who is cut off", ["preview", "--stack", STACK, "--non-interactive"]);
    await step("Invalidate", ["up", "--yes", "--stack", STACK, "--non-interactive", "--skip-preview"]);
    await revokeOutOfBand(client);
    await step("Drift: refresh shows the token revoked outside Pulumi", [
      "refresh",
      "--yes",
      "--diff",
      "--stack",
      STACK,
      "--non-interactive",
      "--skip-preview",
    ]);
    // The refusal is an error against the token; the preview itself succeeds, so that a
    // `pulumi up` (which previews first) would still cut off every other token.
    await step("And preview now refuses to pretend it can restore it", ["preview", "--stack", STACK, "--non-interactive"]);
    await step("Stop managing the tokens (changes nothing in Marin Social)", ["destroy", "--yes", "--stack", STACK, "--non-interactive", "--skip-preview"]);
    say(`\nDone. The stack, its backend and the project in ${home} are removed now, and the sandbox stops: nothing is left behind.`);
    return 0;
  } finally {
    // Removes the links in project/node_modules, never what they point to.
    rmSync(home, { recursive: true, force: true });
  }
}

async function withoutPulumi(client: MarinSocialClient): Promise<number> {
  say(`\n${missingPulumi()}`);
  const tokens = assertValid(await loadDeclarations(DEMO_DECLARATIONS));
  const actor = pulumiActor(DEMO_PROJECT, STACK);
  const audit = async () => {
    const live = await client.getAccounts(tokens.map((t) => t.accountId));
    return { live, report: buildReport(tokens, live, await client.audit()) };
  };

  heading("marin-social audit tokens.yaml");
  const before = await audit();
  say(renderReport(before.report));

  heading("What `pulumi preview` logs against each PublisherToken");
  for (const t of tokens) {
    const live = before.live.get(t.accountId);
    if (!live) continue;
    const line = auditLine(live, planToken(t, live, { actor }));
    say(`${line.severity.padEnd(7)} ${t.accountId}: ${line.message}`);
  }

  heading("What `pulumi up` does (the provider's own lifecycle code, against the sandbox)");
  const lifecycle = new TokenLifecycle(() => client);
  for (const t of tokens) {
    const live = before.live.get(t.accountId);
    if (!live) continue;
    const plan = planToken(t, live, { actor });
    if (plan.refusal || plan.actions.length === 0) continue;
    for (const line of describePlan(plan)) say(`  ${line}`);
    await lifecycle.create({ ...t, actor });
  }

  heading("marin-social audit tokens.yaml (after up: nothing left to do)");
  say(renderReport((await audit()).report));

  await revokeOutOfBand(client);

  heading("marin-social audit tokens.yaml (what `pulumi refresh` reports as drift)");
  const after = await audit();
  say(renderReport(after.report));
  const s = after.report.summary;
  say(
    `\n\`marin-social audit tokens.yaml\` now exits ${auditExitCode(after.report)}: ${s.drift} token(s) drifted, and \`pulumi up\` ` +
      `would fail for ${s.refused + s.missing} (exit 1 when up would fail, else 2 on drift, else 0). ` +
      "Pulumi's own gate is `pulumi preview --expect-no-changes`, which fails when anything would change.",
  );
  return 0;
}

/** Why the story runs without the pulumi CLI, and how to get one: in the repository, build it; in an installed package, install it. */
function missingPulumi(): string {
  const inRepository = existsSync(path.join(PACKAGE_ROOT, "scripts", "pulumi-install.js"));
  const story = "so this shows what `pulumi preview`, `pulumi up` and `pulumi refresh` do using the same code they run.";
  return inRepository
    ? `There is no pulumi CLI (none built in .tools/, none on PATH), ${story}\n\`npm start\` builds it from its Go modules ` +
        `first when Go is installed (\`${PULUMI_INSTALL_COMMAND}\`, which \`npm test\` runs too): install Go and run \`npm start\` again for the real thing.`
    : `There is no pulumi CLI on PATH, ${story}\nInstall it (https://www.pulumi.com/docs/iac/download-install/) ` +
        "and run `npx marin-social demo` again for the real thing.";
}
