/**
 * Store keys as lowercase hex, for backends whose names must be safe by construction (file
 * names, memcached keys): 64 characters of `[0-9a-f]`, whatever the input was (BI-16..19, BI-27).
 */

const KEY = /^[A-Za-z0-9_-]{43}$/

/**
 * The lowercase hex form of a store key (64 characters), or null unless `key` is a canonical
 * 43-character base64url encoding of 32 bytes. Non-canonical spellings (other trailing bits)
 * are refused, so two keys can never share a name.
 */
export function keyToHex(key: unknown): string | null {
  if (typeof key !== 'string' || !KEY.test(key)) return null
  const bytes = Buffer.from(key, 'base64url')
  if (bytes.length !== 32 || bytes.toString('base64url') !== key) return null
  return bytes.toString('hex')
}

/** The store key of a hex name. */
export function hexToKey(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url')
}
