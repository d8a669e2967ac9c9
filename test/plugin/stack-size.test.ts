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

test("above the native path's supported size the warning gives the split across stacks; at it, none", () => {
  // The count itself is checked above on a small project: a 20,001-resource Pulumi.yaml costs seconds of parsing.
  const supported = SUPPORTED_STACK_TOKENS.resources;
  const above = supported + 1;
  expect(stackSizeWarning(above, "resources")).toContain(
    `this stack declares ${above.toLocaleString("en-US")} tokens; the supported size is ${supported.toLocaleString("en-US")} per stack`,
  );
  expect(stackSizeWarning(above, "resources")).toContain("pulumi stack init offboarding-2");
  expect(stackSizeWarning(supported, "resources")).toBeUndefined();
  // Between the two paths' sizes only the dynamic path's declaration files are warned about, and
  // that warning names the native path's size.
  const between = SUPPORTED_STACK_TOKENS["declaration files"] + 1;
  expect(between).toBeLessThan(supported);
  expect(stackSizeWarning(between, "resources")).toBeUndefined();
  expect(stackSizeWarning(between, "declaration files")).toContain(`supported up to ${supported.toLocaleString("en-US")} per stack`);
});
