/** `host` for a URL: an IPv6 literal (the only kind of host with a ":") in brackets. */
export function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}
