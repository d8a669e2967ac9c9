/** What the plugin tells of the run that started it: `--continue-on-error` from the CLI's arguments or environment. */
import { describe, expect, it } from "vitest";
import { continuesOnError } from "../../provider/plugin/run-options";

describe("continuesOnError", () => {
  it("reads the flag from the CLI's arguments, which win over PULUMI_CONTINUE_ON_ERROR", () => {
    const up = ["/x/pulumi", "up", "--yes"];
    expect(continuesOnError({}, [...up, "--continue-on-error"])).toBe(true);
    expect(continuesOnError({}, [...up, "--continue-on-error=true"])).toBe(true);
    expect(continuesOnError({ PULUMI_CONTINUE_ON_ERROR: "true" }, [...up, "--continue-on-error=false"])).toBe(false);
    expect(continuesOnError({ PULUMI_CONTINUE_ON_ERROR: "true" }, up)).toBe(true);
    expect(continuesOnError({}, up)).toBe(false);
  });

  it("says it cannot tell when the arguments cannot be read, unless the environment turns it on", () => {
    expect(continuesOnError({}, null)).toBeUndefined();
    expect(continuesOnError({ PULUMI_CONTINUE_ON_ERROR: "false" }, null)).toBeUndefined();
    expect(continuesOnError({ PULUMI_CONTINUE_ON_ERROR: "1" }, null)).toBe(true);
  });
});
