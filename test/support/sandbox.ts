/** A sandbox plus an admin client, for tests that need the real API. */
import { MarinSocialClient } from "../../provider/client";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../provider/sandbox";

/** A running sandbox with an admin client; `close()` stops both. */
export interface TestSandbox {
  sandbox: Sandbox;
  url: string;
  admin: MarinSocialClient;
  close(): Promise<void>;
}

/** Starts a sandbox on port 0 (demo seed unless told otherwise) and an admin client for it. */
export async function testSandbox(opts: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({ port: 0, ...opts });
  const admin = new MarinSocialClient({ baseUrl: sandbox.url, apiKey: sandbox.keys.admin, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
  return {
    sandbox,
    url: sandbox.url,
    admin,
    async close() {
      await admin.close();
      await sandbox.close();
    },
  };
}

/** Counts of the audit log by action, for one account or all. */
export async function auditCounts(admin: MarinSocialClient, accountId?: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const e of await admin.audit(accountId ? { accountId } : {})) counts[e.action] = (counts[e.action] ?? 0) + 1;
  return counts;
}
