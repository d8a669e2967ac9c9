/**
 * Whatever `marin-social validate` (the declaration loader) and the provider's check accept,
 * the API accepts, and the other way round: strings generated near every boundary of the
 * contract's rules (lengths 0, 1, max - 1, max, max + 1; allowed characters mixed with ":",
 * spaces, "/", accents, astral characters and control characters) are accepted by the loader
 * and by check exactly when ajv accepts them on the contract's own component schema.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { pulumiActor, satisfies } from "../../provider/core";
import { parseDeclarations } from "../../provider/declarations";
import { ACCOUNT_ID, ACTOR, AGENCY_ID, REASON } from "../../provider/generated/contract";
import { loadContract } from "../../provider/sandbox";
import { checkInputs } from "../../provider/token/inputs";

const SEED = 20261125;
const RUNS = 400;
console.log(`contract boundary properties: fast-check seed ${SEED}, ${RUNS} runs each`);

const contract = loadContract();
const api = (schema: string, value: unknown): boolean => contract.checkSchema(schema, value).length === 0;

const ALLOWED = [..."abcXYZ0189._-"];
const OTHER = [":", " ", "/", "é", "\u{1F600}", "\u0000", "\u001f", "\u007f", "\n", "\t", "@", "\u00a0"];

/** Strings whose length (in code points) is at or next to a boundary of `rule`. */
function nearBoundaries(rule: { minLength?: number; maxLength?: number }): fc.Arbitrary<string> {
  const max = rule.maxLength ?? 64;
  const lengths = [...new Set([0, 1, 2, max - 1, max, max + 1].filter((n) => n >= 0))];
  const char = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...ALLOWED) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER) });
  return fc.constantFrom(...lengths).chain((n) => fc.array(char, { minLength: n, maxLength: n }).map((cs) => cs.join("")));
}

/**
 * The loader's verdict on a file declaring one token with `fields`, written by the real yaml
 * library in its own style (plain where it can) and with double-quoted strings: both must agree.
 */
function loaderAccepts(fields: Record<string, unknown>): boolean {
  const doc = { tokens: [{ accountId: "fb-1001", valid: false, ...fields }] };
  const plain = parseDeclarations(stringify(doc), "boundary.yaml").ok;
  const quoted = parseDeclarations(stringify(doc, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" }), "boundary.yaml").ok;
  expect({ fields, plain }).toEqual({ fields, plain: quoted });
  return plain;
}

/** The provider check's verdict on one property. */
function checkAccepts(property: string, fields: Record<string, unknown>): boolean {
  const { failures } = checkInputs({ accountId: "fb-1001", valid: false, actor: "pulumi:p/s", ...fields });
  return !failures.some((f) => f.property === property);
}

const property = (arb: fc.Arbitrary<string>, predicate: (s: string) => void) => fc.assert(fc.property(arb, predicate), { seed: SEED, numRuns: RUNS });

describe("the loader, check and the API agree on every boundary", () => {
  it("accountId (AccountId)", () => {
    property(nearBoundaries(ACCOUNT_ID), (id) => {
      const ok = api("AccountId", id);
      expect({ id, loader: loaderAccepts({ accountId: id }) }).toEqual({ id, loader: ok });
      expect({ id, check: checkAccepts("accountId", { accountId: id }) }).toEqual({ id, check: ok });
      expect({ id, rule: satisfies(ACCOUNT_ID, id) }).toEqual({ id, rule: ok });
    });
  });

  it("reason (Reason, and the invalidate request that carries it)", () => {
    property(nearBoundaries(REASON), (reason) => {
      const ok = api("Reason", reason);
      expect(api("InvalidateRequest", { actor: "pulumi:p/s", reason })).toBe(ok);
      expect({ len: reason.length, loader: loaderAccepts({ reason }) }).toEqual({ len: reason.length, loader: ok });
      expect({ len: reason.length, check: checkAccepts("reason", { reason }) }).toEqual({ len: reason.length, check: ok });
    });
  });

  it("the agencies of expectAgencies (AgencyId)", () => {
    property(nearBoundaries(AGENCY_ID), (agency) => {
      const ok = api("AgencyId", agency);
      expect({ agency, loader: loaderAccepts({ expectAgencies: [agency] }) }).toEqual({ agency, loader: ok });
      expect({ agency, check: checkAccepts("expectAgencies", { expectAgencies: [agency] }) }).toEqual({ agency, check: ok });
    });
  });

  it("the actor (Actor)", () => {
    property(nearBoundaries(ACTOR), (actor) => {
      expect({ actor, check: checkAccepts("actor", { actor }) }).toEqual({ actor, check: api("Actor", actor) });
    });
  });
});

describe("pulumiActor", () => {
  const name = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}$/),
    fc.array(fc.constantFrom(...ALLOWED, ...OTHER), { minLength: 1, maxLength: 260 }).map((cs) => cs.join("")),
  );

  it("is always an actor the API accepts, the same on every call, and unchanged when it fits", () => {
    fc.assert(
      fc.property(name, name, (project, stack) => {
        const actor = pulumiActor(project, stack);
        expect(api("Actor", actor)).toBe(true);
        expect(pulumiActor(project, stack)).toBe(actor);
        expect(actor.startsWith("pulumi:")).toBe(true);
        const full = `pulumi:${project}/${stack}`;
        if (api("Actor", full)) expect(actor).toBe(full);
        else expect(actor).toMatch(/~[0-9a-f]{16}$/);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("keeps long stacks apart: two 190-character stack names that differ only at the end get different actors", () => {
    const a = pulumiActor("marin-social", `${"s".repeat(189)}a`);
    const b = pulumiActor("marin-social", `${"s".repeat(189)}b`);
    expect([[...a].length, [...b].length]).toEqual([ACTOR.maxLength, ACTOR.maxLength]);
    expect(a).not.toBe(b);
    expect(a.startsWith(`pulumi:marin-social/${"s".repeat(100)}`)).toBe(true);
    // Pulumi's own limits (project and stack names of up to 100 characters) make 208 at most.
    expect(api("Actor", pulumiActor("p".repeat(100), "s".repeat(100)))).toBe(true);
  });
});
