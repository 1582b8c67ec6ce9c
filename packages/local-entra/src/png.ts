/**
 * A minimal PNG encoder (8-bit truecolour RGB, no interlace) for the Graph stand-in's profile photos.
 *
 * Guarantees: the output is a valid PNG (ISO/IEC 15948): the 8-byte signature, IHDR, one IDAT
 * (zlib-deflated scanlines, each with filter type 0) and IEND, every chunk with its CRC-32 (node:zlib's
 * crc32, Node >= 20.15). `withPaddingChunk` inserts a private ancillary chunk (`ltPd`: ancillary,
 * private, safe to copy — decoders skip it) before IEND, so the image stays valid and decodes to
 * the same pixels while the file grows to at least the requested size.
 */
import { crc32, deflateSync } from "node:zlib";

export const PNG_SIGNATURE: readonly number[] = Object.freeze([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
]);

/** Length (4) + type (4) + CRC (4). */
export const CHUNK_OVERHEAD_BYTES = 12;

/** The padding chunk's type: lower-case 1st letter = ancillary, 2nd = private, 4th = safe to copy. */
export const PADDING_CHUNK_TYPE = "ltPd";

const IEND_BYTES = CHUNK_OVERHEAD_BYTES;

export function pngChunk(type: string, data: Buffer): Buffer {
  const typeBytes = Buffer.from(type, "latin1");
  if (typeBytes.length !== 4) throw new Error(`a PNG chunk type has 4 letters, not '${type}'`);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(typeBytes)));
  return Buffer.concat([length, typeBytes, data, crc]);
}

/** `rgb` holds width*height pixels, 3 bytes each, row by row from the top. */
export function encodePng(width: number, height: number, rgb: Buffer): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error("PNG dimensions must be positive integers");
  }
  const stride = width * 3;
  if (rgb.length !== stride * height) throw new Error("pixel data does not match the dimensions");
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: truecolour
  header.writeUInt8(0, 10); // compression: deflate
  header.writeUInt8(0, 11); // filter method 0
  header.writeUInt8(0, 12); // no interlace
  const scanlines = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y += 1) {
    // Byte 0 of each scanline is its filter type (0: none), already zero.
    rgb.copy(scanlines, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  }
  return Buffer.concat([
    Buffer.from(PNG_SIGNATURE),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(scanlines)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * The same image padded with one `ltPd` chunk (zero bytes) before IEND to at least `minBytes`
 * (the PNG itself when it is already that large). `png` must end with IEND, as encodePng's do.
 */
export function withPaddingChunk(png: Buffer, minBytes: number): Buffer {
  const deficit = minBytes - png.length;
  if (deficit <= 0) return png;
  const padding = pngChunk(PADDING_CHUNK_TYPE, Buffer.alloc(Math.max(0, deficit - CHUNK_OVERHEAD_BYTES)));
  const iendAt = png.length - IEND_BYTES;
  return Buffer.concat([png.subarray(0, iendAt), padding, png.subarray(iendAt)]);
}
