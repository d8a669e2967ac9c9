/**
 * An Idempotency-Key is reused only for the identical request (issue 8, class 4): the provider
 * derives it from everything it sends, the sandbox's 422 for a reused key says what differs, and
 * the client's error names that cause. Real sandbox, real client.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isMarinSocialError, MarinSocialClient } from "../../provider/client";
import type { InvalidateAction } from "../../provider/core";
import { loadContract, type Sandbox, startSandbox } from "../../provider/sandbox";
import { invalidationRequest } from "../../provider/token/execute";
import { TokenLifecycle } from "../../provider/token/lifecycle";
import { observe } from "../../provider/token/observation";
import { contractCaller } from "../support/sandbox-call";

let sb: Sandbox;
let admin: MarinSocialClient;
const call = contractCaller(() => sb, loadContract());

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
  admin = new MarinSocialClient({ baseUrl: sb.url, apiKey: sb.keys.admin, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
});
afterAll(async () => {
  await admin.close();
  await sb.close();
});
beforeEach(async () => {
  await admin.sandbox.reset();
});

describe("the provider's invalidation key", () => {
  const action: InvalidateAction = { kind: "invalidate", accountId: "tw-2004", actor: "pulumi:p/s", reason: "Jane left" };

  it("is the same for the identical request, and differs when anything sent differs", () => {
    const key = (a: InvalidateAction, version = 3, ifMatch = true) => invalidationRequest(a, version, ifMatch).opts.idempotencyKey;
    expect(key(action)).toBe(key({ ...action }));
    const variants = [
      key({ ...action, reason: "Jane left (HR-2)" }),
      key({ ...action, reason: null }),
      key({ ...action, actor: "pulumi:p/other" }),
      key({ ...action, accountId: "tw-2005" }),
      key(action, 4),
      key(action, 3, false),
    ];
    expect(new Set([key(action), ...variants]).size).toBe(variants.length + 1);
  });

  it("sends what it hashed: the body, and If-Match only when asked", () => {
    expect(invalidationRequest(action, 3, true)).toMatchObject({ body: { actor: "pulumi:p/s", reason: "Jane left" }, opts: { ifMatch: 3 } });
    const plain = invalidationRequest({ ...action, reason: null }, 3, false);
    expect(plain.body).toEqual({ actor: "pulumi:p/s" });
    expect(plain.opts).not.toHaveProperty("ifMatch");
  });

  it("two resources' creates for one account with different reasons never collide on a key", async () => {
    // What two PublisherTokens for tw-2004 did before the program refused them: both created from
    // the same observation, with different reasons. The second now finds the token invalid (409 on
    // If-Match, then a fresh read) instead of a 422 for a reused key.
    const lifecycle = new TokenLifecycle(() => admin);
    const observed = observe(await admin.getAccount("tw-2004"));
    const declare = (reason: string) => ({ accountId: "tw-2004", valid: false, reason, actor: "pulumi:p/s", observed });
    const [first, second] = await Promise.allSettled([lifecycle.create(declare("first reason")), lifecycle.create(declare("second reason"))]);
    expect(first.status).toBe("fulfilled");
    expect(second.status).toBe("fulfilled");
    const live = await admin.getAccount("tw-2004");
    expect(live.token.valid).toBe(false);
    expect(live.agencies).toEqual([]);
    expect((await admin.audit({ accountId: "tw-2004" })).filter((e) => e.action === "token.invalidate")).toHaveLength(1);
  });
});

describe("a reused Idempotency-Key", () => {
  const invalidate = (id: string, key: string, reason: string) =>
    call("POST /v1/accounts/{id}/token/invalidate", { params: { id }, body: { actor: "ops", reason }, headers: { "idempotency-key": key } });

  it("with another body: the sandbox's 422 says so, and nothing changes", async () => {
    expect((await invalidate("tw-2002", "k-body", "first")).status).toBe(200);
    await admin.reauthorize("tw-2002", { actor: "ui" });
    const reused = await invalidate("tw-2002", "k-body", "second");
    expect(reused.status).toBe(422);
    expect(reused.body.detail).toMatch(
      /^Idempotency-Key reused with a different request body: "k-body" was first sent with another body to POST \/v1\/accounts\/tw-2002\/token\/invalidate\./,
    );
    expect((await admin.getAccount("tw-2002")).token.valid).toBe(true);
  });

  it("for another path or method: the 422 names the first request", async () => {
    expect((await invalidate("tw-2002", "k-path", "same")).status).toBe(200);
    const otherAccount = await invalidate("tw-2003", "k-path", "same");
    expect(otherAccount.status).toBe(422);
    expect(otherAccount.body.detail).toContain("first used for POST /v1/accounts/tw-2002/token/invalidate");
    const otherMethod = await call("DELETE /v1/agencies/{agencyId}/accounts/{accountId}", {
      params: { agencyId: "ag-south", accountId: "tw-2002" },
      headers: { "idempotency-key": "k-path" },
    });
    expect(otherMethod.status).toBe(422);
    expect((await admin.getAccount("tw-2003")).token.valid).toBe(true);
  });

  it("through the client: the error names the reused key, never an API version disagreement, and is not retried", async () => {
    await admin.invalidateToken("tw-2002", { actor: "ops", reason: "first" }, { idempotencyKey: "k-client" });
    const err = await admin.invalidateToken("tw-2003", { actor: "ops", reason: "first" }, { idempotencyKey: "k-client" }).catch((e: unknown) => e);
    expect(isMarinSocialError(err, "bad-request")).toBe(true);
    const e = err as Error & { status: number; attempts?: number };
    expect(e.status).toBe(422);
    expect(e.message).toMatch(/Idempotency-Key reused for a different request/);
    expect(e.message).toMatch(/nothing was changed/);
    expect(e.message).not.toMatch(/API version/);
    expect(e.attempts ?? 1).toBe(1);
  });
});
