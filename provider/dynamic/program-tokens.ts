/**
 * Every PublisherToken a program declares, and the order they reach the engine in, so that one
 * refused token never stops the others from being cut off.
 *
 * The engine checks one resource at a time, and after a failed step (a refused check, a failed
 * create) it starts no new step and accepts no new registration. A refused token registered early
 * would therefore stall every token registered after it, and which tokens got cut off would depend
 * on their order in the program. So the program decides every refusal before it registers
 * anything, and registers the refused tokens last:
 *
 * 1. each token looks up its account (the lookups of one program coalesce into batched reads);
 * 2. it waits until every lookup the program has started is done, so that two resources for one
 *    account are seen, whatever their order;
 * 3. a token that may proceed is registered at once; a refused one logs its refusal as an error
 *    against itself, sets the exit code, and is registered only when every token that may proceed
 *    has been registered: in `pulumi up` after its create or update completed, in `pulumi preview`
 *    after its check and diff. The SDK sends a resource only once all its inputs are known, and
 *    the refused token's hidden input `observed` resolves only then.
 *
 * Its check then fails with the refusal (the run fails), and nothing is done to its account. Every
 * refused token is named with its reason by the program's own error diagnostic, also those the
 * engine never gets to check because it stopped at the first.
 *
 * A preview is different: `pulumi up` previews first and stops if the preview fails, before it
 * cuts anything off. So in a preview the refused token is sent marked as refused instead of with
 * its observation (its check then lets it through, even with inputs it would reject) and no exit
 * code is set: the preview shows the refusal as the error diagnostic and succeeds, and the update
 * that follows fails on it as above.
 *
 * Limits: a token constructed after the others were decided (after the program awaited something,
 * or inside an `apply`) is checked against them when it comes, and cannot hold back those already
 * registered; code that declares tokens after awaiting (as `declaredStack` does while it reads
 * its file) holds the decision with {@link ProgramTokens.hold} until they are constructed. A token whose own options make it wait for other resources (`dependsOn`,
 * `deletedWith`, `replaceWith`, a custom-resource `parent`) is not waited for by the refused ones,
 * since it might be waiting for them.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DesiredToken } from "../core";
import { AccountClaims } from "../token/claims";
import type { Observation } from "../token/observation";
import { type Decision, decide } from "../token/refusal";

/** One declared token, as the registry tracks it. */
export interface DeclaredToken {
  readonly name: string;
  /** False when the token's own options may make its registration wait for other resources. */
  readonly waitable: boolean;
  /** Set by the PublisherToken once constructed. */
  resource?: pulumi.CustomResource;
  /** Set once its lookup is done. */
  facts?: { desired: DesiredToken; observed: Observation; actor: string };
  /** Set once decided. */
  verdict?: Verdict;
}

/** The decision for one token (its plan, made once, and its refusal), and when it may be registered. */
export interface Verdict extends Decision {
  /** For a refused token: resolves once every token that may proceed has been registered. */
  othersRegistered: Promise<void>;
}

/** The tokens of one program; see the module comment. */
export class ProgramTokens {
  private readonly tokens: DeclaredToken[] = [];
  /** Lookups running, and holds not yet released. */
  private looking = 0;
  private waiting: Array<() => void> = [];
  private scheduled = false;
  /** Tokens that may proceed, not yet in {@link proceeded}. */
  private proceeding: pulumi.CustomResource[] = [];
  private proceeded: Promise<void> = Promise.resolve();

  /** Adds a token; `opts` are the options it was constructed with. */
  declare(name: string, opts: pulumi.CustomResourceOptions | undefined): DeclaredToken {
    const token: DeclaredToken = { name, waitable: !waitsForOthers(opts) };
    this.tokens.push(token);
    return token;
  }

  /**
   * Holds every decision until the returned function is called: for code that will declare more
   * tokens once it has awaited something (reading a declaration file). Call it exactly once.
   */
  hold(): () => void {
    this.looking++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.looking--;
      this.schedule();
    };
  }

  /**
   * Looks the token's account up with `lookup`, waits until every lookup the program started is
   * done, and decides. Never rejects when `lookup` does not.
   */
  async decide(token: DeclaredToken, desired: DesiredToken, actor: string, lookup: () => Promise<Observation>): Promise<Verdict> {
    this.looking++;
    let observed: Observation;
    try {
      observed = await lookup();
    } finally {
      this.looking--;
      this.schedule();
    }
    token.facts = { desired, observed, actor };
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return token.verdict!;
  }

  /**
   * Decides at the end of this turn of the event loop, unless a lookup is still running then (its
   * end schedules again). Lookups that start in this turn (tokens constructed together) have had
   * their turn to begin by then.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.looking > 0) return;
      this.judge();
      const waiting = this.waiting;
      this.waiting = [];
      for (const resolve of waiting) resolve();
    });
  }

  /** Decides every looked-up token not yet decided. */
  private judge(): void {
    const claims = new AccountClaims<string>();
    for (const t of this.tokens) if (t.facts) claims.claim(t.facts.desired.accountId, t.name);
    const fresh = this.tokens.filter((t) => t.facts && !t.verdict);
    for (const t of fresh) {
      const facts = t.facts!;
      const names = claims.declarers(facts.desired.accountId);
      const duplicates = names.length > 1 ? [...names].sort() : undefined;
      t.verdict = { ...decide({ ...facts, ...(duplicates ? { duplicates } : {}) }), othersRegistered: Promise.resolve() };
      if (!t.verdict.refusal && t.waitable && t.resource) this.proceeding.push(t.resource);
    }
    for (const t of fresh) if (t.verdict!.refusal) t.verdict!.othersRegistered = this.othersRegistered();
  }

  /** Resolves once every token decided so far that may proceed has been registered (only built when one is refused). */
  private othersRegistered(): Promise<void> {
    if (this.proceeding.length > 0) {
      this.proceeded = Promise.all([this.proceeded, ...this.proceeding.map(registered)]).then(() => undefined);
      this.proceeding = [];
    }
    return this.proceeded;
  }
}

/** Resolves when the engine has answered the resource's registration (its URN is known then). */
function registered(resource: pulumi.CustomResource): Promise<void> {
  return new Promise((resolve) => {
    resource.urn.apply(() => resolve());
  });
}

function waitsForOthers(opts: pulumi.CustomResourceOptions | undefined): boolean {
  if (!opts) return false;
  return (
    opts.dependsOn !== undefined ||
    opts.deletedWith !== undefined ||
    opts.replaceWith !== undefined ||
    (opts.parent !== undefined && pulumi.CustomResource.isInstance(opts.parent))
  );
}

let shared: ProgramTokens | undefined;

/** The tokens of this program (one registry per process). */
export function programTokens(): ProgramTokens {
  shared ??= new ProgramTokens();
  return shared;
}
