/** The property boundary: secrets unwrapped once and remembered by top-level key, unknowns kept. */

import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { describe, expect, it } from "vitest";
import { decode, encode } from "../../provider/plugin/wire";
import { SECRET, secret, UNKNOWN } from "./support";

const s = (v: Record<string, unknown>) => Struct.fromJavaScript(v as never);

describe("decode", () => {
  it("unwraps secrets at any depth and remembers the top-level key that held one", () => {
    const d = decode(s({ a: secret("x"), b: [1, secret(2)], c: { d: { e: secret(true) } }, f: "plain" }));
    expect(d.values).toEqual({ a: "x", b: [1, 2], c: { d: { e: true } }, f: "plain" });
    expect([...d.secrets].sort()).toEqual(["a", "b", "c"]);
  });

  it("keeps unknowns as the engine's marker, and an absent Struct is empty", () => {
    expect(decode(s({ a: UNKNOWN, b: [UNKNOWN] })).values).toEqual({ a: UNKNOWN, b: [UNKNOWN] });
    expect(decode(undefined)).toEqual({ values: {}, secrets: new Set() });
  });

  it("refuses a wire value of a kind it declined (a resource reference), naming where", () => {
    const ref = { "4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:x" };
    expect(() => decode(s({ list: [ref] }))).toThrow(/list\[0\]: the engine sent a value of kind 5cf8f73096256a8f31e491e813e4eb8e/);
  });
});

describe("encode", () => {
  it("wraps the named keys as secrets (never an unknown) and leaves undefined out", () => {
    const out = encode({ a: "x", b: undefined, c: [1, undefined], d: UNKNOWN, e: { f: undefined, g: 1 } }, ["a", "d"]).toJavaScript();
    expect(out).toEqual({ a: { ...SECRET, value: "x" }, c: [1, null], d: UNKNOWN, e: { g: 1 } });
  });

  it("round-trips with decode", () => {
    const values = { accountId: "fb-1", reason: "r", agencies: [{ id: "a", name: "A" }] };
    const d = decode(encode(values, ["reason"]));
    expect(d).toEqual({ values, secrets: new Set(["reason"]) });
  });
});
