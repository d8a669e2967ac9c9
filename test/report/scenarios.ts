/**
 * The declarations the report tests audit, on a real sandbox: the demo seed with the repository's
 * tokens.yaml, 1,000 bulk accounts (a few to cut off among many kept, or all cut off, as the bench
 * does), and names that are hostile to HTML and Mermaid. Each runs the built CLI.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import type { TestSandbox } from "../support/sandbox";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "dist", "cli", "main.js");

/** The repository's tokens.yaml, for the demo seed. */
export const TOKENS = path.join(ROOT, "tokens.yaml");

/** Runs `marin-social audit ARGS` against `sb` and resolves to its exit code and output. */
export function audit(sb: TestSandbox, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, MARIN_SOCIAL_API_URL: sb.url, MARIN_SOCIAL_API_KEY: sb.sandbox.keys.admin };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, "audit", ...args], { cwd: ROOT, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

/**
 * 1,000 bulk accounts on 10 agencies, each linked to 1-3, declared in `dir`. `allInvalid`: every
 * token `valid: false`. Otherwise 25 are cut off and the rest stay valid, with 3 revoked outside
 * Pulumi (refused, drift), one guard mismatch (refused), one re-authorized after Pulumi invalidated
 * it (drift) and one unknown account.
 */
export async function thousand(sb: TestSandbox, dir: string, allInvalid: boolean): Promise<string> {
  await sb.admin.sandbox.reset();
  const { ids } = await sb.admin.sandbox.addAccounts({ count: 1000, idPrefix: "bulk-", agenciesPerAccount: { min: 1, max: 3 }, agencies: 10 });
  const lines = ["tokens:"];
  if (allInvalid) {
    for (const id of ids) lines.push(`  - { accountId: ${id}, valid: false }`);
  } else {
    for (const id of ids.slice(1, 4)) await sb.admin.invalidateToken(id, { actor: "mallory@agency.example", reason: "by hand" });
    await sb.admin.invalidateToken(ids[7]!, { actor: "pulumi:marin/dev" });
    await sb.admin.reauthorize(ids[7]!, { actor: "ops@agency.example" });
    ids.forEach((id, i) => {
      if (i === 5) lines.push(`  - { accountId: ${id}, valid: false, expectAgencies: [ag-elsewhere] }`);
      else lines.push(`  - { accountId: ${id}, valid: ${i % 40 !== 0} }`);
    });
    lines.push("  - { accountId: bulk-missing, valid: false }");
  }
  const file = path.join(dir, allInvalid ? "thousand-all.yaml" : "thousand.yaml");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** 300 bulk accounts on 60 agencies, every third declared valid: more agencies than the picture draws. */
export async function manyAgencies(sb: TestSandbox, dir: string): Promise<string> {
  await sb.admin.sandbox.reset();
  const { ids } = await sb.admin.sandbox.addAccounts({ count: 300, idPrefix: "many-", agenciesPerAccount: { min: 1, max: 3 }, agencies: 60 });
  const file = path.join(dir, "many-agencies.yaml");
  writeFileSync(file, `${["tokens:", ...ids.map((id, i) => `  - { accountId: ${id}, valid: ${i % 3 === 2} }`)].join("\n")}\n`);
  return file;
}

/** Names no page may run or mangle: markup, quotes, right-to-left text, bidi overrides, emoji, wide characters. */
export const HOSTILE = {
  script: `<script>window.__pwned=1</script>Evil & Co "quoted" 'single'`,
  img: `<img src=x onerror="window.__pwned=2"> #quot; \`\`\` ]]> --> %% end`,
  tokyo: "東京カフェ 🍣☕ 渋谷店",
  arabic: "مقهى القاهرة 2",
  override: "\u202eevil override\u202c tail",
  family: "👩‍👩‍👧‍👦 Family Shop",
  long: "Supercalifragilisticexpialidocious Wholesale Bakery and Coffee Roasters of the Greater Metropolitan Area",
  agency: `<b>Bold</b> & "Agency" 東京`,
};

/** A sandbox seed file with the {@link HOSTILE} names, and declarations for it, written to `dir`. */
export function hostileFiles(dir: string): { seed: string; tokens: string } {
  const names = [HOSTILE.script, HOSTILE.img, HOSTILE.tokyo, HOSTILE.arabic, HOSTILE.override, HOSTILE.family, HOSTILE.long];
  const seed = {
    agencies: [
      { id: "ag-x", name: HOSTILE.agency },
      { id: "ag-y", name: HOSTILE.arabic },
    ],
    accounts: names.map((name, i) => ({ id: `fb-${i + 1}`, publisher: "facebook", name, agencies: i % 2 ? ["ag-x"] : ["ag-x", "ag-y"] })),
  };
  const files = { seed: path.join(dir, "hostile-seed.json"), tokens: path.join(dir, "hostile.yaml") };
  writeFileSync(files.seed, JSON.stringify(seed));
  writeFileSync(files.tokens, `${["tokens:", ...names.map((_, i) => `  - { accountId: fb-${i + 1}, valid: ${i === names.length - 1} }`)].join("\n")}\n`);
  return files;
}
