/**
 * The handler of every operation of the contract, keyed `"METHOD /template"`.
 */
import type { Contract } from "./contract";
import type { Handler } from "./handler";
import { getAccount, invalidateToken, listAccounts, reauthorizeToken } from "./routes-accounts";
import { listAgencies, listAudit, unlinkAgency } from "./routes-agencies";
import { deleteAccountAtPublisher, linkAgencyAtPublisher, reauthorizeAtPublisher, updateAccountAtPublisher } from "./routes-publisher";
import { addAccountsRoute, getFaults, getStats, resetSandbox, resetStats, setFaults } from "./routes-sandbox";

/** Handlers by operation key. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  "GET /v1/accounts": listAccounts,
  "GET /v1/accounts/{id}": getAccount,
  "POST /v1/accounts/{id}/token/invalidate": invalidateToken,
  "POST /v1/accounts/{id}/token/reauthorize": reauthorizeToken,
  "GET /v1/agencies": listAgencies,
  "DELETE /v1/agencies/{agencyId}/accounts/{accountId}": unlinkAgency,
  "GET /v1/audit": listAudit,
  "GET /_sandbox/faults": getFaults,
  "PUT /_sandbox/faults": setFaults,
  "GET /_sandbox/stats": getStats,
  "DELETE /_sandbox/stats": resetStats,
  "POST /_sandbox/reset": resetSandbox,
  "POST /_sandbox/accounts": addAccountsRoute,
  "PATCH /_sandbox/accounts/{id}": updateAccountAtPublisher,
  "DELETE /_sandbox/accounts/{id}": deleteAccountAtPublisher,
  "PUT /_sandbox/accounts/{id}/agencies/{agencyId}": linkAgencyAtPublisher,
  "POST /_sandbox/accounts/{id}/token/reauthorize": reauthorizeAtPublisher,
};

/** Throws unless every contract operation has a handler and every handler an operation. */
export function checkHandlers(contract: Contract): void {
  const ops = new Set(contract.operations.map((o) => o.key));
  const missing = [...ops].filter((k) => !HANDLERS[k]);
  const extra = Object.keys(HANDLERS).filter((k) => !ops.has(k));
  if (missing.length || extra.length) {
    throw new Error(`sandbox and contract disagree: no handler for [${missing.join(", ")}], no operation for [${extra.join(", ")}]`);
  }
}
