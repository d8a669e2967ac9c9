/**
 * Matches a request path to a contract operation: the path templates come from the contract.
 *
 * Not find-my-way: it gives no match for bad percent-encoding (this answers 400 naming the
 * parameter), binds `/v1/accounts/` to an empty id, and has no Allow list for a wrong method.
 */
import type { Operation } from "./operation";
import { HttpError } from "./problem";

/** The outcome of matching: an operation with its raw (decoded) path parameters, no route, or a wrong method. */
export type Match = { kind: "ok"; op: Operation; params: Record<string, string> } | { kind: "none" } | { kind: "method"; allow: string[] };

type Route = { op: Operation; segments: string[] };

/** Routes requests to the operations of the contract. */
export class Router {
  private readonly routes: Route[];

  constructor(operations: readonly Operation[]) {
    // Literal segments win over parameters: fewer parameters first.
    const params = (t: string): number => (t.match(/\{/g) ?? []).length;
    this.routes = [...operations].sort((a, b) => params(a.template) - params(b.template)).map((op) => ({ op, segments: op.template.split("/") }));
  }

  /** Matches `method` and `pathname` (raw, still percent-encoded). Throws a 400 problem for bad percent-encoding. */
  match(method: string, pathname: string): Match {
    const parts = pathname.split("/");
    const allow = new Set<string>();
    for (const r of this.routes) {
      const params = bind(r.segments, parts);
      if (!params) continue;
      if (r.op.method === method) return { kind: "ok", op: r.op, params };
      allow.add(r.op.method);
    }
    return allow.size ? { kind: "method", allow: [...allow].sort() } : { kind: "none" };
  }
}

function bind(template: string[], parts: string[]): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i] as string;
    const p = parts[i] as string;
    if (t.startsWith("{") && t.endsWith("}")) {
      if (p === "") return undefined;
      params[t.slice(1, -1)] = decode(p, t);
    } else if (t !== p) {
      return undefined;
    }
  }
  return params;
}

function decode(segment: string, name: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `path parameter ${name}: bad percent-encoding in "${segment}"`);
  }
}
