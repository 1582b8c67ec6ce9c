/**
 * Would compressing the serialized token cache before sealing it pay? Real caches (the local tenant's
 * Entra-sized tokens, signed in through the real flow in-process): one access token, and two after an
 * incremental consent. For each compressor: the stored envelope's length against today's, and CPU µs
 * per seal (compress + encrypt) and per open (decrypt + decompress) against today's seal and open.
 * "tc1" is the cipher without compression, "tc2" the app's cipher (raw DEFLATE, level 1);
 * the other candidates are sealed here as the cipher would (AES-256-GCM, base64url parts, version in
 * the AAD). Each round times every method once, so a busy neighbour slows all alike. Run:
 *   npx tsx --conditions=source bench/compression.ts [iterations]
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateRawSync,
  gunzipSync,
  gzipSync,
  inflateRawSync,
} from "node:zlib";
import { MAX_SERIALIZED_CACHE_BYTES } from "../src/auth/tokenCacheSize.js";
import { createTokenCacheCipher } from "../src/auth/tokenCacheCipher.js";
import { readSessionRow } from "../test/support/sessionRows.js";
import { authorizeAtTenant, signIn } from "../test/support/signIn.js";
import { startTestApp } from "../test/support/testApp.js";
import type { TestApp } from "../test/support/testApp.js";
import type { TestClient } from "../test/support/testClient.js";
import { sessionIdOf } from "../test/support/tokenCacheTools.js";

const ITERATIONS = Number(process.argv[2] ?? 3000);
const ROUNDS = 5;
const SECRET = randomBytes(32);
const KEY_ID = "bench";

interface Codec {
  name: string;
  compress(text: string): Buffer;
  decompress(data: Buffer): Buffer;
}

const limit = { maxOutputLength: MAX_SERIALIZED_CACHE_BYTES };
const brotli = (quality: number) => ({
  params: {
    [constants.BROTLI_PARAM_QUALITY]: quality,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  },
});
const CODECS: Codec[] = [
  {
    name: "deflateRaw 1",
    compress: (t) => deflateRawSync(t, { level: 1 }),
    decompress: (d) => inflateRawSync(d, limit),
  },
  {
    name: "deflateRaw 6",
    compress: (t) => deflateRawSync(t, { level: 6 }),
    decompress: (d) => inflateRawSync(d, limit),
  },
  { name: "gzip 6", compress: (t) => gzipSync(t), decompress: (d) => gunzipSync(d, limit) },
  {
    name: "brotli 1",
    compress: (t) => brotliCompressSync(t, brotli(1)),
    decompress: (d) => brotliDecompressSync(d, limit),
  },
  {
    name: "brotli 4",
    compress: (t) => brotliCompressSync(t, brotli(4)),
    decompress: (d) => brotliDecompressSync(d, limit),
  },
  {
    name: "brotli 11",
    compress: (t) => brotliCompressSync(t, brotli(11)),
    decompress: (d) => brotliDecompressSync(d, limit),
  },
];

/** Seals and opens as tokenCacheCipher.ts would with a compressed plaintext (version "tcx"). */
function candidate(codec: Codec) {
  const aad = (home: string) => Buffer.from(`tcx|${KEY_ID}|${home}`);
  return {
    seal(serialized: string, home: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", SECRET, iv);
      cipher.setAAD(aad(home));
      const ciphertext = Buffer.concat([cipher.update(codec.compress(serialized)), cipher.final()]);
      const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString("base64url"));
      return ["tcx", KEY_ID, ...parts].join(".");
    },
    open(stored: string, home: string): string {
      const [, , iv, ciphertext, tag] = stored.split(".");
      const decipher = createDecipheriv("aes-256-gcm", SECRET, Buffer.from(iv!, "base64url"));
      decipher.setAAD(aad(home));
      decipher.setAuthTag(Buffer.from(tag!, "base64url"));
      const plain = Buffer.concat([decipher.update(ciphertext!, "base64url"), decipher.final()]);
      return codec.decompress(plain).toString("utf8");
    },
  };
}

/** CPU µs (user + system) per call over `iterations` calls. */
function cpuMicros(operation: () => unknown, iterations: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) operation();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / iterations;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The cipher before compression ("tc1"): the app's, with compression off (TOKEN_CACHE_COMPRESSION=false). */
const tc1 = createTokenCacheCipher([{ id: KEY_ID, secret: SECRET }], { compress: false });

interface Method {
  name: string;
  seal(serialized: string, home: string): string;
  open(stored: string, home: string): string;
  compressedBytes(serialized: string): number;
  /** Fewer calls for a slow method. */
  iterations: number;
}

interface RealCache {
  name: string;
  serialized: string;
  home: string;
}

function storedCache(app: TestApp, client: TestClient, name: string): RealCache {
  const row = readSessionRow(app.sqlitePath, sessionIdOf(app, client))!;
  const home = (row.account as { homeAccountId: string }).homeAccountId;
  return { name, serialized: app.cipher.open(row.tokenCache, home), home };
}

async function realCaches(app: TestApp): Promise<RealCache[]> {
  const caches: RealCache[] = [];
  for (const [i, user] of app.tenant.users.slice(0, 2).entries()) {
    const client = app.newClient();
    await signIn(app, client, { returnTo: "/profile", userOid: user.oid });
    caches.push(storedCache(app, client, `user ${i + 1}, 1 access token`));
    // Incremental consent: the Calendar page adds Calendars.Read.
    const first = await client.get(`${app.baseUrl}/calendar`);
    if (first.status === 303) {
      const signInPath = first.location!;
      const { callbackUrl } = await authorizeAtTenant(app, client, { signInPath, consent: "accept" });
      await client.get(callbackUrl);
    }
    await client.get(`${app.baseUrl}/profile`);
    const calendar = await client.get(`${app.baseUrl}/calendar`);
    if (calendar.status !== 200) throw new Error(`calendar: ${calendar.status}`);
    const consented = storedCache(app, client, `user ${i + 1}, after consent (1 token, 2 scopes)`);
    caches.push(consented);
    // Graph answers with every consented scope, so MSAL keeps one Graph token; a second resource
    // (another API) keeps a second one: the first token (User.Read) is put back beside the new one.
    type Shape = { AccessToken: Record<string, unknown> };
    const before = JSON.parse(caches[caches.length - 2]!.serialized) as Shape;
    const after = JSON.parse(consented.serialized) as Shape;
    after.AccessToken = { ...after.AccessToken, ...before.AccessToken };
    if (Object.keys(after.AccessToken).length !== 2) throw new Error("expected two access tokens");
    caches.push({ ...consented, name: `user ${i + 1}, 2 access tokens`, serialized: JSON.stringify(after) });
  }
  return caches;
}

const print = (line: string) => process.stdout.write(`${line}\n`);

function row(cells: (string | number)[]): string {
  return `| ${cells.join(" | ")} |`;
}

async function main(): Promise<void> {
  const app = await startTestApp();
  let caches: RealCache[];
  try {
    caches = await realCaches(app);
  } finally {
    await app.close();
  }
  const methods: Method[] = [
    { name: "tc1 (before)", ...tc1, compressedBytes: (t) => Buffer.byteLength(t), iterations: ITERATIONS },
    {
      name: "tc2 (the app's cipher: deflateRaw 1)",
      ...createTokenCacheCipher([{ id: KEY_ID, secret: SECRET }]),
      compressedBytes: (t) => deflateRawSync(t, { level: 1 }).length,
      iterations: ITERATIONS,
    },
    ...CODECS.map((codec) => ({
      name: codec.name,
      ...candidate(codec),
      compressedBytes: (t: string) => codec.compress(t).length,
      iterations: codec.name === "brotli 11" ? Math.ceil(ITERATIONS / 20) : ITERATIONS,
    })),
  ];
  print(`node ${process.version}, ${ITERATIONS} calls × ${ROUNDS} rounds (median), CPU µs per call\n`);
  const header = ["cache", "method", "serialized B", "compressed B", "envelope chars", "saving"];
  print(row([...header, "seal µs", "Δ seal", "open µs", "Δ open", "Δ seal+open"]));
  print(row(Array<string>(header.length + 5).fill("---")));
  for (const cache of caches) {
    const { serialized, home } = cache;
    const envelopes = methods.map((m) => m.seal(serialized, home));
    methods.forEach((m, i) => {
      if (m.open(envelopes[i]!, home) !== serialized) throw new Error(`${m.name} does not round-trip`);
      // Warm-up.
      for (let w = 0; w < Math.max(50, m.iterations / 10); w++) {
        m.open(envelopes[i]!, home);
        m.seal(serialized, home);
      }
    });
    const seals = methods.map(() => [] as number[]);
    const opens = methods.map(() => [] as number[]);
    for (let r = 0; r < ROUNDS; r++) {
      methods.forEach((m, i) => {
        seals[i]!.push(cpuMicros(() => m.seal(serialized, home), m.iterations));
        opens[i]!.push(cpuMicros(() => m.open(envelopes[i]!, home), m.iterations));
      });
    }
    const [baseSeal, baseOpen] = [median(seals[0]!), median(opens[0]!)];
    const baseLength = envelopes[0]!.length;
    methods.forEach((m, i) => {
      const [seal, open] = [median(seals[i]!), median(opens[i]!)];
      const delta = (value: number) => (i === 0 ? "—" : `${value >= 0 ? "+" : ""}${value.toFixed(1)}`);
      print(
        row([
          cache.name,
          m.name,
          Buffer.byteLength(serialized),
          m.compressedBytes(serialized),
          envelopes[i]!.length,
          i === 0 ? "—" : `${((1 - envelopes[i]!.length / baseLength) * 100).toFixed(1)} %`,
          seal.toFixed(1),
          delta(seal - baseSeal),
          open.toFixed(1),
          delta(open - baseOpen),
          delta(seal - baseSeal + open - baseOpen),
        ]),
      );
    });
  }
}

await main();
