import assert from "node:assert/strict";
import { test } from "node:test";
import { maxTypedChars, normalizeNewlines, typeablePrefix } from "./typing";

// Every printable ASCII character, and Tab.
const ascii = "\t" + Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join("");

test("typeablePrefix", () => {
  const cases: Array<[string, number]> = [
    ["", 0],
    ["root\n", 5],
    [ascii, ascii.length],
    ["héllo", 1],
    ["line\r\n", 4], // callers normalize first
    ["😀", 0],
    ["a\u0000b", 1],
    ["x".repeat(maxTypedChars + 10), maxTypedChars],
  ];
  for (const [text, want] of cases) assert.equal(typeablePrefix(text), want, JSON.stringify(text.slice(0, 20)));
});

test("normalizeNewlines", () => {
  assert.equal(normalizeNewlines("a\r\nb\rc\nd"), "a\nb\nc\nd");
  assert.equal(normalizeNewlines("\r\n\r\n"), "\n\n");
});
