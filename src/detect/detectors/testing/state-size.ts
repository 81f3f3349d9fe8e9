/**
 * Measures a detector state's footprint for the "bounded state" tests: typed arrays by byteLength, numbers as 8
 * bytes, strings as 2 bytes a character, plus 16 bytes per object/array/map entry for headers and slots. An
 * approximation of V8's layout, but monotone in what the state holds, which is what a bound test needs.
 */
export function approximateBytes(value: unknown, seen = new Set<object>()): number {
  if (value === null || value === undefined) return 8;
  if (typeof value === 'number' || typeof value === 'boolean') return 8;
  if (typeof value === 'string') return 16 + value.length * 2;
  if (typeof value !== 'object') return 8;
  if (seen.has(value)) return 8;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return 64 + value.byteLength;
  let bytes = 16;
  if (value instanceof Map) {
    for (const [k, v] of value) bytes += 16 + approximateBytes(k, seen) + approximateBytes(v, seen);
    return bytes;
  }
  if (value instanceof Set) {
    for (const v of value) bytes += 16 + approximateBytes(v, seen);
    return bytes;
  }
  for (const v of Object.values(value)) bytes += 8 + approximateBytes(v, seen);
  return bytes;
}
