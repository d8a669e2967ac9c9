/**
 * What the native plugin can learn of how a config key was set. The engine strips secret marks
 * from CheckConfig's inputs, and passes Configure the inputs as CheckConfig returned them (where
 * this plugin marks `apiKey` secret so state keeps it encrypted), so neither says whether the
 * user ran `pulumi config set --secret`. The stack's config file does: the engine starts the
 * plugin in the project folder, and the stack is in the provider's URN.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

function readYaml(file: string): unknown {
  try {
    return parse(readFileSync(file, "utf8"));
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
  const project = readYaml(path.join(projectDir, "Pulumi.yaml")) as { stackConfigDir?: unknown; config?: Record<string, unknown> } | undefined;
  const dir = typeof project?.stackConfigDir === "string" ? path.resolve(projectDir, project.stackConfigDir) : projectDir;
  const stackFile = readYaml(path.join(dir, `Pulumi.${stack.split("/").pop()}.yaml`)) as { config?: Record<string, unknown> } | undefined;
  const plain = (v: unknown) =>
    typeof v === "string" || (typeof v === "object" && v !== null && "value" in v && typeof (v as { value: unknown }).value === "string");
  const inStack = stackFile?.config?.[key];
  if (inStack !== undefined) return plain(inStack);
  return plain(project?.config?.[key]);
}

/**
 * How many resources of `type` (also written `marin-social:PublisherToken`) a Pulumi YAML project
 * declares in its Pulumi.yaml: known at CheckConfig, before the engine registers any of them.
 * 0 for a project in another language, or a Pulumi.yaml that cannot be read.
 */
export function resourcesInProjectYaml(type: string, projectDir = process.cwd()): number {
  const project = readYaml(path.join(projectDir, "Pulumi.yaml")) as { runtime?: unknown; resources?: unknown } | undefined;
  const runtime = typeof project?.runtime === "object" && project.runtime !== null ? (project.runtime as { name?: unknown }).name : project?.runtime;
  if (runtime !== "yaml" || typeof project?.resources !== "object" || project.resources === null) return 0;
  const short = type.replace(":index:", ":");
  return Object.values(project.resources).filter((r) => {
    const t = (r as { type?: unknown } | null)?.type;
    return t === type || t === short;
  }).length;
}
