/** The one error family: stable codes grouped in kinds, and a brand that works across copies of the package. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DeclarationError, type ErrorCode, kindOf, MarinSocialError, PartialFailure, planToken } from "../../provider";
import { refusedError } from "../../provider/token/errors";

const ROOT = path.resolve(__dirname, "..", "..");
/** The compiled copy of the package: another set of classes in the same process, as the provider shim loads it. */
const dist = require(path.join(ROOT, "dist")) as typeof import("../../provider");

describe("codes and kinds", () => {
  it("groups every code in one kind", () => {
    const kinds: Record<string, ErrorCode[]> = {
      configuration: ["config", "insecure-transport"],
      api: [
        "unauthorized",
        "forbidden",
        "account-not-found",
        "agency-not-found",
        "link-not-found",
        "route-not-found",
        "conflict",
        "rate-limited",
        "timeout",
        "server",
        "network",
        "bad-request",
      ],
      declaration: ["declaration-invalid", "invalid-input"],
      refusal: ["publisher-mismatch", "agencies-differ", "revoked"],
      "partial-failure": ["partial-failure"],
    };
    for (const [kind, codes] of Object.entries(kinds)) for (const code of codes) expect(kindOf(code), code).toBe(kind);
  });

  it("makes the planner's refusals, declaration errors and partial failures members of the family", () => {
    const plan = planToken(
      { accountId: "fb-1", valid: true },
      { id: "fb-1", publisher: "facebook", name: "A", agencies: [], token: { valid: false, invalidatedAt: "t", invalidatedBy: "x", reason: null } },
      { actor: "pulumi:p/s" },
    );
    const refused = refusedError(plan.refusal!);
    expect(refused).toMatchObject({ code: "revoked", kind: "refusal", name: "MarinSocialError" });
    expect(refused.message).toMatch(/\(nothing was changed\)$/);
    const declaration = new DeclarationError([{ file: "t.yaml", line: 1, col: 1, path: "tokens", message: "bad" }]);
    const partial = new PartialFailure("fb-1", {} as never, [{ description: "unlink X", error: new Error("boom") }]);
    for (const [e, code, kind] of [
      [declaration, "declaration-invalid", "declaration"],
      [partial, "partial-failure", "partial-failure"],
    ] as const) {
      expect(e).toBeInstanceOf(MarinSocialError);
      expect(MarinSocialError.isInstance(e)).toBe(true);
      expect(e).toMatchObject({ code, kind });
    }
    expect(DeclarationError.isInstance(declaration)).toBe(true);
    expect(DeclarationError.isInstance(partial)).toBe(false);
    expect(PartialFailure.isInstance(partial)).toBe(true);
    expect(partial).toMatchObject({ id: "fb-1", reasons: [partial.message] });
    expect(partial.message).toMatch(/unlink X: boom\. What succeeded is recorded; run `pulumi up` again to finish\.$/);
  });
});

describe("isInstance", () => {
  it("recognises errors made by another copy of the package, where instanceof fails", () => {
    const other = new dist.MarinSocialError("route-not-found", "from the other copy");
    expect(other instanceof MarinSocialError).toBe(false);
    expect(MarinSocialError.isInstance(other)).toBe(true);
    expect(MarinSocialError.isInstance(other, "route-not-found")).toBe(true);
    expect(MarinSocialError.isInstance(other, "account-not-found")).toBe(false);
    expect(PartialFailure.isInstance(new dist.PartialFailure("fb-1", {} as never, []))).toBe(true);
    expect(dist.MarinSocialError.isInstance(new MarinSocialError("config", "x"))).toBe(true);
  });

  it("is not fooled by the shape: a plain Error with a code is not a member", () => {
    const lookalike = Object.assign(new Error("x"), { code: "account-not-found", kind: "api", name: "MarinSocialError" });
    expect(MarinSocialError.isInstance(lookalike)).toBe(false);
    for (const v of [undefined, null, "account-not-found", 42, {}]) expect(MarinSocialError.isInstance(v)).toBe(false);
  });

  it("keeps the brand out of JSON (non-enumerable)", () => {
    const e = new MarinSocialError("config", "bad", { status: 400 });
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ name: "MarinSocialError", code: "config", kind: "configuration", message: "bad", status: 400 });
    expect(Object.getOwnPropertyDescriptor(e, Symbol.for("pulumi-marin-social.MarinSocialError"))).toMatchObject({ value: true, enumerable: false });
  });
});

describe("the source", () => {
  it("casts no code onto a plain Error", () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".ts")) files.push(p);
      }
    };
    walk(path.join(ROOT, "provider"));
    const offenders = files.filter((f) => /as Error & \{ code|\)\.code = /.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});
