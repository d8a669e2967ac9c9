// @ts-check
/**
 * CrossGuard policy pack for Marin Social PublisherTokens, on both paths:
 * - dynamic (TypeScript programs, tokens.yaml): type `pulumi-nodejs:dynamic/marin-social:PublisherToken`
 *   (or `pulumi-nodejs:dynamic:Resource` for SDKs that give dynamic resources no type name), recognised
 *   by its inputs `accountId`, `valid` and `actor`;
 * - native plugin (Pulumi YAML, every SDK): type `marin-social:index:PublisherToken`.
 *
 * The policies read only a token's inputs as the engine checks them, before any step runs, so a
 * mandatory violation stops `pulumi up` in its preview, before any request changes anything.
 * Configuration: `pulumi preview --policy-pack policy --policy-pack-config <file.json>`; see README.md.
 */
const { PolicyPack } = require("@pulumi/policy");

const NATIVE_TYPE = "marin-social:index:PublisherToken";
const DYNAMIC_TYPES = ["pulumi-nodejs:dynamic/marin-social:PublisherToken", "pulumi-nodejs:dynamic:Resource"];

/**
 * @typedef {{ path: "dynamic" | "native"; accountId: string; valid: unknown; reason: unknown;
 *   links: string[] | undefined }} Token
 * `links`: the agencies this run unlinks, when the inputs tell (undefined when they cannot).
 */

/**
 * The token a resource declares, or undefined when it is no PublisherToken.
 * @param {string} type
 * @param {Record<string, any>} props
 * @returns {Token | undefined}
 */
function tokenOf(type, props) {
  if (typeof props?.accountId !== "string") return undefined;
  if (type === NATIVE_TYPE) {
    // The native plugin decides in its own process; the inputs hold only what the user declared.
    // `expectAgencies` is exact when given: the plugin refuses, changing nothing, when the live links differ.
    const links = Array.isArray(props.expectAgencies) ? props.expectAgencies.map(String) : undefined;
    return { path: "native", accountId: props.accountId, valid: props.valid, reason: props.reason, links };
  }
  if (DYNAMIC_TYPES.includes(type) && "valid" in props && "actor" in props) {
    // The program's own lookup and plan travel as the hidden input `observed` (token/observation.ts).
    const observed = props.observed;
    const unlink = observed?.decided?.plan?.unlink;
    const names = new Map((Array.isArray(observed?.agencies) ? observed.agencies : []).map((/** @type {{ id: string; name: string }} */ a) => [a.id, a.name]));
    const links = Array.isArray(unlink)
      ? unlink.map((id) => (names.get(id) ? `${names.get(id)} (${id})` : String(id)))
      : observed?.status === "found"
        ? []
        : undefined;
    return { path: "dynamic", accountId: props.accountId, valid: props.valid, reason: props.reason, links };
  }
  return undefined;
}

/** Text from the API or a program, made safe to print: control characters go. @param {string} s */
const safe = (s) => String(s).replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");

/**
 * Links counted so far in this run, by URN: the engine analyzes each resource once per run, and a
 * URN seen again (the same analyzer asked twice) is not counted twice.
 * @type {Map<string, number>}
 */
const counted = new Map();

/** @type {import("@pulumi/policy").ResourceValidationPolicy[]} */
const policies = [
  {
    name: "invalidation-has-reason",
    description: "Every PublisherToken declared `valid: false` gives a `reason` (recorded in Marin Social's audit).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
      const t = tokenOf(args.type, args.props);
      if (t?.valid !== false) return;
      if (typeof t.reason !== "string" || t.reason.trim() === "")
        reportViolation(`token for account ${safe(t.accountId)} is declared valid: false without a reason; add reason: "<why, e.g. a ticket>"`);
    },
  },
  {
    name: "protected-accounts",
    description: "The accounts configured in `accounts` are never invalidated.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: { accounts: { type: "array", items: { type: "string" }, default: [] } },
    },
    validateResource: (args, reportViolation) => {
      const t = tokenOf(args.type, args.props);
      const { accounts } = /** @type {{ accounts: string[] }} */ (args.getConfig());
      if (t && t.valid === false && accounts.includes(t.accountId))
        reportViolation(
          `account ${safe(t.accountId)} is protected (policy config protected-accounts.accounts) and must not be invalidated; declare it valid: true or remove it from the list`,
        );
    },
  },
  {
    name: "max-links-cut",
    description: "One run unlinks at most `maxLinks` agency links in all; the tokens past the cap are named.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: { maxLinks: { type: "integer", minimum: 0, default: 50 } },
    },
    validateResource: (args, reportViolation) => {
      const t = tokenOf(args.type, args.props);
      if (t?.valid !== false) return;
      const { maxLinks } = /** @type {{ maxLinks: number }} */ (args.getConfig());
      if (t.links === undefined) {
        if (t.path === "native")
          reportViolation(
            `cannot count the agency links cut from account ${safe(t.accountId)}: the native plugin's inputs do not show them; declare expectAgencies: [...] (checked against the live account) so the cap of ${maxLinks} can be held`,
          );
        return;
      }
      counted.set(args.urn, t.links.length);
      let total = 0;
      for (const n of counted.values()) total += n;
      if (total > maxLinks && t.links.length > 0) {
        const over = Math.min(t.links.length, total - maxLinks);
        reportViolation(
          `this run would cut ${total} agency links, over the cap of ${maxLinks} (policy config max-links-cut.maxLinks); account ${safe(t.accountId)} is past it by ${over}: ${t.links.map(safe).join(", ")}. Split the offboarding over runs, or raise the cap`,
        );
      }
    },
  },
];

new PolicyPack("marin-social", { policies });

module.exports = { tokenOf };
