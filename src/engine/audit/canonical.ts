// The canonical JSON an audit entry's hash is taken over: object keys sorted (by UTF-16 code units, as
// Array.prototype.sort does), no whitespace, numbers and strings as JSON.stringify writes them. The same value
// always gives the same text, whatever order its keys were built in, so the hash can be recomputed from the
// stored columns.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`canonical JSON has no ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`).join(',')}}`;
}
