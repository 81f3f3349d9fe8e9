/**
 * Byte ↔ text helpers for MIME decoding. Mail declares many charsets (iso-8859-1, windows-1252, big5, koi8-r …);
 * Node's full-ICU TextDecoder knows most of them, and anything it does not know falls back to Latin-1 so a bad
 * label never loses the message.
 */

/** Decodes `bytes` in the declared `charset`; unknown or missing labels decode as Latin-1 (one char per byte). */
export function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  const label = (charset ?? '').trim().toLowerCase();
  if (label !== '' && label !== 'us-ascii') {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // An unknown label: fall through to Latin-1, which maps every byte to some character.
    }
  }
  return Buffer.from(bytes).toString('latin1');
}

/** Base64 (RFC 2045 §6.8) to bytes; white space and stray characters are ignored, as mail readers do. */
export function base64Bytes(encoded: string): Uint8Array {
  return new Uint8Array(Buffer.from(encoded.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
}

/** The bytes of a run of `=XX` escapes, e.g. `=C3=A9` → [0xc3, 0xa9]. */
export function hexEscapeBytes(run: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i + 3 <= run.length; i += 3) {
    if (run[i] !== '=') break;
    bytes.push(Number.parseInt(run.slice(i + 1, i + 3), 16));
  }
  return new Uint8Array(bytes);
}
