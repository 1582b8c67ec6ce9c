/**
 * The signed-in user's profile photo in Graph's shapes: GET /v1.0/me/photo (metadata) and
 * GET /v1.0/me/photo/$value (the image). graph.ts routes, authenticates and authorises them exactly
 * like /v1.0/me; this file only answers.
 *
 * Guarantees: paths match case-insensitively, with an optional trailing slash, and `$value` may
 * arrive percent-encoded (`%24value`). A user with a photo gets, for the metadata,
 * `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users('<oid>')/photo/$entity",
 * "@odata.mediaContentType":"image/png","@odata.mediaEtag":"W/\"…\"","@odata.etag":"W/\"…\"",
 * "id":"default","height":N,"width":N}` (both etag annotations carry the same value: Graph sends
 * `@odata.mediaEtag`), and for `$value` 200 `Content-Type: image/png` with the PNG bytes,
 * `Content-Length` and `ETag`. A user without one gets, on both paths, Graph's 404
 * `{"error":{"code":"ImageNotFound","message":"Exception of type
 * 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.","innerError":{…}}}`.
 */
import type { Response } from "express";
import type { TenantContext } from "./context.js";
import { sendGraphError } from "./graphErrors.js";
import type { GraphIds } from "./graphErrors.js";
import type { UserPhoto } from "./photos.js";
import { withPaddingChunk } from "./png.js";

export const PHOTO_METADATA_PATH = /^\/v1\.0\/me\/photo\/?$/i;
export const PHOTO_VALUE_PATH = /^\/v1\.0\/me\/photo\/(?:\$|%24)value\/?$/i;

export const IMAGE_NOT_FOUND_CODE = "ImageNotFound";
export const IMAGE_NOT_FOUND_MESSAGE =
  "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.";

const CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#users";

export function isPhotoPath(path: string): boolean {
  return PHOTO_METADATA_PATH.test(path) || PHOTO_VALUE_PATH.test(path);
}

export function sendImageNotFound(ctx: TenantContext, res: Response, ids: GraphIds): void {
  sendGraphError(ctx, res, ids, 404, IMAGE_NOT_FOUND_CODE, IMAGE_NOT_FOUND_MESSAGE);
}

export function photoMetadataBody(oid: string, photo: UserPhoto): Record<string, unknown> {
  return {
    "@odata.context": `${CONTEXT}('${oid}')/photo/$entity`,
    "@odata.mediaContentType": photo.contentType,
    "@odata.mediaEtag": photo.etag,
    "@odata.etag": photo.etag,
    id: "default",
    height: photo.height,
    width: photo.width,
  };
}

/** 200 with the image bytes (a HEAD request gets the headers only). */
export function sendPhotoBytes(res: Response, photo: UserPhoto, bytes: Buffer = photo.bytes): void {
  res.setHeader("Content-Type", photo.contentType);
  res.setHeader("Content-Length", String(bytes.length));
  res.setHeader("ETag", photo.etag);
  res.setHeader("Cache-Control", "no-cache");
  res.status(200).end(bytes);
}

/** The photo padded (still a valid PNG of the same image) to at least `bytes`, capped at `maxBytes`. */
export function hugePhotoBytes(photo: UserPhoto, bytes: number, maxBytes: number): Buffer {
  const wanted = Number.isFinite(bytes) ? Math.min(Math.max(0, Math.floor(bytes)), maxBytes) : 0;
  return withPaddingChunk(photo.bytes, wanted);
}
