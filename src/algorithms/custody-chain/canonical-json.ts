/**
 * Canonical JSON after RFC 8785 (JSON Canonicalization Scheme): one byte sequence per JSON value,
 * so that a hash or signature over it can be recomputed by anyone holding the same data, in any
 * language, without trusting how it was stored (the database keeps `data` as JSON text and hands
 * back a re-parsed object with keys in whatever order).
 *
 * - Objects: members sorted by key, compared as UTF-16 code units (RFC 8785 §3.2.3); no whitespace.
 * - Numbers: ECMAScript Number-to-String (RFC 8785 §3.2.2.3), which is what `JSON.stringify`
 *   prints; `-0` becomes `0`. NaN and ±Infinity have no JSON form and are refused.
 * - Strings: `JSON.stringify`'s escaping, which is RFC 8785 §3.2.2.2's (the two-character escapes,
 *   `\u00xx` in lowercase hex for other controls, everything else verbatim). One departure: RFC 8785
 *   requires I-JSON input and so refuses lone surrogates; here they are escaped as `\udxxx`
 *   (ES2019 well-formed `JSON.stringify`). Scraped text can carry them, and refusing would make
 *   recording a capture's custody fail; the escape keeps the output well-formed and deterministic.
 * - Refused, because the stored JSON could not reproduce them and the hash would silently cover
 *   something else: `undefined` (anywhere, including as a member value, which `JSON.stringify`
 *   would drop), functions, symbols, bigints, symbol keys, array holes, cycles, and objects other
 *   than plain ones and arrays (a `Date` or `Uint8Array` has no single JSON form).
 */

export class CanonicalJsonError extends Error {
  /** Where the refused value sits, as `$`, `$.data.size`, `$.list[3]`. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'CanonicalJsonError';
    this.path = path;
  }
}

/**
 * The RFC 8785 canonical form of a JSON value.
 *
 * @example
 * canonicalJson({ b: [1, 'x'], a: { d: -0, c: 1e21 } }); // '{"a":{"c":1e+21,"d":0},"b":[1,"x"]}'
 * @throws CanonicalJsonError for a value with no JSON form (see the module comment).
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '$', new Set());
}

function compareUtf16(a: string, b: string): number {
  // `<` on strings compares UTF-16 code units, exactly RFC 8785 §3.2.3's order (not `localeCompare`).
  return a < b ? -1 : a > b ? 1 : 0;
}

function serialize(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `${value} has no JSON form`);
      return JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      return serializeContainer(value, path, ancestors);
    default:
      throw new CanonicalJsonError(path, `a ${typeof value} has no JSON form`);
  }
}

function serializeContainer(value: object, path: string, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw new CanonicalJsonError(path, 'cycle');
  ancestors.add(value);
  let out: string;
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) throw new CanonicalJsonError(`${path}[${i}]`, 'array hole');
      parts.push(serialize(value[i], `${path}[${i}]`, ancestors));
    }
    out = `[${parts.join(',')}]`;
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new CanonicalJsonError(path, `a ${value.constructor?.name ?? 'non-plain'} object has no single JSON form`);
    }
    if (Object.getOwnPropertySymbols(value).length > 0) throw new CanonicalJsonError(path, 'symbol keys have no JSON form');
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort(compareUtf16)
      .map((key) => `${JSON.stringify(key)}:${serialize(record[key], `${path}.${key}`, ancestors)}`);
    out = `{${members.join(',')}}`;
  }
  ancestors.delete(value);
  return out;
}
