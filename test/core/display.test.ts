/** The one server-text sanitizer: nothing that acts survives, the rest is kept. Fixed seed. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { displayText } from "../../provider/core/display";
import { seeded } from "../report/reports";

const ACTING = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

describe("displayText", () => {
  it("writes every control, bidi control, line or paragraph separator and lone surrogate as \\uXXXX", () => {
    const hostile = "a\u001b[2J\u0000b\r\nc\u0085d\u009be\u202ef\u2066g\u2069h\u200ei\u061cj\u2028k\u2029l\ud800m\u007f";
    expect(displayText(hostile)).toBe(
      "a\\u001b[2J\\u0000b\\u000d\\u000ac\\u0085d\\u009be\\u202ef\\u2066g\\u2069h\\u200ei\\u061cj\\u2028k\\u2029l\\ud800m\\u007f",
    );
  });

  it("keeps printable text (emoji, joiners, combining marks, CJK) and is idempotent", () => {
    for (const s of ["Acme Coffee", "東京カフェ", "👨‍👩‍👧", "Cafe\u0301", "a\u200bb", "C:\\path"]) expect(displayText(s)).toBe(s);
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
        const safe = displayText(s);
        expect(safe).not.toMatch(ACTING);
        expect(displayText(safe)).toBe(safe);
      }),
      seeded("displayText", 1601, 500),
    );
  });
});
