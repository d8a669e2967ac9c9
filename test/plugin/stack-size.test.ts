/**
 * The native plugin's stack-size count for a Pulumi YAML project (read at CheckConfig, before any
 * token is registered), on real Pulumi.yaml files against the real parser's count, and the warning
 * above the supported size.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, test } from "vitest";
import { parse } from "yaml";
import { SUPPORTED_STACK_TOKENS, stackSizeWarning } from "../../provider/core";
import { TOKEN_TYPE } from "../../provider/plugin/schema";
import { isPlainInStackConfig, resourcesInProjectYamlAbove } from "../../provider/plugin/stack-config";

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

test("counts the PublisherTokens of a Pulumi YAML project above a limit, in both spellings of the type, and nothing else", () => {
  expect(resourcesInProjectYamlAbove(TOKEN_TYPE, 2, yamlProject(3))).toBe(3);
  expect(resourcesInProjectYamlAbove(TOKEN_TYPE, 3, yamlProject(3))).toBeUndefined();
  expect(resourcesInProjectYamlAbove(TOKEN_TYPE, 0, yamlProject(3, "nodejs"))).toBeUndefined();
  expect(resourcesInProjectYamlAbove(TOKEN_TYPE, 0, project("name: x\nruntime: {name: yaml}\n"))).toBeUndefined();
  expect(resourcesInProjectYamlAbove(TOKEN_TYPE, 0, project(": not yaml ["))).toBeUndefined();
  expect(resourcesInProjectYamlAbove(TOKEN_TYPE, 0, path.join(tmpdir(), "no-such-project"))).toBeUndefined();
});

/** The type of every resource of a Pulumi.yaml, as the real parser reads it. */
function countByParser(dir: string): number {
  const resources = (parse(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as { resources: Record<string, { type: string }> }).resources;
  return Object.values(resources).filter((r) => r.type === TOKEN_TYPE || r.type === TOKEN_TYPE.replace(":index:", ":")).length;
}

test("the text's bound never hides a token the parser finds: the type through an alias, an escape, or named only in comments", () => {
  const variants = {
    // Two tokens whose type is an alias: the name occurs once, in the anchor.
    alias: `name: x\nruntime: yaml\nresources:\n  a:\n    type: &t ${TOKEN_TYPE}\n    properties: {accountId: a, valid: false}\n  b: {type: *t, properties: {accountId: b, valid: false}}\n  c: {type: *t, properties: {accountId: c, valid: false}}\n`,
    // Escapes in a double-quoted scalar spell the type without its name in the text.
    escape: `name: x\nruntime: yaml\nresources:\n  a: {type: "${TOKEN_TYPE.replace("Token", "\\x54oken")}"}\n  b: {type: "${TOKEN_TYPE.replace("Publisher", "\\u0050ublisher")}"}\n`,
    // The name more often than tokens: a comment and another type's property.
    comments: `name: x\nruntime: yaml\n# PublisherToken PublisherToken PublisherToken\nresources:\n  a: {type: ${TOKEN_TYPE}}\n  n: {type: random:index:RandomString, properties: {length: 1, special: false, overrideSpecial: PublisherToken}}\n`,
  };
  for (const [name, text] of Object.entries(variants)) {
    const dir = project(text);
    const count = countByParser(dir);
    expect(count, name).toBeGreaterThan(0);
    for (let limit = 0; limit <= count + 1; limit++) {
      expect(resourcesInProjectYamlAbove(TOKEN_TYPE, limit, dir), `${name}, limit ${limit}`).toBe(count > limit ? count : undefined);
    }
  }
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

test("reads how the API key was set from the stack's config file and the project's, however Pulumi.yaml spells it", () => {
  const urn = "urn:pulumi:org/dev::big::pulumi:providers:marin-social::default";
  const key = "marin-social:apiKey";
  const withStack = (projectText: string, stackText?: string, stackDir = ".") => {
    const dir = project(projectText);
    if (stackText !== undefined) {
      mkdirSync(path.join(dir, stackDir), { recursive: true });
      writeFileSync(path.join(dir, stackDir, "Pulumi.dev.yaml"), stackText);
    }
    return isPlainInStackConfig(key, urn, dir);
  };
  const tokens = readFileSync(path.join(yamlProject(3), "Pulumi.yaml"), "utf8");
  expect(withStack(tokens, `config:\n  ${key}: plain-key\n`)).toBe(true);
  expect(withStack(tokens, `config:\n  ${key}:\n    secure: v1:abc\n`)).toBe(false);
  expect(withStack(tokens)).toBe(false);
  // The project's own config, and a stackConfigDir: each read only from the parsed Pulumi.yaml.
  expect(withStack(`${tokens}config:\n  ${key}: plain-key\n`)).toBe(true);
  expect(withStack(`${tokens}config:\n  ${key}: {value: plain-key}\n`)).toBe(true);
  expect(withStack(`${tokens}config:\n  "marin-social:api\\x4bey": plain-key\n`)).toBe(true);
  expect(withStack(`${tokens}stackConfigDir: stacks\n`, `config:\n  ${key}: plain-key\n`, "stacks")).toBe(true);
  expect(withStack(`${tokens}stackConfigDir: stacks\n`, `config:\n  ${key}: plain-key\n`)).toBe(false);
});
