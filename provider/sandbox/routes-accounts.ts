/**
 * `/v1/accounts` routes: list, read, invalidate and re-authorize.
 */
import { randomBytes } from "node:crypto";
import type { Account, Person, Publisher } from "../core/types";
import { LIST_ACCOUNTS } from "../generated/contract";
import { canWrite, requireAdmin } from "./auth";
import { type Ctx, type Handler, type Reply, str } from "./handler";
import { HttpError, notFound } from "./problem";

/** `GET /v1/accounts`. */
export const listAccounts: Handler = ({ app, req }) => {
  const q = req.query;
  const limit = (q.limit as number | undefined) ?? LIST_ACCOUNTS.defaultLimit;
  const after = q.cursor === undefined ? undefined : decodeCursor(str(q.cursor));
  const containing = q.containing === undefined ? undefined : str(q.containing);
  if (after !== undefined && containing !== undefined) {
    throw new HttpError(400, `query parameters "cursor" and "containing" exclude each other: continue with "cursor", or jump with "containing"`, {
      errors: [{ in: "query", path: "containing", message: "not allowed with cursor" }],
    });
  }
  const page = app.store.listAccounts({
    ids: q.ids as string[] | undefined,
    publisher: q.publisher as Publisher | undefined,
    agency: q.agency as string | undefined,
    valid: q.valid as boolean | undefined,
    authorizedBy: q.authorizedBy as string | undefined,
    after,
    containing,
    limit,
  });
  const last = page.items[page.items.length - 1];
  return { status: 200, body: { items: page.items, nextCursor: page.hasMore && last ? encodeCursor(last.id) : null } };
};

/** `GET /v1/accounts/{id}`. */
export const getAccount: Handler = ({ app, req }) => accountReply(mustGet(app.store.getAccount(str(req.params.id)), req.params.id));

/** `POST /v1/accounts/{id}/token/invalidate`: needs write scope on every linked agency; idempotent. */
export const invalidateToken: Handler = ({ app, req, principal, now }) => {
  const id = str(req.params.id);
  const account = mustGet(app.store.getAccount(id), id);
  const linked = account.agencies.map((a) => a.id);
  if (linked.length === 0 && principal.scope !== "admin") {
    throw new HttpError(403, `account "${id}" is linked to no agency, so only an admin key may invalidate it; this key (${principal.label}) is not one`, {
      missingAgencies: [],
    });
  }
  const missing = linked.filter((a) => !canWrite(principal, a));
  if (missing.length) {
    throw new HttpError(
      403,
      `invalidating "${id}" kills its token for every linked agency (${linked.join(", ")}), so it needs write scope on all of them; this key (${principal.label}) lacks ${missing.join(", ")}`,
      { missingAgencies: missing },
    );
  }
  checkVersion(account, req.headers["if-match"]);
  if (!account.token.valid) return accountReply(account);
  const body = req.body as { actor: string; reason?: string | null };
  app.store.invalidate(id, now, body.actor, body.reason ?? null);
  app.store.addAudit({ at: now, actor: body.actor, action: "token.invalidate", accountId: id, reason: body.reason ?? null });
  return accountReply(mustGet(app.store.getAccount(id), id));
};

/** `POST /v1/accounts/{id}/token/reauthorize`: admin only; new fingerprint, valid again, optional re-links. */
export const reauthorizeToken: Handler = ({ app, req, principal, now }: Ctx) => {
  requireAdmin(principal, "re-authorizing a token");
  const body = req.body as { actor: string; agencies?: string[]; authorizedBy?: Person };
  return reauthorize(app, str(req.params.id), now, body.actor, body);
};

/**
 * Re-authorizes account `id` as `grant.authorizedBy` (left out: whoever authorized it before),
 * now, linking `grant.agencies` again; `actor` is who the audit log names. An unknown account or
 * agency is a 404 that changes nothing.
 */
export function reauthorize(app: Ctx["app"], id: string, now: string, actor: string, grant: { agencies?: string[]; authorizedBy?: Person }): Reply {
  const before = mustGet(app.store.getAccount(id), id);
  const agencies = grant.agencies ?? [];
  const unknown = agencies.filter((a) => !app.store.agencyExists(a));
  if (unknown.length)
    throw notFound("agency", `unknown agenc${unknown.length > 1 ? "ies" : "y"} ${unknown.map((a) => `"${a}"`).join(", ")}; list them with GET /v1/agencies`);
  const authorizedBy = grant.authorizedBy ?? before.token.authorizedBy;
  app.store.reauthorize(id, `fp_${randomBytes(12).toString("hex")}`, authorizedBy, now);
  app.store.addAudit({ at: now, actor, action: "token.reauthorize", accountId: id, authorizedBy, authorizedAt: now });
  for (const agencyId of agencies) {
    if (app.store.link(id, agencyId)) app.store.addAudit({ at: now, actor, action: "agency.link", accountId: id, agencyId });
  }
  return accountReply(mustGet(app.store.getAccount(id), id));
}

function accountReply(a: Account): Reply {
  return { status: 200, body: a, headers: { ETag: `"${a.version}"` } };
}

function mustGet(a: Account | undefined, id: unknown): Account {
  if (!a) throw notFound("account", `account "${String(id)}" does not exist`);
  return a;
}

function checkVersion(a: Account, ifMatch: unknown): void {
  if (ifMatch === undefined) return;
  const expected = Number(String(ifMatch).replace(/^W\//, "").replace(/"/g, ""));
  if (expected !== a.version) {
    throw new HttpError(409, `account "${a.id}" is at version ${a.version}, not ${expected} (If-Match); read it again and decide anew`, {
      currentVersion: a.version,
    });
  }
}

function encodeCursor(afterId: string): string {
  return Buffer.from(JSON.stringify({ after: afterId })).toString("base64url");
}

function decodeCursor(cursor: string): string {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof v.after === "string") return v.after;
  } catch {
    // fall through
  }
  throw new HttpError(400, `query parameter "cursor": not a cursor this server issued; pass nextCursor back unchanged`, {
    errors: [{ in: "query", path: "cursor", message: "not a cursor this server issued" }],
  });
}
