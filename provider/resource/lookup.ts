/**
 * The program-side live lookup. Every `new PublisherToken` in a program runs in
 * the same tick, so their lookups coalesce in the client into
 * `GET /v1/accounts?ids=` of up to 100: a stack of 1,000 tokens costs 10 reads.
 */
import * as pulumi from "@pulumi/pulumi";
import { MarinSocialError } from "../core";
import { MarinSocialClient, resolveConnection, USER_AGENT } from "../client";
import { observe, type Observation } from "./observation";

/** Looks up accounts for the program; one per process. */
export class LiveLookup {
  constructor(private readonly client: MarinSocialClient | Error) {}

  /** Closes the client's connections. */
  async close(): Promise<void> {
    if (this.client instanceof MarinSocialClient) await this.client.close();
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

/** The configuration error the program's lookup would hit (e.g. no API key), if any. */
export function programConnectionError(): Error | undefined {
  try {
    resolveConnection({ config: (k: string) => pulumi.runtime.getConfig(k), env: process.env });
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

/**
 * The process's lookup, connected with the stack config (`marin-social:apiUrl`,
 * `marin-social:apiKey`, `marin-social:allowInsecureHttp`) or the environment.
 * A configuration problem becomes an `error` observation for each token (a
 * clear check failure), never a crash.
 */
export function programLookup(): LiveLookup {
  if (!shared) {
    let client: MarinSocialClient | Error;
    try {
      const connection = resolveConnection({ config: (k: string) => pulumi.runtime.getConfig(k), env: process.env });
      client = new MarinSocialClient({ ...connection, userAgent: USER_AGENT });
    } catch (err) {
      client = err as Error;
    }
    shared = new LiveLookup(client);
  }
  return shared;
}

/** Closes the shared lookup's client (tests and CLIs; a program exits without it). */
export async function closeProgramLookup(): Promise<void> {
  const s = shared;
  shared = undefined;
  await s?.close();
}
