/**
 * `pulumi import` of an account another resource of the stack already manages. The engine gives
 * the provider no view of the stack: an import is a Read with an id and empty inputs and state,
 * and the other resources get no call at all. So the plugin asks the CLI that started it for the
 * stack's state (`pulumi stack export`, the one supported way to read a stack, run with the same
 * environment in the same project folder), and refuses the import when a PublisherToken of
 * another URN has the account as its id. When the state cannot be read it says so and gives the
 * one-line recovery, rather than refusing an import it cannot judge.
 */
import { execFile } from "node:child_process";
import { existsSync, readlinkSync } from "node:fs";
import { MarinSocialError } from "../core";
import { TOKEN_TYPE } from "./schema";

/** The `pulumi` executable that started this plugin (Linux: the parent's /proc entry), else `pulumi` on PATH. */
function pulumiExecutable(): string {
  try {
    const exe = readlinkSync(`/proc/${process.ppid}/exe`);
    if (/(^|\/)pulumi$/.test(exe) && existsSync(exe)) return exe;
  } catch {
    /* not Linux, or not allowed */
  }
  return "pulumi";
}

interface ExportedResource {
  urn: string;
  type: string;
  id?: string;
  delete?: boolean;
}

/** The stack's resources as `pulumi stack export` shows them; rejects when it cannot. */
function exportStack(stack: string): Promise<ExportedResource[]> {
  return new Promise((resolve, reject) => {
    execFile(pulumiExecutable(), ["stack", "export", "--stack", stack, "--non-interactive"], { maxBuffer: 512 << 20, timeout: 120_000 }, (err, stdout) => {
      if (err) return reject(err);
      try {
        resolve(((JSON.parse(stdout) as { deployment?: { resources?: ExportedResource[] } }).deployment?.resources ?? []) as ExportedResource[]);
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** The resource name of a URN. */
function nameOf(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

/**
 * Throws, importing nothing, when another PublisherToken of the stack of `urn` manages
 * `accountId`. `log` gets a warning with the recovery when the stack's state cannot be read.
 */
export async function refuseManagedImport(urn: string, accountId: string, log: (message: string) => Promise<void>): Promise<void> {
  const stack = /^urn:pulumi:(.+?)::/.exec(urn)?.[1];
  if (!stack) return;
  let resources: ExportedResource[];
  try {
    resources = await exportStack(stack);
  } catch {
    await log(
      `could not read stack ${stack} to check whether another PublisherToken already manages account ${accountId}, so this import is not checked. ` +
        `If one does, two resources now act on one account: remove this one from state with \`pulumi state delete --force '${urn}'\` (it changes nothing in Marin Social).`,
    );
    return;
  }
  const managing = resources.filter((r) => r.type === TOKEN_TYPE && r.id === accountId && r.urn !== urn && !r.delete);
  if (managing.length === 0) return;
  throw new MarinSocialError(
    "invalid-input",
    `account ${accountId} is already managed in stack ${stack} by PublisherToken ${managing.map((r) => `"${nameOf(r.urn)}" (${r.urn})`).join(", ")}; ` +
      `importing it as "${nameOf(urn)}" would make a second resource for one account, and both would act on it. Nothing was imported. ` +
      `To manage the account under the new name, rename the existing resource instead (\`pulumi state rename '${managing[0]!.urn}' ${nameOf(urn)}\`).`,
  );
}
