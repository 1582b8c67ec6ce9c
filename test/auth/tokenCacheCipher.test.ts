/**
 * The token cache cipher on its own: compressed envelopes ("tc2") round-trip every cache shape, the
 * uncompressed envelopes written before them ("tc1", built here with node:crypto as the old code
 * built them) still open, and every hostile envelope — tampered, truncated, relabelled, a
 * decompression bomb, or a validly encrypted payload that is not DEFLATE — is a CorruptTokenCacheError.
 */
import assert from "node:assert/strict";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { createTokenCacheCipher } from "../../src/auth/tokenCacheCipher.js";
import { MAX_SERIALIZED_CACHE_BYTES } from "../../src/auth/tokenCacheSize.js";
import type { TokenCacheKey } from "../../src/config/settings.js";
import { CorruptTokenCacheError } from "../../src/errors.js";

const keyA: TokenCacheKey = { id: "key-a", secret: Buffer.alloc(32, 1) };
const keyB: TokenCacheKey = { id: "key-b", secret: Buffer.alloc(32, 2) };
const HOME = "4f3c9a2e-6b1d-4c8e-9f70-1a2b3c4d5e01.7d3f6a41-2c8e-4b95-a0d6-3e1f5b9c8a24";
const OTHER_HOME = "5a4d0b3f-7c2e-4d9f-8a81-2b3c4d5e6f02.7d3f6a41-2c8e-4b95-a0d6-3e1f5b9c8a24";

/** An envelope as the cipher builds one, from any payload: how old entries and hostile ones are made. */
function envelope(version: string, key: TokenCacheKey, homeAccountId: string, payload: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.secret, iv);
  cipher.setAAD(Buffer.from(`${version}|${key.id}|${homeAccountId}`));
  const ciphertext = Buffer.concat([cipher.update(payload), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString("base64url"));
  return [version, key.id, ...parts].join(".");
}

/** What the cipher wrote before compression: AES-256-GCM of the UTF-8 text, version "tc1". */
const sealedTheOldWay = (serialized: string, key = keyA, home = HOME) =>
  envelope("tc1", key, home, Buffer.from(serialized, "utf8"));

const token = (length: number) => randomBytes(length).toString("base64url").slice(0, length);
const jwt = (length: number) => `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${token(length - 80)}.${token(42)}`;

/** An MSAL-shaped cache with Entra-sized tokens: one account, `scopes.length` access tokens. */
function cacheOf(scopes: string[], name = "Adele Vance"): string {
  const entry = (type: string, extra: object) => ({
    home_account_id: HOME,
    environment: "login.microsoftonline.com",
    credential_type: type,
    client_id: "9c6ed0d4-057d-41a7-9fa3-aab4e99207f8",
    ...extra,
  });
  return JSON.stringify({
    Account: {
      [`${HOME}-login.microsoftonline.com`]: { home_account_id: HOME, name, username: "adele@contoso.com" },
    },
    IdToken: { [`${HOME}-idtoken`]: entry("IdToken", { secret: jwt(1600) }) },
    AccessToken: Object.fromEntries(
      scopes.map((target) => [
        `${HOME}-accesstoken-${target.toLowerCase()}`,
        entry("AccessToken", { secret: jwt(2200), target, expires_on: "1796404997", token_type: "Bearer" }),
      ]),
    ),
    RefreshToken: { [`${HOME}-refreshtoken`]: entry("RefreshToken", { secret: `1.AXkA${token(1400)}` }) },
    AppMetadata: {},
  });
}

const SHAPES: [string, string][] = [
  ["an empty string", ""],
  ["an empty cache", "{}"],
  ["an empty MSAL cache", '{"Account":{},"IdToken":{},"AccessToken":{},"RefreshToken":{},"AppMetadata":{}}'],
  ["one access token", cacheOf(["openid profile email User.Read"])],
  [
    "one access token for two scopes (incremental consent)",
    cacheOf(["openid profile User.Read Calendars.Read"]),
  ],
  ["two access tokens", cacheOf(["User.Read", "api://orders/Orders.Read"])],
  [
    "five access tokens",
    cacheOf(["User.Read", "Calendars.Read", "Mail.Read", "Files.Read", "api://x/.default"]),
  ],
  ["no access token (refresh pending)", cacheOf([])],
  ["a name with accents", cacheOf(["User.Read"], "Adèle Vänce-Ñúñez")],
  ["a name in CJK", cacheOf(["User.Read"], "山田 太郎")],
  ["a name with emoji (4-byte UTF-8)", cacheOf(["User.Read"], "Adele 🦊🔐")],
  ["a right-to-left name", cacheOf(["User.Read"], "عادل فانس")],
  ["only multi-byte characters", "é".repeat(5000)],
  ["emoji across block boundaries", "😀".repeat(20_000)],
  ["random base64url (hardly compressible)", token(50_000)],
  ["a single character", "x"],
  ["JSON escapes and control characters", JSON.stringify({ s: '\u0000\n\t"\\\u2028\u2029' })],
  ["exactly the largest cache (ASCII)", "a".repeat(MAX_SERIALIZED_CACHE_BYTES)],
  ["the largest cache in 2-byte characters", "é".repeat(MAX_SERIALIZED_CACHE_BYTES / 2)],
];

function assertCorrupt(open: () => unknown, label: string): void {
  assert.throws(open, CorruptTokenCacheError, label);
}

describe("the token cache cipher", () => {
  const ring = createTokenCacheCipher([keyA]);

  it("seal, then open, gives back every cache shape, sealed as tc2 with the first key", () => {
    for (const [label, serialized] of SHAPES) {
      const sealed = ring.seal(serialized, HOME);
      assert.match(sealed, /^tc2\.key-a\.[\w-]{16}\.[\w-]*\.[\w-]{22}$/, label);
      assert.equal(ring.open(sealed, HOME), serialized, label);
    }
  });

  it("seal, for a cache with Entra-sized tokens, stores a shorter envelope than the uncompressed one", () => {
    for (const [label, serialized] of SHAPES.slice(3, 12)) {
      const compressed = ring.seal(serialized, HOME).length;
      const uncompressed = sealedTheOldWay(serialized).length;
      assert.ok(compressed < uncompressed * 0.85, `${label}: ${compressed} vs ${uncompressed}`);
    }
  });

  it("open, for a tc1 envelope written before compression, gives back the cache for every shape", () => {
    for (const [label, serialized] of SHAPES) {
      assert.equal(ring.open(sealedTheOldWay(serialized), HOME), serialized, label);
    }
  });

  it("open, for an envelope sealed for another account, fails for both versions and every shape", () => {
    for (const [label, serialized] of SHAPES.slice(0, 12)) {
      assertCorrupt(() => ring.open(ring.seal(serialized, HOME), OTHER_HOME), `tc2, ${label}`);
      assertCorrupt(() => ring.open(sealedTheOldWay(serialized), OTHER_HOME), `tc1, ${label}`);
      assertCorrupt(() => ring.open(ring.seal(serialized, OTHER_HOME), HOME), `tc2 reversed, ${label}`);
    }
  });

  it("open, after a key rotation (ring [B, A]), reads what A sealed in both versions and seals with B", () => {
    const rotated = createTokenCacheCipher([keyB, keyA]);
    const retired = createTokenCacheCipher([keyB]);
    for (const [label, serialized] of SHAPES.slice(0, 12)) {
      const byA = ring.seal(serialized, HOME);
      assert.equal(rotated.open(byA, HOME), serialized, `tc2, ${label}`);
      assert.equal(rotated.open(sealedTheOldWay(serialized), HOME), serialized, `tc1, ${label}`);
      assertCorrupt(() => retired.open(byA, HOME), `A retired, ${label}`);

      const byB = rotated.seal(serialized, HOME);
      assert.match(byB, /^tc2\.key-b\./, label);
      assert.equal(rotated.open(byB, HOME), serialized, label);
      assert.equal(retired.open(byB, HOME), serialized, label);
      assertCorrupt(() => ring.open(byB, HOME), `B unknown to [A], ${label}`);
      assertCorrupt(() => rotated.open(byB.replace(".key-b.", ".key-a."), HOME), `relabelled key, ${label}`);
    }
  });

  it("open, for each hostile or broken envelope, throws CorruptTokenCacheError", () => {
    const cache = cacheOf(["User.Read"]);
    const good = ring.seal(cache, HOME);
    const [, , iv, ciphertext, tag] = good.split(".") as [string, string, string, string, string];
    const deflated = deflateRawSync(cache);
    const tc2 = (payload: Buffer) => envelope("tc2", keyA, HOME, payload);
    const flip = (part: string, at: number) =>
      part.slice(0, at) + (part[at] === "A" ? "B" : "A") + part.slice(at + 1);
    // Validly encrypted (the key is known), hostile or broken inside: refused when decompressing.
    const hostilePayloads: [string, string][] = [
      ["a bomb: 10 MiB of zeros, deflated to 10 KB", tc2(deflateRawSync(Buffer.alloc(10 * 1024 * 1024)))],
      [
        "one byte more than the largest cache",
        tc2(deflateRawSync(Buffer.alloc(MAX_SERIALIZED_CACHE_BYTES + 1, 97))),
      ],
      ["a cache's text itself, not DEFLATE", tc2(Buffer.from(SHAPES[2]![1]))],
      ["an empty payload", tc2(Buffer.alloc(0))],
      ["a truncated DEFLATE stream", tc2(deflated.subarray(0, deflated.length - 8))],
      ["a DEFLATE stream cut in half", tc2(deflated.subarray(0, deflated.length >> 1))],
      ["a reserved block type", tc2(Buffer.from([0x07, 1, 2, 3]))],
      ["a stored block whose lengths disagree", tc2(Buffer.from([0x01, 5, 0, 5, 0, 1, 2, 3, 4, 5]))],
      ["0xff bytes", tc2(Buffer.alloc(64, 0xff))],
      ["zlib-wrapped DEFLATE", tc2(deflateSync(cache))],
      ["gzip", tc2(gzipSync(cache))],
      ["brotli", tc2(brotliCompressSync(cache))],
      ["hash bytes", tc2(createHash("sha512").update("not deflate").digest())],
    ];
    for (const [label, stored] of hostilePayloads) {
      assert.throws(
        () => ring.open(stored, HOME),
        (e) => e instanceof CorruptTokenCacheError && /does not decompress/.test(e.message),
        label,
      );
    }
    // Tampered, truncated, relabelled or not an envelope: refused before anything is decompressed.
    const hostile: [string, unknown][] = [
      ["a flipped ciphertext character", ["tc2", "key-a", iv, flip(ciphertext, 10), tag].join(".")],
      [
        "a flipped last ciphertext character",
        ["tc2", "key-a", iv, flip(ciphertext, ciphertext.length - 2), tag].join("."),
      ],
      ["a flipped tag character", ["tc2", "key-a", iv, ciphertext, flip(tag, 3)].join(".")],
      ["a flipped iv character", ["tc2", "key-a", flip(iv, 0), ciphertext, tag].join(".")],
      ["truncated ciphertext", ["tc2", "key-a", iv, ciphertext.slice(0, -40), tag].join(".")],
      ["an empty ciphertext", ["tc2", "key-a", iv, "", tag].join(".")],
      ["a short tag", ["tc2", "key-a", iv, ciphertext, tag.slice(0, 12)].join(".")],
      ["a short iv", ["tc2", "key-a", iv.slice(0, 8), ciphertext, tag].join(".")],
      [
        "a ciphertext character replaced by one outside base64url",
        ["tc2", "key-a", iv, `${ciphertext.slice(0, 10)}!${ciphertext.slice(11)}`, tag].join("."),
      ],
      ["the envelope cut short", good.slice(0, good.length - 30)],
      ["no tag", ["tc2", "key-a", iv, ciphertext].join(".")],
      ["an extra part", `${good}.AAAA`],
      ["tc2 relabelled tc1", good.replace(/^tc2\./, "tc1.")],
      ["tc1 relabelled tc2", sealedTheOldWay(cache).replace(/^tc1\./, "tc2.")],
      ["an unknown version", good.replace(/^tc2\./, "tc3.")],
      ["an unknown key id", good.replace(".key-a.", ".key-z.")],
      ["no key id", good.replace(".key-a.", "..")],
      ["too long to be a cache", `tc2.key-a.${iv}.${"A".repeat(MAX_SERIALIZED_CACHE_BYTES * 2)}.${tag}`],
      ["the version alone", "tc2"],
      ["dots only", "tc2...."],
      ["an empty string", ""],
      ["plain JSON", cache],
      ["a number", 42],
      ["undefined", undefined],
      ["null", null],
      ["an object", { version: "tc2" }],
    ];
    for (const [label, stored] of hostile) assertCorrupt(() => ring.open(stored, HOME), label);
  });

  it("open, without keys (development only), returns the text as is and refuses either envelope", () => {
    const plain = createTokenCacheCipher([]);
    for (const [label, serialized] of SHAPES.slice(0, 12)) {
      assert.equal(plain.seal(serialized, HOME), serialized, label);
      assert.equal(plain.open(serialized, HOME), serialized, label);
      assertCorrupt(() => plain.open(ring.seal(serialized, HOME), HOME), `tc2, ${label}`);
      assertCorrupt(() => plain.open(sealedTheOldWay(serialized), HOME), `tc1, ${label}`);
    }
  });
});
