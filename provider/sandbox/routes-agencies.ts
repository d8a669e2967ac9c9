/**
 * `/v1/agencies` and `/v1/audit` routes.
 */
import { canWrite } from "./auth";
import { type Handler, str } from "./handler";
import { HttpError, notFound } from "./problem";

/** `GET /v1/agencies`: every agency, by id. */
export const listAgencies: Handler = ({ app }) => ({ status: 200, body: app.store.listAgencies() });

/** `DELETE /v1/agencies/{agencyId}/accounts/{accountId}`: needs write on that agency; leaves the token alone. */
export const unlinkAgency: Handler = ({ app, req, principal, now }) => {
  const agencyId = str(req.params.agencyId);
  const accountId = str(req.params.accountId);
  if (!canWrite(principal, agencyId)) {
    throw new HttpError(403, `unlinking needs write scope on agency "${agencyId}"; this key (${principal.label}) lacks it`, {
      missingAgencies: [agencyId],
    });
  }
  if (!app.store.unlink(accountId, agencyId)) {
    if (!app.store.accountExists(accountId)) throw notFound("account", `account "${accountId}" does not exist`);
    if (!app.store.agencyExists(agencyId)) throw notFound("agency", `agency "${agencyId}" does not exist`);
    throw notFound("link", `account "${accountId}" is not linked to agency "${agencyId}"`);
  }
  const actor = (req.headers["x-actor"] as string | undefined) ?? principal.label;
  app.store.addAudit({ at: now, actor, action: "agency.unlink", accountId, agencyId });
  return { status: 204 };
};

/** `GET /v1/audit?accountId=&since=`: ordered by time, then insertion; `since` inclusive. */
export const listAudit: Handler = ({ app, req }) => {
  const since = req.query.since === undefined ? undefined : new Date(str(req.query.since)).toISOString();
  return { status: 200, body: app.store.listAudit(req.query.accountId as string | undefined, since) };
};
