/**
 * API keys and their scopes. A key is never echoed: principals carry a label instead.
 */
import { timingSafeEqual } from "node:crypto";
import { HttpError } from "./problem";

/** What a key may do: everything, read only, or read everything and write one agency. */
export type KeyScope = "admin" | "readonly" | { agency: string };

/** An extra key given to the sandbox, beside the demo keys. */
export interface ExtraKey {
  key: string;
  scope: KeyScope;
}

/** The caller behind a request. `label` names it in audit entries and never contains the key. */
export interface Principal {
  label: string;
  scope: KeyScope;
}

/** The demo keys of the sandbox. */
export const DEMO_KEYS = {
  admin: "sandbox-admin",
  readonly: "sandbox-readonly",
  agency: (agencyId: string): string => `sandbox-agency-${agencyId}`,
} as const;

const AGENCY_PREFIX = "sandbox-agency-";

/**
 * Resolves `Authorization` header values to principals. `agencyExists` decides whether a
 * `sandbox-agency-<id>` key names a real agency (agencies can be added at run time).
 */
export class KeyRing {
  private readonly extra: Array<{ key: Buffer; principal: Principal }>;

  /**
   * @param demoKeys whether the well-known demo keys (`sandbox-admin`, ...) are accepted; off,
   *   only `extraKeys` are (a sandbox reachable from other machines).
   */
  constructor(
    extraKeys: readonly ExtraKey[],
    private readonly agencyExists: (id: string) => boolean,
    private readonly demoKeys = true,
  ) {
    this.extra = extraKeys.map((k, i) => {
      if (typeof k.key !== "string" || k.key.length === 0) throw new Error(`extraKeys[${i}].key must be a non-empty string`);
      return { key: Buffer.from(k.key), principal: { label: `apikey:extra-${i + 1}`, scope: k.scope } };
    });
  }

  /** Returns the principal for an `Authorization` header, or throws a 401 problem. */
  authenticate(header: string | undefined): Principal {
    if (!header) throw unauthorized("missing Authorization header; send `Authorization: Bearer <api key>`");
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) throw unauthorized("the Authorization header must be `Bearer <api key>`");
    const key = m[1];
    const found = this.lookup(key);
    if (!found) throw unauthorized("the API key is not recognised");
    return found;
  }

  private lookup(key: string): Principal | undefined {
    const buf = Buffer.from(key);
    for (const e of this.extra) {
      if (e.key.length === buf.length && timingSafeEqual(e.key, buf)) return e.principal;
    }
    if (!this.demoKeys) return undefined;
    if (key === DEMO_KEYS.admin) return { label: "apikey:admin", scope: "admin" };
    if (key === DEMO_KEYS.readonly) return { label: "apikey:readonly", scope: "readonly" };
    if (key.startsWith(AGENCY_PREFIX)) {
      const agency = key.slice(AGENCY_PREFIX.length);
      if (agency && this.agencyExists(agency)) return { label: `apikey:agency/${agency}`, scope: { agency } };
    }
    return undefined;
  }
}

/** Whether the principal may write on `agencyId`. */
export function canWrite(p: Principal, agencyId: string): boolean {
  return p.scope === "admin" || (typeof p.scope === "object" && p.scope.agency === agencyId);
}

/** Throws 403 unless the principal is an admin; `what` names the action for the message. */
export function requireAdmin(p: Principal, what: string): void {
  if (p.scope !== "admin") throw new HttpError(403, `${what} needs an admin key; this key (${p.label}) is not one`);
}

function unauthorized(detail: string): HttpError {
  return new HttpError(401, detail, {}, { "WWW-Authenticate": 'Bearer realm="marin-social"' });
}
