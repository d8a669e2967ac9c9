/**
 * The program-side live lookup. Every `new PublisherToken` in a program runs in
 * the same tick, so their lookups coalesce in the client into
 * `GET /v1/accounts?ids=` of up to 100: a stack of 1,000 tokens costs 10 reads.
 */
import * as pulumi from "@pulumi/pulumi";
import { type Connection, MarinSocialClient, resolveConnection, USER_AGENT } from "../client";
import { MarinSocialError } from "../core";
import { type Observation, observe } from "../token/observation";
import { warnIfPlaintextApiKey } from "./config-warning";

/** Looks up accounts for the program; one per process. */
export class LiveLookup {
  constructor(private readonly client: MarinSocialClient | Error) {}

  /** Closes the client's connections. */
  async close(): Promise<void> {
    if (this.client instanceof MarinSocialClient) await this.client.close();
  }

  /** The client, for reads other than a token's lookup (e.g. getAccounts); the configuration error when there is none. */
  get api(): MarinSocialClient | Error {
    return this.client;
  }

  /**
   * Never rejects: a definite `account-not-found` is `missing`; anything else (a route 404, a
   * 401, a timeout, a malformed answer) is `error` with the client's redacted message.
   */
  async observe(accountId: string): Promise<Observation> {
    if (this.client instanceof Error) return { status: "error", message: this.client.message };
    try {
      return observe(await this.client.getAccount(accountId));
    } catch (err) {
      if (MarinSocialError.isInstance(err, "account-not-found")) return { status: "missing" };
      return { status: "error", message: (err as Error).message };
    }
  }
}

let shared: LiveLookup | undefined;
let resolved: Connection | MarinSocialError | undefined;
let runError: pulumi.RunError | undefined;

/** The program's connection settings from the stack config or the environment, resolved and validated once per process. */
function programConnection(): Connection | MarinSocialError {
  if (!resolved) {
    warnIfPlaintextApiKey();
    try {
      resolved = resolveConnection({ config: (k: string) => pulumi.runtime.getConfig(k), env: process.env });
    } catch (err) {
      if (!MarinSocialError.isInstance(err)) throw err;
      resolved = err;
    }
  }
  return resolved;
}

/** The configuration error the program's lookup would hit (no API key, a bad URL, http to a remote host), if any. */
export function programConnectionError(): MarinSocialError | undefined {
  const c = programConnection();
  return MarinSocialError.isInstance(c) ? c : undefined;
}

/**
 * Fails the program once when its configuration is bad, before anything is registered: throws
 * a `pulumi.RunError` with the configuration error's message (always the same instance), which
 * the SDK's runner logs once, without a stack trace, and exits with code 32. So a program with
 * 50 `new PublisherToken` and a bad URL prints one error, not 50.
 */
export function assertProgramConnection(): void {
  const err = programConnectionError();
  if (!err) return;
  runError ??= new pulumi.RunError(err.message);
  throw runError;
}

/**
 * The process's lookup, connected with the stack config (`marin-social:apiUrl`,
 * `marin-social:apiKey`, `marin-social:allowInsecureHttp`) or the environment.
 * A configuration problem becomes an `error` observation for each token, never a crash
 * (PublisherToken calls {@link assertProgramConnection} first, so a program never gets there).
 */
export function programLookup(): LiveLookup {
  if (!shared) {
    const c = programConnection();
    shared = new LiveLookup(MarinSocialError.isInstance(c) ? c : new MarinSocialClient({ ...c, userAgent: USER_AGENT }));
  }
  return shared;
}

/** Closes the shared lookup's client and forgets the resolved configuration (tests and CLIs; a program exits without it). */
export async function closeProgramLookup(): Promise<void> {
  const s = shared;
  shared = undefined;
  resolved = undefined;
  runError = undefined;
  await s?.close();
}
