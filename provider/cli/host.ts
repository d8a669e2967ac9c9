/**
 * Which address `marin-social sandbox --host HOST` really serves, and whether it is loopback.
 * A name counts as loopback only when every address it resolves to is loopback: `localhost`
 * and `*.localhost` names are looked up like any other, never trusted by their spelling.
 */
import { lookup } from "node:dns/promises";
import { isIP, isIPv6 } from "node:net";
import { isLoopbackHost } from "../client/options";

/** The address the sandbox will listen on, as resolved from `--host`. */
export interface ResolvedHost {
  /** The IP literal listened on (the first the resolver gives, as Node's own listen would pick). */
  address: string;
  /** True when every address the host resolves to is a loopback address. */
  loopback: boolean;
  /** True for the wildcard addresses `0.0.0.0` and `::` (every interface). */
  wildcard: boolean;
}

/** An IPv6 literal in its shortest form (`0:0:0:0:0:0:0:0` -> `::`); anything else as given. */
function canonical(ip: string): string {
  if (!isIPv6(ip)) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip; // a zone id (fe80::1%eth0)
  }
}

/** True for a loopback IP address (the client's rule for IP literals; a name is never one here). */
export function isLoopbackAddress(ip: string): boolean {
  return isIP(ip) !== 0 && isLoopbackHost(canonical(ip));
}

/** Resolves `--host`; rejects with an Error that names the host when it does not resolve. */
export async function resolveHost(host: string): Promise<ResolvedHost> {
  let all: { address: string }[];
  try {
    all = await lookup(host, { all: true, verbatim: true });
  } catch (e) {
    throw new Error(
      `--host ${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give an IP address such as 127.0.0.1 or ::1, or a name this machine resolves`,
    );
  }
  const first = all[0];
  if (!first) throw new Error(`--host ${host} resolves to no address; give an IP address such as 127.0.0.1`);
  return {
    address: first.address,
    loopback: all.every((a) => isLoopbackAddress(a.address)),
    wildcard: ["0.0.0.0", "::"].includes(canonical(first.address)),
  };
}
