/**
 * The one boundary between the engine's property values (google.protobuf.Struct) and plain
 * JavaScript values. Every handler receives {@link Props} from {@link decode} and answers through
 * {@link encode}; nothing else looks at wire markers.
 *
 * - Secrets arrive as `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value }`
 *   (the provider says `acceptSecrets`). They are unwrapped here, and the top-level property that
 *   held one is remembered, so the same property goes back out as a secret.
 * - Unknowns (preview) arrive as the string `04da6b54-80e4-46f7-96ec-b56ff0331ba9`; they stay that
 *   string, {@link UNKNOWN}, which is what the lifecycle's input checks recognise.
 * - The provider declines resource references and output values in its handshake, so the engine
 *   sends their ids and plain values instead; a marker of another kind is refused by name.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { UNKNOWN } from "../token/inputs";

export { UNKNOWN };

/** The key of every special value the engine sends. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The `SIG_KEY` value of a secret. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Decoded properties: plain values, and the top-level keys whose value held a secret. */
export interface Props {
  values: Record<string, unknown>;
  secrets: ReadonlySet<string>;
}

/** Unwraps a Struct (absent: empty) into plain values, recording which top-level keys were secret. */
export function decode(struct: Struct | undefined): Props {
  const values: Record<string, unknown> = {};
  const secrets = new Set<string>();
  const raw = struct ? (struct.toJavaScript() as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(raw)) {
    let secret = false;
    values[key] = unwrap(value, `${key}`, () => (secret = true));
    if (secret) secrets.add(key);
  }
  return { values, secrets };
}

function unwrap(value: unknown, path: string, onSecret: () => void): unknown {
  if (Array.isArray(value)) return value.map((v, i) => unwrap(v, `${path}[${i}]`, onSecret));
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  if (SIG_KEY in obj) {
    if (obj[SIG_KEY] === SECRET_SIG) {
      onSecret();
      return unwrap(obj.value, path, onSecret);
    }
    throw new Error(
      `${path}: the engine sent a value of kind ${String(obj[SIG_KEY])}, which this provider does not accept (it takes plain values and secrets)`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = unwrap(v, `${path}.${k}`, onSecret);
  return out;
}

/**
 * Wraps plain values into a Struct, marking the top-level keys in `secrets` as secrets.
 * `undefined` members are left out (the engine has no such value).
 */
export function encode(values: object, secrets: Iterable<string> = []): Struct {
  const secret = new Set(secrets);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const plain = dropUndefined(value);
    out[key] = secret.has(key) && plain !== UNKNOWN ? { [SIG_KEY]: SECRET_SIG, value: plain } : plain;
  }
  return Struct.fromJavaScript(out as Parameters<typeof Struct.fromJavaScript>[0]);
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : dropUndefined(v)));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = dropUndefined(v);
  return out;
}

/** The values of `keys` present in `values`. */
export function pick(values: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (values[k] !== undefined) out[k] = values[k];
  return out;
}
