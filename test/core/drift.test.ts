import { describe, expect, it } from "vitest";
import { type Drift, detectDrift, driftNotice } from "../../provider/core";

const live = (valid: boolean) => ({
  id: "fb-1001",
  publisher: "facebook" as const,
  name: "Acme Coffee",
  agencies: [],
  token: {
    valid,
    invalidatedAt: valid ? null : "2026-03-01T00:00:00Z",
    invalidatedBy: valid ? null : "web-ui:admin",
    fingerprint: "fp_1",
    authorizedBy: { id: "u-7001", name: "Jane Doe" },
    authorizedAt: "2026-03-03T00:00:00Z",
  },
});

describe("driftNotice: what a refresh says of drift, on both paths", () => {
  const reauthorized = detectDrift({ valid: false }, live(true)) as Drift;
  const revoked = detectDrift({ valid: true }, live(false)) as Drift;

  it("a re-authorization of a token an Offboarding declared is an error naming that Offboarding", () => {
    expect(reauthorized.kind).toBe("reauthorized");
    expect(driftNotice("fb-1001", reauthorized, "jane")).toEqual({
      severity: "error",
      message: `fb-1001: ${reauthorized.message}; its authorizer is offboarded in this stack (Offboarding "jane")`,
    });
  });

  it("without an Offboarding, a re-authorization is drift (a warning); so is a revocation outside Pulumi, Offboarding or not", () => {
    expect(driftNotice("fb-1001", reauthorized, undefined)).toEqual({ severity: "warn", message: `fb-1001: ${reauthorized.message}` });
    expect(revoked.kind).toBe("revoked-outside-pulumi");
    expect(driftNotice("fb-1001", revoked, "jane")).toEqual({ severity: "warn", message: `fb-1001: ${revoked.message}` });
  });
});
