/**
 * `pulumi-marin-social/dynamic`: what the serialized shim loads inside the
 * SDK's dynamic-provider host. It holds the one API client of the process,
 * made from the stack config the engine passes to `configure` (secret values
 * arrive here decrypted and never leave), or from the environment.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { MarinSocialClient, resolveConnection, USER_AGENT } from "../client";
import { TokenLifecycle } from "../token/lifecycle";

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
  check: (olds, news) => lifecycle.check(olds, news),
  diff: (id, olds, news) => lifecycle.diff(id, olds, news),
  create: (inputs) => lifecycle.create(inputs),
  read: (id, props) => lifecycle.read(id, props),
  update: (id, olds, news) => lifecycle.update(id, olds, news),
};
