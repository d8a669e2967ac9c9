/**
 * `marin-social sandbox`: serves the local Marin Social API until SIGINT or SIGTERM.
 */
import { parseArgs } from "node:util";
import { startSandbox, type Sandbox } from "../sandbox";

const USAGE = `usage: marin-social sandbox [options]

Serves the local Marin Social API (schemas/marin-social-api.yaml) until SIGINT or SIGTERM.

options:
  --host HOST          interface to listen on (default 127.0.0.1)
  --port PORT          port (default 8787; 0 picks a free one)
  --db PATH            SQLite file that keeps the state across restarts, or :memory: (default)
  --seed SEED          demo (default), none, or a JSON seed file; applied to an empty database only
  --admin-key KEY      accept KEY as an extra admin key (it is never printed)
  -h, --help           print this help

The first line printed is "Marin Social sandbox listening on <base URL>"; the demo keys follow.`;

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
 * database closed), 0 after `--help`; throws a clear Error for bad options or a failed start.
 */
export async function run(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  if (!opts) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const sandbox = await startSandbox({
    host: opts.host,
    port: opts.port,
    db: opts.db,
    seed: opts.seed,
    extraKeys: opts.adminKey ? [{ key: opts.adminKey, scope: "admin" }] : [],
  });
  try {
    process.stdout.write(`Marin Social sandbox listening on ${sandbox.url}\n`);
    process.stdout.write(keyLines(sandbox));
    process.stdout.write(`database: ${opts.db}; press Ctrl+C to stop\n`);
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
  process.stdout.write("Marin Social sandbox stopped\n");
  return 0;
}

function parseOptions(argv: string[]): Options | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        db: { type: "string" },
        seed: { type: "string" },
        "admin-key": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new Error(`${(err as Error).message}\nRun \`marin-social sandbox --help\` for the options.`);
  }
  if (values["help"]) return undefined;
  const portText = (values["port"] as string | undefined) ?? "8787";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`--port must be an integer from 0 to 65535 (0 picks a free port), not "${portText}"`);
  const host = (values["host"] as string | undefined) ?? "127.0.0.1";
  if (!host) throw new Error("--host must not be empty");
  const adminKey = values["admin-key"] as string | undefined;
  if (adminKey !== undefined && !/^\S+$/.test(adminKey)) throw new Error("--admin-key must be non-empty and contain no spaces");
  const db = (values["db"] as string | undefined) ?? ":memory:";
  if (!db) throw new Error("--db must be a file path or :memory:");
  const seed = (values["seed"] as string | undefined) ?? "demo";
  if (!seed) throw new Error("--seed must be demo, none or a JSON seed file");
  return { host, port, db, seed, ...(adminKey ? { adminKey } : {}) };
}

/** The demo keys, one per line; an agency key for each agency the sandbox holds. */
function keyLines(sandbox: Sandbox): string {
  const lines = [
    `key ${sandbox.keys.admin}  (admin: read and write on every agency, and /_sandbox)`,
    `key ${sandbox.keys.readonly}  (read only)`,
    ...sandbox.agencies().map((a) => `key ${sandbox.keys.agency(a.id)}  (read everything, write on ${a.id}: ${a.name})`),
  ];
  return lines.join("\n") + "\n";
}
