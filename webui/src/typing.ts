// Text typed as key presses, for guests without an agent (firmware,
// installers, login screens). Go does the typing (GoSession.typeText); the
// page decides what it sends, so that it can say what was typed even when
// the client runs in a worker and Go's answer would come too late.

/** Go types at most this many characters per call (GoSession.typeText). */
export const maxTypedChars = 4096;

/** "\r\n" and lone "\r" as "\n": what the contract's text uses. */
export function normalizeNewlines(s: string): string {
  return s.replace(/\r\n?/g, "\n");
}

/**
 * How many leading characters of text a US keyboard types: printable
 * ASCII, "\n" (Enter) and "\t" (Tab), at most maxTypedChars. Typing stops
 * at the first other character rather than skipping it, so that what
 * arrives is a prefix of what the user gave and nothing in between is lost
 * silently.
 */
export function typeablePrefix(text: string): number {
  const n = Math.min(text.length, maxTypedChars);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x20 && c <= 0x7e) || c === 0x0a || c === 0x09)) return i;
  }
  return n;
}
