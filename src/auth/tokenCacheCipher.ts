/**
 * Encrypts each account's serialized token cache before it goes into the session: raw DEFLATE, then
 * AES-256-GCM (node:crypto). Compression shrinks the stored envelope by about 45 % for some 60 µs of
 * CPU per seal and open (bench/compression.ts). The envelope names its version and key id: keys form
 * a ring (the first encrypts, all decrypt), so a key can be added and an old one retired without
 * signing everyone out; "tc2" is compressed, "tc1" (written before compression) still opens. The
 * version and the account's homeAccountId are authenticated data: a blob moved into another
 * account's session does not open. Only authenticated data is decompressed, never beyond the largest
 * cache. Without keys (local development only) the cache is stored as is.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { TokenCacheKey } from "../config/settings.js";
import { CorruptTokenCacheError } from "../errors.js";
import { MAX_SERIALIZED_CACHE_BYTES } from "./tokenCacheSize.js";

/** Raw DEFLATE, then AES-256-GCM: what seal writes (unless compression is off, TOKEN_CACHE_COMPRESSION). */
const COMPRESSED = "tc2";
/** AES-256-GCM of the UTF-8 text: written before compression, and while it is off; always opened. */
const UNCOMPRESSED = "tc1";
/** The fastest level: higher ones save under 1 % more of these caches and cost more CPU. */
const DEFLATE_LEVEL = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Checked before any decoding: base64url grows data by 4/3, plus the envelope's small header. */
const MAX_ENVELOPE_LENGTH = Math.ceil((MAX_SERIALIZED_CACHE_BYTES * 4) / 3) + 256;

export interface TokenCacheCipher {
  readonly encrypts: boolean;
  seal(serializedCache: string, homeAccountId: string): string;
  /** Throws CorruptTokenCacheError for anything that is not an envelope this ring can open. */
  open(stored: unknown, homeAccountId: string): string;
}

export function createTokenCacheCipher(
  keys: readonly TokenCacheKey[],
  options: { compress: boolean } = { compress: true },
): TokenCacheCipher {
  const current = keys[0];
  if (!current) {
    return {
      encrypts: false,
      seal: (serialized) => serialized,
      open: (stored) => {
        if (typeof stored !== "string") throw new CorruptTokenCacheError("not a string");
        if (stored.startsWith(`${COMPRESSED}.`) || stored.startsWith(`${UNCOMPRESSED}.`))
          throw new CorruptTokenCacheError("encrypted, but no key is configured");
        return stored;
      },
    };
  }
  const byId = new Map(keys.map((key) => [key.id, key.secret]));
  const aad = (version: string, keyId: string, homeAccountId: string) =>
    Buffer.from(`${version}|${keyId}|${homeAccountId}`);

  return {
    encrypts: true,
    seal(serialized, homeAccountId) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", current.secret, iv);
      const version = options.compress ? COMPRESSED : UNCOMPRESSED;
      cipher.setAAD(aad(version, current.id, homeAccountId));
      const plaintext = options.compress
        ? deflateRawSync(serialized, { level: DEFLATE_LEVEL })
        : Buffer.from(serialized, "utf8");
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString("base64url"));
      return [version, current.id, ...parts].join(".");
    },
    open(stored, homeAccountId) {
      if (typeof stored !== "string") throw new CorruptTokenCacheError("not a string");
      if (stored.length > MAX_ENVELOPE_LENGTH) throw new CorruptTokenCacheError("too large");
      const [version, keyId, iv, ciphertext, tag, ...rest] = stored.split(".");
      const known = version === COMPRESSED || version === UNCOMPRESSED;
      if (!known || !keyId || !iv || ciphertext === undefined || !tag || rest.length > 0) {
        throw new CorruptTokenCacheError("not an encrypted cache");
      }
      const secret = byId.get(keyId);
      if (!secret) throw new CorruptTokenCacheError(`encrypted with an unknown key "${keyId.slice(0, 32)}"`);
      let compressed: Buffer;
      try {
        const decipher = createDecipheriv("aes-256-gcm", secret, Buffer.from(iv, "base64url"));
        decipher.setAAD(aad(version, keyId, homeAccountId));
        const tagBytes = Buffer.from(tag, "base64url");
        if (tagBytes.length !== TAG_BYTES) throw new Error("bad tag length");
        decipher.setAuthTag(tagBytes);
        // Decoded and decrypted in one pass, to text directly (the decoder keeps split UTF-8 whole).
        if (version === UNCOMPRESSED)
          return decipher.update(ciphertext, "base64url", "utf8") + decipher.final("utf8");
        // Kept whole until final() has checked the tag: nothing unauthenticated is decompressed.
        compressed = Buffer.concat([decipher.update(ciphertext, "base64url"), decipher.final()]);
      } catch {
        throw new CorruptTokenCacheError("does not decrypt (wrong key, wrong account or tampered)");
      }
      try {
        return inflateRawSync(compressed, { maxOutputLength: MAX_SERIALIZED_CACHE_BYTES }).toString("utf8");
      } catch {
        throw new CorruptTokenCacheError("does not decompress (not DEFLATE, or larger than a cache may be)");
      }
    },
  };
}
