/**
 * Audit reports for the renderer tests, built by the real core (`buildReport`) from generated
 * declarations, live accounts and audit logs: every state (invalidate, unlink only, refused for
 * each reason, not found, drift of both kinds, unchanged), any number of agencies, and names
 * drawn from hostile text.
 */
import fc from "fast-check";
import { type Account, type AuditEntry, buildReport, type DesiredToken, type Report } from "../../provider/core";

/** Names: any Unicode (lone surrogates, controls, bidi, emoji, wide), plus markup and Mermaid syntax. */
export const arbName: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
  fc.constantFrom(
    `<script>alert(1)</script>`,
    `"><img src=x onerror=alert(1)>`,
    "東京カフェ 渋谷店",
    "مقهى القاهرة",
    "\u202eevil\u202c",
    "👩‍👩‍👧‍👦 family",
    "a]]> --> %% end\n```",
    "#quot; &amp; #35;",
    "x".repeat(300),
  ),
);

/** One generated world: agencies, accounts, declarations (some of unknown accounts) and history. */
const arbWorld = fc
  .record({
    agencies: fc.uniqueArray(fc.record({ id: fc.stringMatching(/^ag-[a-z0-9]{1,6}$/), name: arbName }), {
      selector: (a) => a.id,
      minLength: 0,
      maxLength: 45,
      size: "max",
    }),
    accounts: fc.array(
      fc.record({
        name: arbName,
        twitter: fc.boolean(),
        links: fc.array(fc.nat(), { maxLength: 4 }),
        valid: fc.boolean(),
        byPulumi: fc.boolean(),
        declared: fc.constantFrom("valid", "invalid", "invalid", "invalid"),
        wrongPublisher: fc.boolean(),
        guard: fc.constantFrom("none", "none", "exact", "wrong"),
        missing: fc.boolean(),
        reauthorized: fc.boolean(),
      }),
      { maxLength: 140, size: "max" },
    ),
  })
  .map(({ agencies, accounts }) => {
    const live = new Map<string, Account>();
    const declared: DesiredToken[] = [];
    const history: AuditEntry[] = [];
    accounts.forEach((a, i) => {
      const id = `${a.twitter ? "tw" : "fb"}-${i + 1}`;
      const linked = agencies.length ? [...new Set(a.links.map((n) => n % agencies.length))].map((n) => agencies[n]!) : [];
      const d: DesiredToken = { accountId: id, valid: a.declared === "valid" };
      if (a.wrongPublisher && i % 5 === 0) d.publisher = a.twitter ? "facebook" : "twitter";
      if (a.guard !== "none") d.expectAgencies = a.guard === "exact" ? linked.map((g) => g.id) : ["ag-elsewhere"];
      declared.push(d);
      if (a.missing && i % 7 === 0) return;
      const actor = a.byPulumi ? "pulumi:p/s" : "jane@agency.example";
      live.set(id, {
        id,
        publisher: a.twitter ? "twitter" : "facebook",
        externalId: String(i),
        name: a.name,
        agencies: linked,
        version: 1,
        token: a.valid
          ? { valid: true, fingerprint: "fp", invalidatedAt: null, invalidatedBy: null, reason: null, authorizedBy: null, authorizedAt: null }
          : {
              valid: false,
              fingerprint: "fp",
              invalidatedAt: "2026-01-01T00:00:00.000Z",
              invalidatedBy: actor,
              reason: "left",
              authorizedBy: null,
              authorizedAt: null,
            },
      });
      if (a.valid && a.reauthorized) {
        history.push({ at: "2026-01-01T00:00:00.000Z", actor: "pulumi:p/s", action: "token.invalidate", accountId: id });
        history.push({ at: "2026-01-02T00:00:00.000Z", actor: "ops@agency.example", action: "token.reauthorize", accountId: id });
      }
    });
    return buildReport(declared, live, history);
  });

/** Reports of 0 to 140 declared tokens on 0 to 45 agencies. */
export const arbReport: fc.Arbitrary<Report> = arbWorld;

/** The fast-check parameters of a property: a fixed seed, printed so a failure can be replayed. */
export function seeded(name: string, seed: number, numRuns = 60): fc.Parameters<unknown> {
  console.log(`${name}: fast-check seed ${seed}, ${numRuns} runs`);
  return { seed, numRuns };
}
