/**
 * The test users' profile photos, generated once per tenant start.
 *
 * Guarantees: exactly the users with `hasPhoto` get a photo; each is a valid PNG (see png.ts), square,
 * in one of Graph's HD sizes — the first user with a photo 96 px, the second 120 px, the third 64 px,
 * and so on round — showing a plain avatar silhouette (a head and shoulders, no initials) in two
 * colours derived from the sha256 of the user's oid, so a user's photo is byte-for-byte the same on
 * every start (Adele Vance: 96×96, Megan Bowen: 120×120). The etag is Graph-style weak,
 * `W/"<sha256 hex of the bytes>"`. Nothing here is module-level state: the map belongs to one tenant.
 */
import { createHash } from "node:crypto";
import { encodePng } from "./png.js";
import type { LocalTenantUser } from "./users.js";

export interface UserPhoto {
  readonly contentType: "image/png";
  readonly width: number;
  readonly height: number;
  readonly bytes: Buffer;
  /** `W/"…"`, for `@odata.mediaEtag` / `@odata.etag` and the ETag header. */
  readonly etag: string;
}

const SIZES = [96, 120, 64] as const;

function pixels(size: number, background: readonly number[], figure: readonly number[]): Buffer {
  const rgb = Buffer.alloc(size * size * 3);
  const head = { x: size / 2, y: size * 0.4, r: size * 0.19 };
  const shoulders = { x: size / 2, y: size * 1.02, rx: size * 0.38, ry: size * 0.36 };
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const px = x + 0.5;
      const py = y + 0.5;
      const inHead = (px - head.x) ** 2 + (py - head.y) ** 2 <= head.r ** 2;
      const inShoulders =
        ((px - shoulders.x) / shoulders.rx) ** 2 + ((py - shoulders.y) / shoulders.ry) ** 2 <= 1;
      const colour = inHead || inShoulders ? figure : background;
      const at = (y * size + x) * 3;
      rgb[at] = colour[0] ?? 0;
      rgb[at + 1] = colour[1] ?? 0;
      rgb[at + 2] = colour[2] ?? 0;
    }
  }
  return rgb;
}

export function createUserPhoto(oid: string, size: number): UserPhoto {
  const seed = createHash("sha256").update(`local-tenant-photo:${oid}`).digest();
  // A darker background and a lighter figure, so the silhouette always shows.
  const background = [64 + ((seed[1] ?? 0) % 96), 64 + ((seed[2] ?? 0) % 96), 64 + ((seed[3] ?? 0) % 96)];
  const figure = [200 + ((seed[4] ?? 0) % 56), 200 + ((seed[5] ?? 0) % 56), 200 + ((seed[6] ?? 0) % 56)];
  const bytes = encodePng(size, size, pixels(size, background, figure));
  return {
    contentType: "image/png",
    width: size,
    height: size,
    bytes,
    etag: `W/"${createHash("sha256").update(bytes).digest("hex")}"`,
  };
}

/** oid → photo, for the users with `hasPhoto`. */
export function createUserPhotos(users: readonly LocalTenantUser[]): ReadonlyMap<string, UserPhoto> {
  return new Map(
    users
      .filter((user) => user.hasPhoto)
      .map((user, index) => [user.oid, createUserPhoto(user.oid, SIZES[index % SIZES.length] ?? 96)]),
  );
}
