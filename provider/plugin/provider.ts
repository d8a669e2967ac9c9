/**
 * The native provider's state: its configuration, the one API client, and what the Checks of the current operation
 * decided (claims.ts), and the engine log. The RPC layer (rpc.ts) calls into it with decoded values.
 */
import type { MarinSocialClient } from "../client";
import { EngineLog } from "../engine/engine-log";
import { TokenLifecycle } from "../token/lifecycle";
import { Claims } from "./claims";
import { clientOf, connectionOf } from "./config";
import type { TokenContext } from "./token";

/** One provider per plugin process. */
export class NativeProvider {
  readonly log = new EngineLog();
  private config: Record<string, unknown> = {};
  private client: MarinSocialClient | undefined;
  private readonly lifecycle = new TokenLifecycle(() => this.api());
  private claims = new Claims();

  /** `env`: where settings the config leaves out come from (MARIN_SOCIAL_API_URL and so on). */
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /**
   * Takes the provider's inputs (decrypted). The client is made at its first use, so an operation
   * that needs no API call (a `pulumi destroy`, which changes nothing remotely) needs no key, and a
   * configuration problem is reported by the operation that needs the API, naming the fix.
   */
  async configure(values: Record<string, unknown>): Promise<void> {
    const previous = this.client;
    this.config = values;
    this.client = undefined;
    this.claims = new Claims();
    await previous?.close();
  }

  /** The API client for the current configuration. Throws the client's `config` errors. */
  api(): MarinSocialClient {
    this.client ??= clientOf(connectionOf(this.config, this.env));
    return this.client;
  }

  /** What the token handlers work with. */
  get tokens(): TokenContext {
    return { lifecycle: this.lifecycle, claims: this.claims, log: this.log };
  }

  /** Stops: closes the client and the engine connection. */
  async close(): Promise<void> {
    this.log.close();
    await this.client?.close();
    this.client = undefined;
  }
}
