/**
 * The single-file plugin (`npm run plugin:pack`, scripts/plugin-pack.js) as users install it:
 * `pulumi plugin install resource marin-social <version> --file <tarball>` into the test's
 * PULUMI_HOME, then a Pulumi YAML stack with no `plugins:` section, previewed and applied with
 * only the pulumi CLI's folder on PATH, so no `node` can be found. One stack of one token and one
 * Offboarding (Construct, which loads the Pulumi Node.js SDK; the executable leaves out two of the
 * SDK's modules, see plugin-pack.js): the other native tests cover what the plugin does; this one
 * covers how it ships.
 *
 * The tarball is built once and reused while its inputs' hash is unchanged (plugin-pack.js).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, expect, it } from "vitest";
import { auditCounts, type TestSandbox, testSandbox } from "../support/sandbox";
import { describeWithPulumi, type NativeStack, nativeStack, PULUMI_BIN, ROOT } from "./native-support";

const KEY = "ms-e2e-plugin-binary-7c1e";
/** The accounts Li Wei (u-7003) authorized on the demo seed (see offboarding-native.test.ts). */
const LIS = ["fb-1005", "fb-1006", "tw-2003", "tw-2006"];
const { version } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };

// The version option pins the installed plugin, and is where the YAML host (hence `pulumi about`)
// gets a package's version: without it, `pulumi about` lists the plugin as version "unknown".
const PROGRAM = `name: marin-social-plugin-binary
runtime: yaml
resources:
  acme-coffee:
    type: marin-social:index:PublisherToken
    properties:
      accountId: fb-1001
      valid: false
      reason: Jane Doe left the company (HR-1234)
    options:
      version: ${version}
  li:
    type: marin-social:index:Offboarding
    properties:
      person: u-7003
      reason: Li Wei left the company (HR-1301)
    options:
      version: ${version}
outputs:
  cutOff: \${acme-coffee.unlinkedAgencies}
`;

let sb: TestSandbox | undefined;
let s: NativeStack | undefined;
afterEach(async () => {
  await s?.cleanup();
  await sb?.close();
});

describeWithPulumi("the single-file plugin, installed from its tarball", () => {
  it("installs with pulumi plugin install, shows its version, and serves a Pulumi YAML stack (a token and an Offboarding) with no node on PATH", async () => {
    const tarball = execFileSync(process.execPath, [path.join(ROOT, "scripts", "plugin-pack.js")], { encoding: "utf8" })
      .trim()
      .split("\n")
      .pop()!;
    expect(path.basename(tarball)).toBe(`pulumi-resource-marin-social-v${version}-linux-amd64.tar.gz`);

    sb = await testSandbox({ extraKeys: [{ key: KEY, scope: "admin" }] });
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "marin-plugin-bin-")), "project");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "Pulumi.yaml"), PROGRAM);
    // PATH is the CLI's folder alone: pulumi and its language hosts, and no node.
    expect(existsSync(path.join(PULUMI_BIN!, "node"))).toBe(false);
    s = await nativeStack(dir, { "marin-social:apiUrl": sb.url }, { "marin-social:apiKey": KEY }, { PATH: PULUMI_BIN! });

    const install = await s.cli(["plugin", "install", "resource", "marin-social", version, "--file", tarball], { stack: false });
    expect(install.code, install.out).toBe(0);
    const ls = await s.cli(["plugin", "ls"], { stack: false });
    expect(ls.out).toMatch(new RegExp(`marin-social\\s+resource\\s+${version.replace(/\./g, "\\.")}\\s`));

    const audited = await auditCounts(sb.admin); // the demo seed's own entries
    const preview = await s.cli(["preview", "--diff"]);
    expect(preview.code, preview.out).toBe(0);
    expect(preview.out).toContain('invalidating facebook account "Acme Coffee" (fb-1001) unlinks 3 agencies');
    for (const id of LIS) expect(preview.out, id).toContain(`(${id})`);
    expect(await auditCounts(sb.admin)).toEqual(audited); // preview changed nothing

    const up = await s.cli(["up", "--yes"]);
    expect(up.code, up.out).toBe(0);
    expect(await sb.admin.getAccount("fb-1001")).toMatchObject({ token: { valid: false }, agencies: [] });
    for (const id of LIS) expect(await sb.admin.getAccount(id), id).toMatchObject({ token: { valid: false }, agencies: [] });

    const about = await s.cli(["about"]);
    expect(about.out).toMatch(new RegExp(`resource\\s+marin-social\\s+${version.replace(/\./g, "\\.")}\\s`));
  }, 300_000);
});
