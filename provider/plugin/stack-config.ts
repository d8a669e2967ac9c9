/**
 * What the native plugin can learn of how a config key was set. The engine strips secret marks
 * from CheckConfig's inputs, and passes Configure the inputs as CheckConfig returned them (where
 * this plugin marks `apiKey` secret so state keeps it encrypted), so neither says whether the
 * user ran `pulumi config set --secret`. The stack's config file does: the engine starts the
 * plugin in the project folder, and the stack is in the provider's URN.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { ParseOptions } from "yaml";

/** Parses YAML text; undefined when it is not YAML. `yaml` is loaded at the first call: a plugin that serves only GetSchema never needs it. */
function readYaml(text: string, options?: ParseOptions): unknown {
  try {
    return (require("yaml") as typeof import("yaml")).parse(text, options);
  } catch {
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * True when `key` (e.g. `marin-social:apiKey`) is set as a plain string in the config file of the
 * stack of `urn` (`Pulumi.<stack>.yaml`, in the project's `stackConfigDir` if it names one), or in
 * the project's own `config:`; false when it is a `secure:` value or absent, or the files cannot be
 * read (a stack whose config lives elsewhere, e.g. in Pulumi Cloud: nothing is claimed then).
 */
export function isPlainInStackConfig(key: string, urn: string, projectDir = process.cwd()): boolean {
  const stack = /^urn:pulumi:(.+?)::/.exec(urn)?.[1];
  if (!stack) return false;
  // A Pulumi.yaml that declares thousands of tokens takes seconds to parse (see below): parsed only
  // when it can set what is read here, by spelling its name or through an escape (`\`).
  const text = readText(path.join(projectDir, "Pulumi.yaml"));
  const mentioned = text !== undefined && ["stackConfigDir", key.split(":").pop()!, "\\"].some((word) => text.includes(word));
  const project = (mentioned ? readYaml(text) : undefined) as { stackConfigDir?: unknown; config?: Record<string, unknown> } | undefined;
  const dir = typeof project?.stackConfigDir === "string" ? path.resolve(projectDir, project.stackConfigDir) : projectDir;
  const stackText = readText(path.join(dir, `Pulumi.${stack.split("/").pop()}.yaml`));
  const stackFile = (stackText === undefined ? undefined : readYaml(stackText)) as { config?: Record<string, unknown> } | undefined;
  const plain = (v: unknown) =>
    typeof v === "string" || (typeof v === "object" && v !== null && "value" in v && typeof (v as { value: unknown }).value === "string");
  const inStack = stackFile?.config?.[key];
  if (inStack !== undefined) return plain(inStack);
  return plain(project?.config?.[key]);
}

/**
 * How many resources of `type` (also written `marin-social:PublisherToken`) a Pulumi YAML project
 * declares in its Pulumi.yaml, when that is more than `limit`; undefined when it is not, for a
 * project in another language, or a Pulumi.yaml that cannot be read. Known at CheckConfig, before
 * the engine registers any of them.
 *
 * Parsing is what costs: on the bench machine `yaml` takes 0.3 s for 1,000 tokens and 6.7 s for
 * 20,000 (2.8 s without its duplicate-key check, which the YAML host does anyway), at every
 * CheckConfig of every operation. So the text is tried first: each such resource spells the type's
 * name (`PublisherToken`), or reaches its type through an alias (`*`) or an escape (`\`). A file
 * where those occur `limit` times or fewer declares at most `limit`, and is not parsed.
 */
export function resourcesInProjectYamlAbove(type: string, limit: number, projectDir = process.cwd()): number | undefined {
  const text = readText(path.join(projectDir, "Pulumi.yaml"));
  if (text === undefined) return undefined;
  const occurrences = (s: string) => text.split(s).length - 1;
  if (occurrences(type.split(":").pop()!) + occurrences("*") + occurrences("\\") <= limit) return undefined;
  const project = readYaml(text, { uniqueKeys: false }) as { runtime?: unknown; resources?: unknown } | undefined;
  const runtime = typeof project?.runtime === "object" && project.runtime !== null ? (project.runtime as { name?: unknown }).name : project?.runtime;
  if (runtime !== "yaml" || typeof project?.resources !== "object" || project.resources === null) return undefined;
  const short = type.replace(":index:", ":");
  const count = Object.values(project.resources).filter((r) => {
    const t = (r as { type?: unknown } | null)?.type;
    return t === type || t === short;
  }).length;
  return count > limit ? count : undefined;
}
