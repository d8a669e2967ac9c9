/**
 * Contract-checked requests to a running sandbox, for the sandbox integration tests: every
 * response is asserted (vitest `expect`) to match the OpenAPI contract, headers included.
 */

import { request } from "undici";
import { expect } from "vitest";
import type { loadContract, Sandbox } from "../../provider/sandbox";

/** The loaded OpenAPI contract, as {@link loadContract} returns it. */
export type Contract = ReturnType<typeof loadContract>;

/** A response as the tests see it: `body` is the parsed JSON (undefined when empty), `text` the raw body. */
export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: the body was just checked against the operation's schema in the contract; tests read its fields as the contract defines them
  body: any;
  text: string;
}

/** What to send with {@link callSandbox}. */
export interface CallOpts {
  /** Values for the `{name}` placeholders of the operation's path template (URI-encoded; missing ones become ""). */
  params?: Record<string, string>;
  /** The path to request, used as is instead of the template (then `params` is ignored). */
  path?: string;
  /** Query string, without the `?`. */
  query?: string;
  /** API key for the Bearer header; default the sandbox's admin key. */
  key?: string;
  /** JSON body (sent with `content-type: application/json`); none when undefined. */
  body?: unknown;
  /** Extra request headers; they override the defaults. */
  headers?: Record<string, string>;
}

/**
 * Sends `method path` to `sb` with `headers` and raw `body`, then expects the response to conform
 * to operation `op` of `contract` (`op` null: a problem response of no route). Fails the test
 * (naming the request, status and body) when it does not; otherwise returns the response.
 */
export async function checkedRequest(
  sb: Sandbox,
  contract: Contract,
  op: string | null,
  method: string,
  path: string,
  init: { headers: Record<string, string>; body?: string },
): Promise<CallResult> {
  const res = await request(sb.url + path, { method: method as "GET", headers: init.headers, body: init.body });
  const text = await res.body.text();
  const body = text ? JSON.parse(text) : undefined;
  const ct = res.headers["content-type"] as string | undefined;
  expect(contract.responseErrors(op, res.statusCode, ct, body, res.headers), `${method} ${path} -> ${res.statusCode} ${text}`).toEqual([]);
  return { status: res.statusCode, headers: res.headers, body, text };
}

/**
 * Calls operation `op` (`"METHOD /template"`) on `sb` as `o` describes (Bearer `o.key`, default
 * admin) and expects the response to conform to the contract; returns the response.
 */
export async function callSandbox(sb: Sandbox, contract: Contract, op: string, o: CallOpts = {}): Promise<CallResult> {
  const [method, template] = op.split(" ") as [string, string];
  const path = o.path ?? template.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(o.params?.[n] ?? ""));
  return checkedRequest(sb, contract, op, method, `${path}${o.query ? `?${o.query}` : ""}`, {
    headers: {
      authorization: `Bearer ${o.key ?? sb.keys.admin}`,
      ...(o.body !== undefined ? { "content-type": "application/json" } : {}),
      ...o.headers,
    },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
}

/**
 * {@link callSandbox} bound to a sandbox that may change between tests: `getSandbox()` is read on
 * every call (e.g. `() => sb` for a `let sb` set in `beforeEach`).
 */
export function contractCaller(getSandbox: () => Sandbox, contract: Contract): (op: string, o?: CallOpts) => Promise<CallResult> {
  return (op, o = {}) => callSandbox(getSandbox(), contract, op, o);
}
