/**
 * Property values as they travel between the SDK, the engine and providers: plain JSON plus the
 * SDK's special signature objects (secrets, resource references) and the unknown sentinel.
 * These helpers reproduce what the Pulumi engine does with them (see provider_plugin.go:
 * `annotateSecrets`, `removeSecrets`, MarshalOptions{KeepSecrets,KeepResources}).
 */
import { isDeepStrictEqual } from "node:util";

/** Key of the signature field in special objects. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** Signature of a secret: `{ [SIG_KEY]: SECRET_SIG, value }`. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Signature of a resource reference: `{ [SIG_KEY]: RESOURCE_SIG, urn, id?, packageVersion? }`. */
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** The value the SDK and engine use for "unknown during preview". */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A property bag (inputs or outputs of one resource). */
export type PropertyMap = Record<string, unknown>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True when `v` is a secret signature object. */
export function isSecret(v: unknown): v is { [SIG_KEY]: string; value: unknown } {
  return isPlainObject(v) && v[SIG_KEY] === SECRET_SIG;
}

/** True when `v` is a resource reference signature object. */
export function isResourceRef(v: unknown): v is { [SIG_KEY]: string; urn: string; id?: string } {
  return isPlainObject(v) && v[SIG_KEY] === RESOURCE_SIG;
}

/** Wraps `v` as a secret (idempotent: an existing secret is returned as is). */
export function makeSecret(v: unknown): unknown {
  return isSecret(v) ? v : { [SIG_KEY]: SECRET_SIG, value: v };
}

/** True when `v` is, or contains at any depth, a secret. */
export function containsSecrets(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecrets);
  if (isPlainObject(v)) return Object.values(v).some(containsSecrets);
  return false;
}

/** True when `v` is, or contains at any depth, the unknown sentinel. */
export function containsUnknowns(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknowns);
  if (isPlainObject(v)) return Object.values(v).some(containsUnknowns);
  return false;
}

/**
 * Prepares a value for a provider that negotiated `acceptSecrets`/`acceptResources`: secrets are
 * replaced by their plaintext when the provider does not accept them, resource references by their
 * id (custom resources) or urn (components) when it does not accept references. Returns a copy.
 */
export function marshalForProvider(v: unknown, opts: { keepSecrets: boolean; keepResources: boolean }): unknown {
  if (isSecret(v)) {
    const inner = marshalForProvider(v.value, opts);
    return opts.keepSecrets ? { [SIG_KEY]: SECRET_SIG, value: inner } : inner;
  }
  if (isResourceRef(v)) {
    if (opts.keepResources) return { ...v };
    return typeof v.id === "string" && v.id !== "" ? v.id : v.urn;
  }
  if (Array.isArray(v)) return v.map((e) => marshalForProvider(e, opts));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = marshalForProvider(e, opts);
    return out;
  }
  return v;
}

/** Removes every secret wrapper, keeping the plaintext (the engine's `removeSecrets`). Returns a copy. */
export function removeSecrets(v: unknown): unknown {
  return marshalForProvider(v, { keepSecrets: false, keepResources: true });
}

/**
 * Copies "secretness" from `ins` to `outs` in place, as the engine does for providers that do not
 * accept secrets: for each key in both, objects recurse; otherwise if the input value contains a
 * secret, the whole output value is made secret.
 */
export function annotateSecrets(outs: PropertyMap, ins: PropertyMap): void {
  for (const [key, inValue] of Object.entries(ins)) {
    if (!Object.prototype.hasOwnProperty.call(outs, key)) continue;
    const outValue = outs[key];
    if (isPlainObject(outValue) && !isSecret(outValue) && !isResourceRef(outValue) &&
        isPlainObject(inValue) && !isSecret(inValue) && !isResourceRef(inValue)) {
      annotateSecrets(outValue, inValue);
    } else if (!isSecret(outValue) && containsSecrets(inValue)) {
      outs[key] = makeSecret(outValue);
    }
  }
}

/** Marks the listed top-level keys of `props` as secret, in place (additionalSecretOutputs). */
export function markSecretKeys(props: PropertyMap, keys: readonly string[]): void {
  for (const key of keys) {
    if (Object.prototype.hasOwnProperty.call(props, key)) props[key] = makeSecret(props[key]);
  }
}

/** The placeholder `redactSecrets` leaves where a secret's plaintext was. */
export const REDACTED = "[secret]";

/**
 * Returns a copy of `v` in which every secret keeps its signature but its plaintext is replaced by
 * `{ ciphertext: "[secret]" }`, the shape a real backend stores (it encrypts the value).
 */
export function redactSecrets(v: unknown): unknown {
  if (isSecret(v)) return { [SIG_KEY]: SECRET_SIG, ciphertext: REDACTED };
  if (Array.isArray(v)) return v.map(redactSecrets);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = redactSecrets(e);
    return out;
  }
  return v;
}

/** Returns a copy of `v` with every secret replaced by the string "[secret]" (for messages). */
export function hideSecrets(v: unknown): unknown {
  if (isSecret(v)) return REDACTED;
  if (Array.isArray(v)) return v.map(hideSecrets);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = hideSecrets(e);
    return out;
  }
  return v;
}

/** Deep equality of two property values (secret wrappers included: a change of secretness counts). */
export function sameValue(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

/** Top-level keys whose values differ between `olds` and `news` (added and removed keys included), sorted. */
export function changedKeys(olds: PropertyMap, news: PropertyMap): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !sameValue(olds[k], news[k])).sort();
}

/** Deep copy of a JSON-like value. */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}
