/**
 * `pulumi-marin-social/dynamic`: what the serialized shim loads inside the
 * SDK's dynamic-provider host. It holds the one API client of the process,
 * made from the stack config the engine passes to `configure` (secret values
 * arrive here decrypted and never leave), or from the environment.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { MarinSocialClient, resolveConnection, USER_AGENT } from "../client";
import { accountLabel } from "../core/describe";
import { displayText } from "../core/display";
import { driftNotice } from "../core/drift";
import { EngineLog, engineAddress } from "../engine/engine-log";
import { TokenLifecycle } from "../token/lifecycle";
import { exitWhenEngineGone, inDynamicProviderHost } from "./engine-gone";

/**
 * The engine's log, for what only a refresh sees: the SDK's host passes the engine's address as
 * its first argument, and gives the provider no logger (nor the resource's URN, so the line
 * names the account instead).
 */
const engineLog = new EngineLog();
if (inDynamicProviderHost()) {
  exitWhenEngineGone();
  engineLog.connect(engineAddress(process.argv.slice(2)));
}

let configGet: ((key: string) => string | undefined) | undefined;
let client: MarinSocialClient | undefined;

function getClient(): MarinSocialClient {
  if (!client) {
    const connection = resolveConnection({ config: configGet, env: process.env });
    client = new MarinSocialClient({ ...connection, userAgent: USER_AGENT });
  }
  return client;
}

const lifecycle = new TokenLifecycle(getClient);

/** The provider the shim delegates to. */
export const provider: dynamic.ResourceProvider = {
  async configure(req: dynamic.ConfigureRequest): Promise<void> {
    configGet = (key) => {
      const v: unknown = req.config.get(key);
      return typeof v === "string" ? v : v === undefined ? undefined : String(v);
    };
    client = undefined;
  },
  check: (olds, news) =>
    shown(async () => {
      const res = await lifecycle.check(olds, news);
      return { ...res, failures: res.failures?.map((f) => ({ ...f, reason: displayText(f.reason) })) };
    }),
  diff: (id, olds, news) => shown(() => lifecycle.diff(id, olds, news)),
  create: (inputs) => shown(() => lifecycle.create(inputs)),
  read: (id, props) =>
    shown(async () => {
      const res = await lifecycle.read(id, props);
      // As the native plugin's read: a token re-authorized after Pulumi invalidated it, naming who
      // and when; an error when the Offboarding that declared it offboards that person.
      if (res.drift?.kind === "reauthorized" && res.props) {
        const label = accountLabel({ id, publisher: res.props.publisher, name: res.props.accountName });
        const notice = driftNotice(label, res.drift, res.inputs?.offboarding);
        await engineLog.log("", notice.severity, notice.message);
      }
      return res;
    }),
  update: (id, olds, news) => shown(() => lifecycle.update(id, olds, news)),
};

/**
 * Runs `fn`; an error it throws reaches the engine (and the host's stderr) made safe to display:
 * it may carry server text (names, reasons, the API's problem details). The error object itself
 * is kept (a partial failure's id and properties tell the engine what to record).
 */
async function shown<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error) {
      const safe = displayText(err.message);
      if (err.stack) err.stack = err.stack.replace(err.message, safe);
      err.message = safe;
      const reasons = (err as { reasons?: unknown }).reasons;
      if (Array.isArray(reasons)) (err as unknown as { reasons: string[] }).reasons = reasons.map((r) => displayText(String(r)));
    }
    throw err;
  }
}
