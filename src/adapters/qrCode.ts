// The QR code of a link as a PNG data URL, as the Request Service returns it and the portal shows it. The qrcode
// package lays out the symbol (error correction level M, its own choice of mask); the PNG is written here as 1-bit greyscale, 4 pixels a
// module with a quiet zone of 2 modules, each row unfiltered and the whole compressed by zlib. Drawing RGBA pixels
// and letting the PNG encoder try every filter on every row cost several times more CPU than the symbol itself.
import { deflateSync } from "node:zlib";
import QRCode from "qrcode";

const PIXELS_PER_MODULE = 4;
const QUIET_ZONE_MODULES = 2;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG chunk: length, type, data, and the CRC of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function qrCodeDataUrl(text: string): string {
  // One byte-mode segment: a link is bytes anyway, and searching for the shortest mix of modes costs more than the
  // rest of the symbol.
  const { modules } = QRCode.create([{ data: Buffer.from(text, "utf8"), mode: "byte" }], {
    errorCorrectionLevel: "M",
  });
  const side = (modules.size + 2 * QUIET_ZONE_MODULES) * PIXELS_PER_MODULE;
  const rowBytes = Math.ceil(side / 8);
  const stride = rowBytes + 1;
  // Each row: filter type 0, then one bit a pixel, 1 white and 0 black. The first row of each module row is drawn,
  // the others are copies of it.
  const pixels = Buffer.alloc(stride * side);
  for (let y = 0; y < side; y += PIXELS_PER_MODULE) {
    const start = y * stride;
    const moduleRow = y / PIXELS_PER_MODULE - QUIET_ZONE_MODULES;
    const rowInside = moduleRow >= 0 && moduleRow < modules.size;
    for (let x = 0; x < side; x++) {
      const moduleColumn = Math.floor(x / PIXELS_PER_MODULE) - QUIET_ZONE_MODULES;
      const inside = rowInside && moduleColumn >= 0 && moduleColumn < modules.size;
      if (!inside || !modules.get(moduleRow, moduleColumn)) {
        const at = start + 1 + (x >> 3);
        pixels[at] = (pixels[at] ?? 0) | (0x80 >> (x & 7));
      }
    }
    for (let copy = 1; copy < PIXELS_PER_MODULE; copy++)
      pixels.copy(pixels, start + copy * stride, start, start + stride);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter method, no interlace
  const png = Buffer.concat([
    PNG_SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${png.toString("base64")}`;
}
