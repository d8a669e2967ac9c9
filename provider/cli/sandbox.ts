/**
 * `marin-social sandbox`: serves the local Marin Social API until SIGINT or SIGTERM.
 */

import { urlHost } from "../core/url";
import { DEMO_KEYS, type Sandbox, startSandbox } from "../sandbox";
import { helpText, parse } from "./args";
import { ADMIN_KEY_ENV, SANDBOX } from "./commands";
import { type ResolvedHost, resolveHost } from "./host";
import { out } from "./output";

const USAGE = helpText(SANDBOX);

/** Parsed options of `marin-social sandbox`. */
interface Options {
  host: string;
  port: number;
  db: string;
  seed: string;
  adminKey?: string;
}

/**
 * Runs the sandbox command. Resolves 0 after a clean shutdown on SIGINT/SIGTERM (server and
 * database closed), 0 after `--help`; throws a clear Error for bad options, a non-loopback
 * address without an admin key, or a failed start.
 */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const opts = parseOptions(argv, env);
  if (!opts) {
    out(`${USAGE}\n`);
    return 0;
  }
  const host = await resolveHost(opts.host);
  if (!host.loopback && !opts.adminKey) {
    throw new Error(
      `--host ${opts.host} serves ${host.wildcard ? "every interface of this machine" : host.address}, which other machines can reach, ` +
        `and the demo keys (${DEMO_KEYS.admin}, ...) are public. Give your own admin key with --admin-key KEY or ${ADMIN_KEY_ENV} ` +
        `(the demo keys are then refused), or serve on a loopback address such as 127.0.0.1`,
    );
  }
  const sandbox = await startSandbox({
    host: host.address,
    port: opts.port,
    db: opts.db,
    seed: opts.seed,
    extraKeys: opts.adminKey ? [{ key: opts.adminKey, scope: "admin" }] : [],
    demoKeys: host.loopback,
  });
  try {
    const url = `http://${urlHost(host.address)}:${sandbox.port}`;
    out(`Marin Social sandbox listening on ${url}\n`);
    if (host.wildcard) out(`note: ${url} is every interface of this machine; from this machine, use http://127.0.0.1:${sandbox.port}\n`);
    out(keyLines(sandbox, host, opts));
    out(`database: ${opts.db}; press Ctrl+C to stop\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
  } finally {
    await sandbox.close();
  }
  out("Marin Social sandbox stopped\n");
  return 0;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | undefined {
  const { values } = parse(SANDBOX, argv);
  if (values.help) return undefined;
  const portText = (values.port as string | undefined) ?? "8787";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`--port must be an integer from 0 to 65535 (0 picks a free port), not "${portText}"`);
  const host = (values.host as string | undefined) ?? "127.0.0.1";
  if (!host) throw new Error("--host must not be empty");
  const adminKey = (values["admin-key"] as string | undefined) ?? (env[ADMIN_KEY_ENV] || undefined);
  if (adminKey !== undefined && !/^\S+$/.test(adminKey)) throw new Error(`--admin-key (or ${ADMIN_KEY_ENV}) must be non-empty and contain no spaces`);
  const db = (values.db as string | undefined) ?? ":memory:";
  if (!db) throw new Error("--db must be a file path or :memory:");
  const seed = (values.seed as string | undefined) ?? "demo";
  if (!seed) throw new Error("--seed must be demo, none or a JSON seed file");
  return { host, port, db, seed, ...(adminKey ? { adminKey } : {}) };
}

/** The keys, one per line: the demo keys on loopback (an agency key per agency); never the given admin key. */
function keyLines(sandbox: Sandbox, host: ResolvedHost, opts: Options): string {
  const given = opts.adminKey ? [`admin key: the one given by --admin-key or ${ADMIN_KEY_ENV} (not printed)`] : [];
  if (!host.loopback) return `${[...given, "demo keys: off (not a loopback address)"].join("\n")}\n`;
  const lines = [
    ...given,
    `key ${sandbox.keys.admin}  (admin: read and write on every agency, and /_sandbox)`,
    `key ${sandbox.keys.readonly}  (read only)`,
    ...sandbox.agencies().map((a) => `key ${sandbox.keys.agency(a.id)}  (read everything, write on ${a.id}: ${a.name})`),
  ];
  return `${lines.join("\n")}\n`;
}
