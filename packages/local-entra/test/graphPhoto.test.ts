import assert from "node:assert/strict";
import { test } from "node:test";
import { inflateSync } from "node:zlib";
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import type { LocalTenant } from "../src/index.js";
import type { HttpResult } from "./helpers.js";
import {
  challengeClaims,
  graphGet,
  obtainCode,
  obtainTokens,
  parseJson,
  redeemCode,
  startTestTenant,
  tenantRequest,
} from "./helpers.js";

interface GraphError {
  error: { code: string; message: string; innerError: Record<string, string> };
}

interface PhotoMetadata {
  "@odata.context": string;
  "@odata.mediaContentType": string;
  "@odata.mediaEtag": string;
  "@odata.etag": string;
  id: string;
  height: number;
  width: number;
}

interface PngChunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

const PHOTO = "v1.0/me/photo";
const PHOTO_VALUE = "v1.0/me/photo/$value";
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ODATA_JSON =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';
const IMAGE_NOT_FOUND_MESSAGE =
  "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.";

/** CRC-32 (ISO 3309, as PNG uses), written here so the test does not trust the tenant's own. */
function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunks(bytes: Buffer): PngChunk[] {
  assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE, "PNG signature");
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < bytes.length) {
    const length = bytes.readUInt32BE(at);
    const typeAndData = bytes.subarray(at + 4, at + 8 + length);
    chunks.push({
      type: typeAndData.subarray(0, 4).toString("latin1"),
      data: typeAndData.subarray(4),
      crcOk: crc32(typeAndData) === bytes.readUInt32BE(at + 8 + length),
    });
    at += 12 + length;
  }
  assert.equal(at, bytes.length, "chunks end exactly at the end of the file");
  return chunks;
}

function ihdr(chunks: PngChunk[]): { width: number; height: number; bitDepth: number; colourType: number } {
  const header = chunks[0];
  assert.ok(header !== undefined && header.type === "IHDR", "IHDR first");
  return {
    width: header.data.readUInt32BE(0),
    height: header.data.readUInt32BE(4),
    bitDepth: header.data.readUInt8(8),
    colourType: header.data.readUInt8(9),
  };
}

function userWithPhoto(tenant: LocalTenant, index: number): { oid: string } {
  const user = tenant.users[index];
  assert.ok(user?.hasPhoto, `users[${index}] has a photo`);
  return user;
}

async function tokenWithScope(tenant: LocalTenant, scope: string, userOid?: string): Promise<string> {
  const { code, pkce } = await obtainCode(tenant, { scope }, userOid);
  const response = await redeemCode(tenant, { code, code_verifier: pkce.verifier, scope: undefined });
  assert.equal(response.status, 200, response.body);
  return parseJson<{ access_token: string }>(response).access_token;
}

function assertImageNotFound(response: HttpResult): void {
  assert.equal(response.status, 404);
  assert.match(String(response.headers["content-type"]), /^application\/json/);
  const body = parseJson<GraphError>(response);
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.deepEqual(Object.keys(body.error), ["code", "message", "innerError"]);
  assert.equal(body.error.code, "ImageNotFound");
  assert.equal(body.error.message, IMAGE_NOT_FOUND_MESSAGE);
  assert.deepEqual(Object.keys(body.error.innerError), ["date", "request-id", "client-request-id"]);
  assert.match(body.error.innerError.date ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.equal(body.error.innerError["request-id"], response.headers["request-id"]);
  assert.equal(body.error.innerError["client-request-id"], response.headers["client-request-id"]);
}

void test("LocalTenant.users, hasPhoto, marks exactly users[0] (Adele) and users[2] as having a photo", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const withPhoto = tenant.users.map((user) => user.hasPhoto);
  // Assert
  assert.deepEqual(withPhoto, [true, false, true, false, false]);
  assert.equal(tenant.users[0]?.displayName, "Adele Vance");
});

void test("GET /v1.0/me/photo/$value, for a user with a photo, answers 200 image/png with a valid PNG", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, userWithPhoto(tenant, 0).oid);
  // Act
  const response = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
  // Assert
  assert.equal(response.status, 200);
  assert.equal(response.headers["content-type"], "image/png");
  assert.equal(Number(response.headers["content-length"]), response.bytes.length);
  assert.deepEqual(response.bytes.subarray(0, 8), PNG_SIGNATURE);
  const chunks = pngChunks(response.bytes);
  assert.deepEqual(
    chunks.map((chunk) => chunk.type),
    ["IHDR", "IDAT", "IEND"],
  );
  assert.ok(
    chunks.every((chunk) => chunk.crcOk),
    "every chunk CRC is right",
  );
  const { width, height, bitDepth, colourType } = ihdr(chunks);
  assert.deepEqual(
    { width, height, bitDepth, colourType },
    { width: 96, height: 96, bitDepth: 8, colourType: 2 },
  );
  const scanlines = inflateSync(chunks[1]?.data ?? Buffer.alloc(0));
  assert.equal(scanlines.length, height * (1 + 3 * width), "one filter byte + RGB per row");
  assert.equal(tenant.counters.graphErrors, 0);
});

void test("GET /v1.0/me/photo, for each user with a photo, answers metadata whose size matches the image's IHDR", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const users = tenant.users.filter((user) => user.hasPhoto);
  assert.equal(users.length, 2);
  const sizes: number[] = [];
  for (const user of users) {
    const tokens = await obtainTokens(tenant, user.oid);
    // Act
    const metadata = await graphGet(tenant, tokens.access_token, PHOTO);
    const image = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
    // Assert
    assert.equal(metadata.status, 200);
    assert.equal(metadata.headers["content-type"], ODATA_JSON);
    const body = parseJson<PhotoMetadata>(metadata);
    const { width, height } = ihdr(pngChunks(image.bytes));
    assert.deepEqual(body, {
      "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#users('${user.oid}')/photo/$entity`,
      "@odata.mediaContentType": "image/png",
      "@odata.mediaEtag": body["@odata.etag"],
      "@odata.etag": body["@odata.etag"],
      id: "default",
      height,
      width,
    });
    assert.match(body["@odata.etag"], /^W\/"[0-9a-f]{64}"$/);
    assert.equal(image.headers.etag, body["@odata.etag"]);
    sizes.push(width);
  }
  assert.deepEqual(sizes, [96, 120]);
});

void test("GET /v1.0/me/photo/$value, across two tenant starts, answers the same bytes per user and different bytes per user", async (t) => {
  // Arrange
  const first = await startTestTenant(t);
  const second = await startTestTenant(t);
  const adele = userWithPhoto(first, 0).oid;
  const megan = userWithPhoto(first, 2).oid;
  // Act
  const adeleFirst = await graphGet(first, (await obtainTokens(first, adele)).access_token, PHOTO_VALUE);
  const adeleSecond = await graphGet(second, (await obtainTokens(second, adele)).access_token, PHOTO_VALUE);
  const meganFirst = await graphGet(first, (await obtainTokens(first, megan)).access_token, PHOTO_VALUE);
  // Assert
  assert.equal(adeleFirst.status, 200);
  assert.equal(adeleSecond.status, 200);
  assert.ok(adeleFirst.bytes.equals(adeleSecond.bytes), "same user, same photo");
  assert.ok(!adeleFirst.bytes.equals(meganFirst.bytes), "different users, different photos");
});

void test("GET /v1.0/me/photo/%24value, percent-encoded, answers the same image as $value", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, userWithPhoto(tenant, 0).oid);
  const literal = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
  // Act
  const encoded = await graphGet(tenant, tokens.access_token, "v1.0/me/photo/%24value");
  // Assert
  assert.equal(encoded.status, 200);
  assert.equal(encoded.headers["content-type"], "image/png");
  assert.ok(encoded.bytes.equals(literal.bytes));
});

void test("GET /v1.0/me/photo and /$value, for a user without a photo, answer 404 ImageNotFound in Graph's shape", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const user = tenant.users[1];
  assert.ok(user !== undefined && !user.hasPhoto);
  const tokens = await obtainTokens(tenant, user.oid);
  // Act
  const metadata = await graphGet(tenant, tokens.access_token, PHOTO, { "client-request-id": "photo-req-1" });
  const image = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
  // Assert
  assertImageNotFound(metadata);
  assert.equal(parseJson<GraphError>(metadata).error.innerError["client-request-id"], "photo-req-1");
  assertImageNotFound(image);
  assert.equal(tenant.counters.graphErrors, 2);
});

void test("GET /v1.0/me/photo/$value, for every other user without a photo, answers 404 ImageNotFound", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const users = tenant.users.filter((user) => !user.hasPhoto);
  assert.equal(users.length, 3);
  const statuses: number[] = [];
  for (const user of users) {
    const tokens = await obtainTokens(tenant, user.oid);
    // Act
    const response = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
    // Assert
    assertImageNotFound(response);
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [404, 404, 404]);
});

void test("GET /v1.0/me/photo and /$value, without a token, answer 401 'Access token is empty.' like /me", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  // Act
  const responses = [
    await graphGet(tenant, undefined, PHOTO),
    await graphGet(tenant, undefined, PHOTO_VALUE),
  ];
  // Assert
  for (const response of responses) {
    assert.equal(response.status, 401);
    assert.equal(response.headers["www-authenticate"], WWW_AUTHENTICATE);
    const body = parseJson<GraphError>(response);
    assert.equal(body.error.code, "InvalidAuthenticationToken");
    assert.equal(body.error.message, "Access token is empty.");
  }
  assert.equal(tenant.counters.graphErrors, 2);
});

void test("GET /v1.0/me/photo and /$value, with a token signed by another key, answer 401 invalid_token like /me", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const genuine = await obtainTokens(tenant, userWithPhoto(tenant, 0).oid);
  const { privateKey } = await generateKeyPair("RS256");
  const forged = await new SignJWT(decodeJwt(genuine.access_token))
    .setProtectedHeader({ ...decodeProtectedHeader(genuine.access_token), alg: "RS256" })
    .sign(privateKey);
  // Act
  const responses = [await graphGet(tenant, forged, PHOTO), await graphGet(tenant, forged, PHOTO_VALUE)];
  // Assert
  for (const response of responses) {
    assert.equal(response.status, 401);
    assert.equal(response.headers["www-authenticate"], `${WWW_AUTHENTICATE}, error="invalid_token"`);
    const body = parseJson<GraphError>(response);
    assert.equal(body.error.code, "InvalidAuthenticationToken");
    assert.equal(body.error.message, "Access token validation failure. Invalid signature.");
  }
});

void test("GET /v1.0/me/photo/$value, with an id token as bearer, answers 401 'Invalid issuer.'", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, userWithPhoto(tenant, 0).oid);
  // Act
  const response = await graphGet(tenant, tokens.id_token, PHOTO_VALUE);
  // Assert
  assert.equal(response.status, 401);
  assert.equal(
    parseJson<GraphError>(response).error.message,
    "Access token validation failure. Invalid issuer.",
  );
});

void test("GET /v1.0/me/photo and /$value, with a token lacking User.Read, answer 403 Authorization_RequestDenied", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await tokenWithScope(
    tenant,
    "openid profile offline_access Mail.Read",
    userWithPhoto(tenant, 0).oid,
  );
  // Act
  const responses = [await graphGet(tenant, token, PHOTO), await graphGet(tenant, token, PHOTO_VALUE)];
  // Assert
  for (const response of responses) {
    assert.equal(response.status, 403);
    const body = parseJson<GraphError>(response);
    assert.equal(body.error.code, "Authorization_RequestDenied");
    assert.equal(body.error.message, "Insufficient privileges to complete the operation.");
  }
});

void test("GET /v1.0/me/photo/$value, with a token holding only User.ReadBasic.All, answers the photo", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const token = await tokenWithScope(
    tenant,
    "openid profile User.ReadBasic.All",
    userWithPhoto(tenant, 0).oid,
  );
  // Act
  const response = await graphGet(tenant, token, PHOTO_VALUE);
  // Assert
  assert.equal(response.status, 200);
  assert.deepEqual(response.bytes.subarray(0, 8), PNG_SIGNATURE);
});

void test("PUT /v1.0/me/photo/$value, on the stand-in, answers 405 with Allow GET", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, userWithPhoto(tenant, 0).oid);
  // Act
  const response = await tenantRequest(tenant, `${tenant.graphEndpoint}${PHOTO_VALUE}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "image/png" },
    body: "not an image",
  });
  // Assert
  assert.equal(response.status, 405);
  assert.equal(response.headers.allow, "GET");
  assert.equal(parseJson<GraphError>(response).error.code, "Request_BadRequest");
  assert.equal(tenant.counters.graphPhoto, 1);
});

void test("counters.graphPhoto, after requests to both photo paths and /me, counts only the photo requests", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, userWithPhoto(tenant, 0).oid);
  const noPhoto = await obtainTokens(tenant, tenant.users[1]?.oid);
  assert.equal(tenant.counters.graphPhoto, 0);
  // Act
  await graphGet(tenant, tokens.access_token, PHOTO);
  await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
  await graphGet(tenant, noPhoto.access_token, PHOTO_VALUE);
  await graphGet(tenant, undefined, PHOTO);
  await graphGet(tenant, tokens.access_token, "v1.0/me");
  const beforeReset = { ...tenant.counters };
  tenant.resetCounters();
  // Assert
  assert.equal(beforeReset.graphPhoto, 4);
  assert.equal(beforeReset.graphMe, 1);
  assert.equal(beforeReset.graphErrors, 2);
  assert.equal(tenant.counters.graphPhoto, 0);
});

void test("faults.graph status 503 with Retry-After and times 1, on two photo requests, fails the first only", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, userWithPhoto(tenant, 0).oid);
  tenant.faults.graph = { status: 503, headers: { "Retry-After": "1" }, times: 1 };
  // Act
  const first = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
  const second = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
  // Assert
  assert.equal(first.status, 503);
  assert.equal(first.headers["retry-after"], "1");
  assert.equal(parseJson<GraphError>(first).error.code, "serviceNotAvailable");
  assert.equal(second.status, 200);
  assert.equal(second.headers["content-type"], "image/png");
  assert.equal(tenant.faults.graph, null);
  assert.equal(tenant.counters.graphPhoto, 2);
  assert.equal(tenant.counters.graphErrors, 1);
});

void test("faults.graph status 503, on GET /v1.0/me/photo metadata, applies as well", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, userWithPhoto(tenant, 0).oid);
  tenant.faults.graph = { status: 503, headers: { "Retry-After": "1" }, times: 1 };
  // Act
  const response = await graphGet(tenant, tokens.access_token, PHOTO);
  // Assert
  assert.equal(response.status, 503);
  assert.equal(response.headers["retry-after"], "1");
  assert.equal(tenant.faults.graph, null);
});

void test("faults.graph claimsChallenge, on GET /v1.0/me/photo/$value with an old token, answers Graph's CAE 401", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, userWithPhoto(tenant, 0).oid);
  tenant.faults.graph = { claimsChallenge: true, times: 1 };
  // Act
  const challenged = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
  const after = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
  // Assert
  assert.equal(challenged.status, 401);
  assert.ok(
    String(challenged.headers["www-authenticate"]).startsWith(
      `${WWW_AUTHENTICATE}, error="insufficient_claims", claims="`,
    ),
  );
  assert.match(
    challengeClaims(challenged),
    /^\{"access_token":\{"nbf":\{"essential":true,"value":"\d+"\}\}\}$/,
  );
  assert.equal(after.status, 200);
});

void test("faults.graph hugeBodyBytes, on GET /v1.0/me/photo/$value, answers a valid PNG of the same image at least that large", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, userWithPhoto(tenant, 2).oid);
  const normal = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
  tenant.faults.graph = { hugeBodyBytes: 2_000_000, times: 1 };
  // Act
  const response = await graphGet(tenant, tokens.access_token, PHOTO_VALUE);
  // Assert
  assert.equal(response.status, 200);
  assert.equal(response.headers["content-type"], "image/png");
  assert.ok(response.bytes.length >= 2_000_000, `${response.bytes.length} bytes`);
  assert.equal(Number(response.headers["content-length"]), response.bytes.length);
  const chunks = pngChunks(response.bytes);
  assert.deepEqual(
    chunks.map((chunk) => chunk.type),
    ["IHDR", "IDAT", "ltPd", "IEND"],
  );
  assert.ok(chunks.every((chunk) => chunk.crcOk));
  const plain = pngChunks(normal.bytes);
  assert.deepEqual(ihdr(chunks), ihdr(plain));
  assert.ok(chunks[1]?.data.equals(plain[1]?.data ?? Buffer.alloc(0)), "same pixels");
  assert.equal(tenant.faults.graph, null);
});

void test("faults.graph hugeBodyBytes, on GET /v1.0/me/photo metadata, is passed by and keeps its times", async (t) => {
  // Arrange
  const tenant = await startTestTenant(t);
  const tokens = await obtainTokens(tenant, userWithPhoto(tenant, 0).oid);
  const fault = { hugeBodyBytes: 1_000_000, times: 1 };
  tenant.faults.graph = fault;
  // Act
  const metadata = await graphGet(tenant, tokens.access_token, PHOTO);
  // Assert
  assert.equal(metadata.status, 200);
  assert.ok(metadata.bytes.length < 1000, `${metadata.bytes.length} bytes`);
  assert.equal(parseJson<PhotoMetadata>(metadata).id, "default");
  assert.equal(tenant.faults.graph, fault);
});
