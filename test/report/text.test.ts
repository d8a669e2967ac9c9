/** Escaping and fitting labels: properties over hostile text, with fixed seeds. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { displayWidth } from "../../provider/core/width";
import { emWidth, escapeHtml, fit, printable } from "../../provider/report/text";
import { arbName, seeded } from "./reports";

const graphemes = (s: string) => [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment(s)].map((x) => x.segment);

describe("escapeHtml", () => {
  it("leaves no markup character, and keeps the rest", () => {
    fc.assert(
      fc.property(arbName, (s) => {
        const e = escapeHtml(s);
        expect(e).not.toMatch(/[<>"']|&(?!(amp|lt|gt|quot|#39);)/);
        expect(e.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ({ "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" })[m]!)).toBe(printable(s));
      }),
      seeded("escapeHtml", 1401, 300),
    );
  });

  it("writes controls, bidi controls, line breaks and lone surrogates as \\uXXXX, and noncharacters as U+FFFD", () => {
    expect(printable("a\u0000b\u001bc\u007f\u0085d\ufffe\ud800e\udc00f")).toBe("a\\u0000b\\u001bc\\u007f\\u0085d\ufffd\\ud800e\\udc00f");
    expect(printable("tab\there\nnew 😀 東京 \u202eRLO\u2066x\u2028")).toBe("tab\\u0009here\\u000anew 😀 東京 \\u202eRLO\\u2066x\\u2028");
    expect(escapeHtml("\u202e<b>")).toBe("\\u202e&lt;b&gt;");
  });
});

describe("fit", () => {
  it("cuts between graphemes, to at most the width asked, and ends with an ellipsis only when it cut", () => {
    fc.assert(
      fc.property(arbName, fc.integer({ min: 2, max: 40 }), (s, max) => {
        const f = fit(s, max);
        if (f === s) {
          expect(emWidth(s)).toBeLessThanOrEqual(max);
          return;
        }
        expect(f.endsWith("…")).toBe(true);
        expect(emWidth(f)).toBeLessThanOrEqual(max + 0.5);
        const kept = graphemes(f.slice(0, -1));
        expect(graphemes(s).slice(0, kept.length).join("").trimEnd()).toBe(kept.join(""));
      }),
      seeded("fit", 1402, 300),
    );
  });

  it("counts wide characters and emoji wider than Latin letters", () => {
    expect(emWidth("東京カフェ")).toBeGreaterThan(emWidth("Tokyo"));
    expect(fit("👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦", 3)).toBe("👩‍👩‍👧‍👦…");
  });
});

describe("emWidth", () => {
  it("tells wide characters by the same rules as the CLI's display width", () => {
    // Wide in a terminal, and so wide in a label: CJK, Tangut, Hangul Jamo extended A, vertical forms, emoji.
    for (const wide of ["東", "カ", "\u{17000}", "\ua960", "\ufe10", "😀", "👩‍💻"]) {
      expect(displayWidth(wide), wide).toBe(2);
      expect(emWidth(wide), wide).toBe(emWidth("東"));
    }
    // Narrow although pictographic (text presentation), and marks that add no column of their own.
    expect(displayWidth("©")).toBe(1);
    expect(emWidth("©")).toBeLessThan(emWidth("東"));
    expect(emWidth("e\u0301")).toBe(emWidth("e"));
    expect(emWidth("東京カフェ")).toBeCloseTo(5 * emWidth("東"));
  });
});
