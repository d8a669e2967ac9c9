/**
 * Live accounts for the engine's serial calls. The engine calls Check (and Diff) one resource
 * at a time and waits for each answer, so a lookup per call would be one round trip per token,
 * and lookups cannot gather into batches. Instead, the first lookup starts reading the account
 * list a page at a time (`GET /v1/accounts?limit=500&cursor=`) and later lookups are answered
 * from the pages already read: a preview of N tokens costs about N/500 requests when the stack
 * declares most of the organization's accounts. Refresh reads the same way: the engine runs only
 * a few Reads at once (4 per core by default), too few to fill batched reads.
 *
 * The read-ahead is bounded, so a small stack in a large organization does not read the whole
 * list: it stops once it has read {@link LOOKAHEAD_BASE} accounts plus {@link LOOKAHEAD_PER_LOOKUP}
 * for every distinct account asked for so far. A lookup the pages have not answered is then a
 * read of that one account, and only that read's definite "not found" makes an account missing.
 *
 * What this holds is at most as old as the current engine operation (it is dropped on every
 * Configure), and is used only to plan and to show the plan: changes are made with
 * `If-Match: <version>` or after a fresh read (see TokenLifecycle), never blindly from it.
 */
import { MarinSocialError, type Account } from "../core";
import { isNotFound, type MarinSocialClient } from "../client";
import { observe, type Observation } from "../token/observation";

/** Accounts per page of the list (the contract's maximum `limit`). */
export const LIST_PAGE = 500;
/** Accounts the read-ahead may read before any lookup has asked for more. */
export const LOOKAHEAD_BASE = 1000;
/** Further accounts the read-ahead may read per distinct account asked for. */
export const LOOKAHEAD_PER_LOOKUP = 200;

/** The live accounts seen during one engine operation. */
export class LiveAccounts {
  private readonly accounts = new Map<string, Account>();
  /** Accounts whose own read answered a definite 404 (`missing`) or failed (`error`) in this operation. */
  private readonly unseen = new Map<string, Observation>();
  private readonly asked = new Set<string>();
  /** Next page to read: undefined before the first, null when the list is finished or failed. */
  private cursor: string | null | undefined;
  private listed = 0;
  private reading: Promise<void> | undefined;

  constructor(private readonly client: () => MarinSocialClient) {}

  /** The account as last seen in this operation, without a request. */
  peek(id: string): Account | undefined {
    return this.accounts.get(id);
  }

  /** Records an account seen elsewhere (e.g. returned by an invalidation). Never replaces a newer version. */
  remember(account: Account): void {
    const known = this.accounts.get(account.id);
    if (!known || known.version <= account.version) this.accounts.set(account.id, account);
    this.unseen.delete(account.id);
  }

  /** What this operation has seen of the account, without a request: found, `missing` or `error`, or undefined when not looked up. */
  seen(id: string): Observation | undefined {
    const account = this.accounts.get(id);
    return account ? observe(account) : this.unseen.get(id);
  }

  /**
   * The live account, from the pages read ahead or one read of its own. A definite 404 is
   * `missing`, any other failure `error` with the client's (redacted) message; either is kept for
   * the rest of the operation (a preview's Create or Update refuses on it without asking again; a
   * real one reads the account afresh, see TokenLifecycle). Rejects only with a `configuration`
   * error (the client cannot be made, e.g. no API key), which no lookup can get past.
   */
  async observe(id: string): Promise<Observation> {
    const seen = this.unseen.get(id) ?? (await this.find(id));
    if (seen) return "status" in seen ? seen : observe(seen);
    try {
      const account = await this.client().getAccount(id);
      this.remember(account);
      return observe(account);
    } catch (err) {
      // No usable configuration (e.g. no API key): no lookup can succeed, for this token or any other.
      if (MarinSocialError.isInstance(err) && err.kind === "configuration") throw err;
      const failed: Observation = isNotFound(err) ? { status: "missing" } : { status: "error", message: (err as Error).message };
      this.unseen.set(id, failed);
      return failed;
    }
  }

  /** The account from the pages read ahead (reading more while allowed), or undefined: then it needs a read of its own. */
  async find(id: string): Promise<Account | undefined> {
    this.asked.add(id);
    while (!this.accounts.has(id) && this.mayReadAhead()) await this.readPage();
    return this.accounts.get(id);
  }

  private mayReadAhead(): boolean {
    return this.cursor !== null && this.listed < LOOKAHEAD_BASE + LOOKAHEAD_PER_LOOKUP * this.asked.size;
  }

  /** Reads the next page; concurrent callers share one request. A failure ends the read-ahead. */
  private readPage(): Promise<void> {
    this.reading ??= (async () => {
      try {
        const page = await this.client().listAccountsPage(this.cursor ?? undefined, LIST_PAGE);
        for (const account of page.items) this.remember(account);
        this.listed += page.items.length;
        this.cursor = page.items.length === 0 ? null : page.nextCursor;
      } catch {
        // The lookups that need an account read it on their own and report that read's error.
        this.cursor = null;
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }
}
