/**
 * The CLI's text table: columns line up in terminal columns whatever the names hold (East Asian
 * wide characters, emoji sequences, combining marks, zero-width characters), and control or bidi
 * characters in user data are shown as escapes instead of acting on the terminal.
 */
import { describe, expect, it } from "vitest";
import { renderTable, visible } from "../../provider/cli/table";
import { displayWidth } from "../../provider/core/width";

describe("displayWidth", () => {
  it.each([
    ["", 0],
    ["Acme Coffee", 11],
    ["東京カフェ", 10], // CJK ideographs and katakana: wide
    ["ＡＢＣ", 6], // fullwidth Latin
    ["ｶﾌｪ", 3], // halfwidth katakana: narrow
    ["한국", 4], // Hangul syllables
    ["\u1112\u1161\u11ab", 2], // the same syllable as Jamo: one cluster, initial consonant wide
    ["Cafe\u0301", 4], // e + combining acute
    ["Ṩ", 1], // precomposed
    ["S\u0323\u0307", 1], // two combining marks on one base
    ["👍", 2],
    ["👍🏽", 2], // skin tone modifier
    ["👨‍👩‍👧", 2], // ZWJ family sequence
    ["🇯🇵", 2], // flag: regional indicator pair
    ["❤", 1], // text presentation by default
    ["❤️", 2], // VS16 asks for emoji presentation
    ["1️⃣", 2], // keycap
    ["☕", 2], // emoji presentation by default
    ["a\u200bb", 2], // zero-width space
    ["\ufeff", 0], // byte order mark
    ["𠮷野家", 6], // an ideograph outside the BMP (plane 2)
  ])("%j takes %i columns", (s, width) => {
    expect(displayWidth(s)).toBe(width);
  });
});

describe("renderTable", () => {
  /** The terminal column where `marker` starts on `line`. */
  const columnOf = (line: string, marker: string) => displayWidth(line.slice(0, line.indexOf(marker)));

  it("lines up every column in terminal columns, with wide, emoji and combining names in any row", () => {
    const names = ["Acme Coffee", "東京カフェ", "Café ☕ Ünïcödé", "🇯🇵 👨‍👩‍👧 ❤️", "Cafe\u0301 Bleu", "한국 베이커리", "ＡＢＣ Ltd", "ｶﾌｪ"];
    const table = renderTable(
      ["ACCOUNT", "NAME", "LIVE", "ACTION"],
      names.map((name, i) => [`fb-${1000 + i}`, name, `live-${i}`, `act-${i}`]),
    );
    const lines = table.split("\n");
    expect(lines).toHaveLength(names.length + 1);
    for (const [marker, header] of [
      ["live-", "LIVE"],
      ["act-", "ACTION"],
    ] as const) {
      const at = columnOf(lines[0]!, header);
      for (const line of lines.slice(1)) expect(columnOf(line, marker), `${line}\n${lines[0]}`).toBe(at);
    }
  });

  it("shows control and bidi characters in cells as escapes: no cursor moves, colours, line breaks or reordering", () => {
    const hostile = ["Evil\x1b[31m Red", "two\nlines", "tab\there", "bell\x07", "\u202eevil", "c1\u009bx", "lone \ud800 half"];
    const table = renderTable(
      ["ACCOUNT", "NAME", "END"],
      hostile.map((name, i) => [`fb-${i}`, name, "|"]),
    );
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(table).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    const lines = table.split("\n");
    expect(lines).toHaveLength(hostile.length + 1);
    expect(table).toContain("Evil\\u001b[31m Red");
    expect(table).toContain("two\\u000alines");
    expect(table).toContain("\\u202eevil");
    expect(table).toContain("lone \\ud800 half");
    const at = columnOf(lines[0]!, "END");
    for (const line of lines.slice(1)) expect(columnOf(line, "|")).toBe(at);
  });

  it("leaves printable text, emoji joiners and combining marks alone", () => {
    for (const s of ["Acme Coffee", "東京カフェ", "👨‍👩‍👧", "Cafe\u0301", "a\u200bb"]) expect(visible(s)).toBe(s);
  });
});
