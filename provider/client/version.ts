/**
 * The package version, for the User-Agent header.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

function readVersion(): string {
  // provider/client/version.ts and dist/client/version.js both sit two levels below package.json.
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { name?: unknown; version?: unknown };
    if (pkg.name === "pulumi-marin-social" && typeof pkg.version === "string") return pkg.version;
  } catch {
    // Fall through: a bundled or unusual layout.
  }
  return "0.0.0";
}

/** This package's version from its package.json ("0.0.0" if it cannot be read). */
export const VERSION: string = readVersion();

/** The product token sent in every User-Agent: `pulumi-marin-social/<version>`. */
export const USER_AGENT = `pulumi-marin-social/${VERSION}`;
