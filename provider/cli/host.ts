/**
 * Which address `marin-social sandbox --host HOST` really serves, and whether it is loopback.
 * A name counts as loopback only when every address it resolves to is loopback: `localhost`
 * and `*.localhost` names are looked up like any other, never trusted by their spelling.
 */
import { lookup } from "node:dns/promises";
import { isIPv4, isIPv6 } from "node:net";

/** The address the sandbox will listen on, as resolved from `--host`. */
export interface ResolvedHost {
  /** The IP literal listened on (the first the resolver gives, as Node's own listen would pick). */
  address: string;
  /** True when every address the host resolves to is a loopback address. */
  loopback: boolean;
  /** True for the wildcard addresses `0.0.0.0` and `::` (every interface). */
  wildcard: boolean;
}

/** An IPv6 literal in its shortest form (`0:0::1` -> `::1`, `::ffff:127.0.0.1` -> `::ffff:7f00:1`); anything else as given. */
function canonical(ip: string): string {
  if (!isIPv6(ip)) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip; // a zone id (fe80::1%eth0): link-local, never loopback
  }
}

/** True for 127.0.0.0/8, `::1` and IPv4-mapped 127.0.0.0/8 (in any IPv6 spelling). */
export function isLoopbackAddress(ip: string): boolean {
  if (isIPv4(ip)) return ip.split(".")[0] === "127";
  const c = canonical(ip);
  return c === "::1" || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(c);
}

/** `host` for a URL: an IPv6 literal in brackets. */
export function urlHost(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

/** Resolves `--host`; rejects with an Error that names the host when it does not resolve. */
export async function resolveHost(host: string): Promise<ResolvedHost> {
  let all: { address: string }[];
  try {
    all = await lookup(host, { all: true, verbatim: true });
  } catch (e) {
    throw new Error(`--host ${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give an IP address such as 127.0.0.1 or ::1, or a name this machine resolves`);
  }
  const first = all[0];
  if (!first) throw new Error(`--host ${host} resolves to no address; give an IP address such as 127.0.0.1`);
  return {
    address: first.address,
    loopback: all.every((a) => isLoopbackAddress(a.address)),
    wildcard: ["0.0.0.0", "::"].includes(canonical(first.address)),
  };
}
