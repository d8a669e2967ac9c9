/**
 * `/_sandbox/accounts/{id}...` routes that play what a publisher does outside the API: link an
 * agency to an account, rename an account, delete an account, re-authorize its token as a person.
 * They let tests reach drift (refresh) without editing the database.
 */
import type { Person } from "../core/types";
import type { Handler } from "./handler";
import { str } from "./handler";
import { notFound } from "./problem";
import { reauthorize } from "./routes-accounts";
import { PUBLISHER_ACTOR } from "./seed";

function accountReply(app: Parameters<Handler>[0]["app"], id: string) {
  const a = app.store.getAccount(id);
  if (!a) throw notFound("account", `account "${id}" does not exist`);
  return { status: 200, body: a, headers: { ETag: `"${a.version}"` } };
}

/** `PATCH /_sandbox/accounts/{id}`: a rename at the publisher; bumps the version. */
export const updateAccountAtPublisher: Handler = ({ app, req }) => {
  const id = str(req.params.id);
  const { name } = req.body as { name: string };
  if (!app.store.rename(id, name)) throw notFound("account", `account "${id}" does not exist`);
  return accountReply(app, id);
};

/** `DELETE /_sandbox/accounts/{id}`: the publisher deleted the account; its links go with it. */
export const deleteAccountAtPublisher: Handler = ({ app, req }) => {
  const id = str(req.params.id);
  if (!app.store.deleteAccount(id)) throw notFound("account", `account "${id}" does not exist`);
  return { status: 204 };
};

/** `PUT /_sandbox/accounts/{id}/agencies/{agencyId}`: a new link made at the publisher; the token stays as it is. */
export const linkAgencyAtPublisher: Handler = ({ app, req, now }) => {
  const id = str(req.params.id);
  const agencyId = str(req.params.agencyId);
  if (!app.store.accountExists(id)) throw notFound("account", `account "${id}" does not exist`);
  if (!app.store.agencyExists(agencyId)) throw notFound("agency", `agency "${agencyId}" does not exist; list them with GET /v1/agencies`);
  if (app.store.link(id, agencyId)) {
    app.store.bumpVersion(id);
    app.store.addAudit({ at: now, actor: PUBLISHER_ACTOR, action: "agency.link", accountId: id, agencyId });
  }
  return accountReply(app, id);
};

/** `POST /_sandbox/accounts/{id}/token/reauthorize`: a person grants the token again at the publisher. */
export const reauthorizeAtPublisher: Handler = ({ app, req, now }) =>
  reauthorize(app, str(req.params.id), now, PUBLISHER_ACTOR, req.body as { authorizedBy: Person; agencies?: string[] });
