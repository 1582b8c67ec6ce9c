/**
 * Encrypts each account's serialized token cache before it goes into the session (AES-256-GCM from
 * node:crypto). The envelope names its key id, so keys form a ring: the first encrypts, all decrypt,
 * and a new key can be added and an old one retired without signing everyone out. The account's
 * homeAccountId is authenticated data: a blob moved into another account's session does not open.
 * Without keys (local development only) the cache is stored as is.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { TokenCacheKey } from "../config/settings.js";
import { CorruptTokenCacheError } from "../errors.js";
import { MAX_SERIALIZED_CACHE_BYTES } from "./tokenCacheSize.js";

const VERSION = "tc1";
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

export function createTokenCacheCipher(keys: readonly TokenCacheKey[]): TokenCacheCipher {
  const current = keys[0];
  if (!current) {
    return {
      encrypts: false,
      seal: (serialized) => serialized,
      open: (stored) => {
        if (typeof stored !== "string") throw new CorruptTokenCacheError("not a string");
        if (stored.startsWith(`${VERSION}.`))
          throw new CorruptTokenCacheError("encrypted, but no key is configured");
        return stored;
      },
    };
  }
  const byId = new Map(keys.map((key) => [key.id, key.secret]));
  const aad = (keyId: string, homeAccountId: string) => Buffer.from(`${VERSION}|${keyId}|${homeAccountId}`);

  return {
    encrypts: true,
    seal(serialized, homeAccountId) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", current.secret, iv);
      cipher.setAAD(aad(current.id, homeAccountId));
      const ciphertext = Buffer.concat([cipher.update(serialized, "utf8"), cipher.final()]);
      const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString("base64url"));
      return [VERSION, current.id, ...parts].join(".");
    },
    open(stored, homeAccountId) {
      if (typeof stored !== "string") throw new CorruptTokenCacheError("not a string");
      if (stored.length > MAX_ENVELOPE_LENGTH) throw new CorruptTokenCacheError("too large");
      const [version, keyId, iv, ciphertext, tag, ...rest] = stored.split(".");
      if (version !== VERSION || !keyId || !iv || ciphertext === undefined || !tag || rest.length > 0) {
        throw new CorruptTokenCacheError("not an encrypted cache");
      }
      const secret = byId.get(keyId);
      if (!secret) throw new CorruptTokenCacheError(`encrypted with an unknown key "${keyId.slice(0, 32)}"`);
      try {
        const decipher = createDecipheriv("aes-256-gcm", secret, Buffer.from(iv, "base64url"));
        decipher.setAAD(aad(keyId, homeAccountId));
        const tagBytes = Buffer.from(tag, "base64url");
        if (tagBytes.length !== TAG_BYTES) throw new Error("bad tag length");
        decipher.setAuthTag(tagBytes);
        // Decoded and decrypted in one pass, to text directly (the decoder keeps split UTF-8 whole).
        return decipher.update(ciphertext, "base64url", "utf8") + decipher.final("utf8");
      } catch {
        throw new CorruptTokenCacheError("does not decrypt (wrong key, wrong account or tampered)");
      }
    },
  };
}
