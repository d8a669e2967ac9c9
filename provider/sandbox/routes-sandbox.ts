/**
 * `/_sandbox` routes (admin key only; the server checks the key): faults, stats, reset, bulk accounts.
 */
import { addAccounts, type BulkRequest } from "./bulk";
import type { FaultConfig } from "./faults";
import type { Handler } from "./handler";
import { applySeed } from "./seed";

/** `GET /_sandbox/faults`. */
export const getFaults: Handler = ({ app }) => ({ status: 200, body: app.faults.get() });

/** `PUT /_sandbox/faults`: replaces the faults; failing routes must name `/v1` route templates. */
export const setFaults: Handler = ({ app, req }) => {
  const routes = app.contract.operations.filter((o) => o.template.startsWith("/v1/")).map((o) => o.key);
  return { status: 200, body: app.faults.set(req.body as Partial<FaultConfig>, routes) };
};

/** `GET /_sandbox/stats`. */
export const getStats: Handler = ({ app }) => ({ status: 200, body: app.stats.snapshot() });

/** `DELETE /_sandbox/stats`. */
export const resetStats: Handler = ({ app }) => {
  app.stats.reset();
  return { status: 204 };
};

/** `POST /_sandbox/reset`: the start seed again; no faults, no stats, no idempotency keys. */
export const resetSandbox: Handler = ({ app }) => {
  applySeed(app.store, app.seed);
  app.faults.reset();
  app.stats.reset();
  return { status: 200, body: app.store.counts() };
};

/** `POST /_sandbox/accounts`: bulk accounts in one transaction. */
export const addAccountsRoute: Handler = ({ app, req, now }) => ({
  status: 201,
  body: addAccounts(app.store, req.body as BulkRequest, now),
});
