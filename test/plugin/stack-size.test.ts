/**
 * The native plugin's stack-size count for a Pulumi YAML project (read at CheckConfig, before any
 * token is registered), on real Pulumi.yaml files, and the warning above the supported size.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, test } from "vitest";
import { SUPPORTED_STACK_TOKENS, stackSizeWarning } from "../../provider/core";
import { TOKEN_TYPE } from "../../provider/plugin/schema";
import { resourcesInProjectYaml } from "../../provider/plugin/stack-config";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function project(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "plugin-size-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "Pulumi.yaml"), text);
  return dir;
}

function yamlProject(count: number, runtime = "yaml"): string {
  const lines = [`name: big`, `runtime: ${runtime}`, "resources:", "  other:", "    type: random:index:RandomId"];
  for (let i = 0; i < count; i++) {
    lines.push(`  t${i}:`, `    type: ${i % 2 ? TOKEN_TYPE : TOKEN_TYPE.replace(":index:", ":")}`, `    properties: { accountId: a${i}, valid: false }`);
  }
  return project(`${lines.join("\n")}\n`);
}

test("counts the PublisherTokens of a Pulumi YAML project, in both spellings of the type, and nothing else", () => {
  expect(resourcesInProjectYaml(TOKEN_TYPE, yamlProject(3))).toBe(3);
  expect(resourcesInProjectYaml(TOKEN_TYPE, yamlProject(3, "nodejs"))).toBe(0);
  expect(resourcesInProjectYaml(TOKEN_TYPE, project("name: x\nruntime: {name: yaml}\n"))).toBe(0);
  expect(resourcesInProjectYaml(TOKEN_TYPE, project(": not yaml ["))).toBe(0);
});

test("above SUPPORTED_STACK_TOKENS the warning gives the split across stacks; at it, none", () => {
  // The count itself is checked above on a small project: a 5,001-resource Pulumi.yaml costs seconds of parsing.
  const above = SUPPORTED_STACK_TOKENS + 1;
  expect(stackSizeWarning(above, "resources")).toContain(
    `this stack declares ${(SUPPORTED_STACK_TOKENS + 1).toLocaleString("en-US")} tokens; the supported size is ${SUPPORTED_STACK_TOKENS.toLocaleString("en-US")} per stack`,
  );
  expect(stackSizeWarning(above, "resources")).toContain("pulumi stack init offboarding-2");
  expect(stackSizeWarning(SUPPORTED_STACK_TOKENS, "resources")).toBeUndefined();
});
