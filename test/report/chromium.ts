/**
 * Headless Chromium for the report tests: Debian's /usr/bin/chromium driven by playwright-core,
 * with the flags this closed network needs, a fresh profile, and every request that is not a
 * file: or data: URL refused and recorded.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Where Debian installs Chromium (`scripts/ensure-chromium.sh` installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** True under CI, where a missing Chromium is a failure, not a skip. */
export const IN_CI = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";

/** Why the browser tests are skipped, or undefined when they run. */
export const SKIP_REASON =
  existsSync(CHROMIUM) || IN_CI
    ? undefined
    : `skipped: Chromium is not installed at ${CHROMIUM} and CI is not set. Install it with scripts/ensure-chromium.sh (as root).`;

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser with an empty profile; `requests` lists every URL a page tried that was not file: or data:. */
export interface Browser {
  context: BrowserContext;
  requests: string[];
  /** A new page with requests intercepted and page errors recorded in `errors`. */
  page(): Promise<Page & { errors: string[] }>;
  close(): Promise<void>;
}

/** Launches Chromium; throws, saying how to install it, when it is missing. */
export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM} (CI=${process.env.CI}): run scripts/ensure-chromium.sh before the tests.`);
  }
  const profile = mkdtempSync(path.join(tmpdir(), "marin-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 900 },
  });
  const requests: string[] = [];
  await context.route("**", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  return {
    context,
    requests,
    async page() {
      const page = (await context.newPage()) as Page & { errors: string[] };
      page.errors = [];
      page.on("pageerror", (e) => page.errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") page.errors.push(m.text());
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
