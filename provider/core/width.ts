/**
 * How many terminal columns a string takes (the CLI's tables; the report's labels use the same
 * rules to tell wide characters): per grapheme cluster (as
 * `Intl.Segmenter` splits it, so an emoji sequence or a letter with its accents is one unit),
 * 2 for East Asian Wide and Fullwidth characters and for emoji shown as emoji, 0 for a cluster
 * of only combining or invisible marks, 1 otherwise.
 *
 * Written here rather than taken from `string-width` (MIT): its maintained versions are ES
 * modules, which this CommonJS package can load only asynchronously on every Node it supports
 * (`require` of an ES module needs Node 20.19 or 22.12), and version 4, the last CommonJS one,
 * is no longer updated (emoji-regex 8: Unicode 12). This needs no dependency: emoji come from
 * the running Node's own Unicode data (`\p{Emoji_Presentation}`), and the East Asian Width
 * table below is Unicode's W and F classes without the emoji, ranges merged across unassigned
 * code points (made from Python's `unicodedata.east_asian_width`, Unicode 14; the ideograph
 * planes are wide as a whole, as EastAsianWidth.txt defaults them).
 */

/** East Asian Wide (W) and Fullwidth (F) code points that are not emoji: [first, last] pairs. */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo initial consonants
  [0x2329, 0x232a], // angle brackets
  [0x2e80, 0x303e], // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
  [0x3041, 0x3247], // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, Kanbun, CJK strokes, enclosed
  [0x3250, 0x4dbf], // enclosed CJK, CJK compatibility, CJK extension A
  [0x4e00, 0xa4c6], // CJK unified ideographs, Yi
  [0xa960, 0xa97c], // Hangul Jamo extended A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe6b], // CJK compatibility forms, small form variants
  [0xff01, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6], // fullwidth signs
  [0x16fe0, 0x1b2fb], // ideographic symbols, Tangut, Khitan, Nushu, Kana supplement and extensions
  [0x1f200, 0x1f265], // enclosed ideographic supplement
  [0x20000, 0x3fffd], // CJK extensions B and later (planes 2 and 3)
];

/** Emoji shown as emoji: by default (flags and skin tones too), with VS16 (U+FE0F), or as a keycap. */
const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\ufe0f|\ufe0f\u20e3/u;

/** Starts with a mark that takes no column of its own: combining, enclosing, format, control, Hangul medial or final Jamo. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}\u1160-\u11ff]/u;

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [first, last] = WIDE[mid]!;
    if (cp < first) hi = mid - 1;
    else if (cp > last) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The columns one grapheme cluster takes: 0, 1 or 2. */
export function clusterWidth(g: string): number {
  if (EMOJI.test(g) && !g.includes("\ufe0e")) return 2;
  const base = [...g].find((c) => !ZERO_WIDTH.test(c));
  if (base === undefined) return 0;
  return isWide(base.codePointAt(0)!) ? 2 : 1;
}

/** The number of terminal columns `s` takes (see the file's comment for the rules). */
export function displayWidth(s: string): number {
  if (/^[\x20-\x7e]*$/.test(s)) return s.length;
  let w = 0;
  for (const { segment } of segmenter.segment(s)) w += clusterWidth(segment);
  return w;
}
