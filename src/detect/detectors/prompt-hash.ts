/**
 * A 32-bit FNV-1a fingerprint of a prompt, never 0 (detectors use 0 for an empty slot in their hash tables). Used to
 * spot exact repeats, which are counter-evidence (a re-run evaluation suite, a developer testing the same prompt),
 * not to compare prompts by meaning. `maxChars` bounds the cost on very long prompts.
 */
export function promptHash(text: string, maxChars = text.length): number {
  // Several detectors hash the same event's prompt one after another: a one-slot memo makes that one pass.
  const end = Math.min(text.length, maxChars);
  if (end === lastEnd && text === lastText) return lastHash;
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  lastText = text;
  lastEnd = end;
  lastHash = h >>> 0 || 1;
  return lastHash;
}

let lastText = '';
let lastEnd = -1;
let lastHash = 1;
