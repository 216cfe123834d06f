import { deflateSync } from 'node:zlib';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows } from './bitmap-font.js';

/** 0xRRGGBB */
export type Rgb = number;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG chunks need it (ISO 3309, the same polynomial as zip and gzip). */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export interface PieSlice {
  value: number;
  color: Rgb;
}

/**
 * An RGB raster with the few primitives the report charts need. Coordinates are pixels, origin
 * top left; everything is clipped to the canvas.
 */
export class RasterCanvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = 0xffffff,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`canvas size must be positive integers, got ${width}x${height}`);
    }
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, color: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.pixels[i] = (color >> 16) & 0xff;
    this.pixels[i + 1] = (color >> 8) & 0xff;
    this.pixels[i + 2] = color & 0xff;
  }

  getPixel(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return (this.pixels[i] << 16) | (this.pixels[i + 1] << 8) | this.pixels[i + 2];
  }

  fillRect(x: number, y: number, width: number, height: number, color: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + width));
    const y1 = Math.min(this.height, Math.round(y + height));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.setPixel(px, py, color);
  }

  /** A rectangle outline one pixel wide. */
  strokeRect(x: number, y: number, width: number, height: number, color: Rgb): void {
    this.fillRect(x, y, width, 1, color);
    this.fillRect(x, y + height - 1, width, 1, color);
    this.fillRect(x, y, 1, height, color);
    this.fillRect(x + width - 1, y, 1, height, color);
  }

  /**
   * A pie of slices clockwise from twelve o'clock. Each pixel is sampled 4x4 so that the rim and
   * the slice borders are smoothed against whatever is underneath.
   */
  fillPie(cx: number, cy: number, radius: number, slices: readonly PieSlice[]): void {
    const total = slices.reduce((sum, slice) => sum + Math.max(0, slice.value), 0);
    if (total <= 0 || radius <= 0) return;
    const ends: number[] = [];
    let acc = 0;
    for (const slice of slices) {
      acc += Math.max(0, slice.value);
      ends.push((acc / total) * 2 * Math.PI);
    }
    const samples = 4;
    const counts = new Array<number>(slices.length);
    const x0 = Math.max(0, Math.floor(cx - radius - 1));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + radius + 1));
    const y0 = Math.max(0, Math.floor(cy - radius - 1));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + radius + 1));
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        counts.fill(0);
        let inside = 0;
        for (let sy = 0; sy < samples; sy++) {
          for (let sx = 0; sx < samples; sx++) {
            const dx = px + (sx + 0.5) / samples - cx;
            const dy = py + (sy + 0.5) / samples - cy;
            if (dx * dx + dy * dy > radius * radius) continue;
            // Angle clockwise from twelve o'clock, 0..2π.
            let angle = Math.atan2(dx, -dy);
            if (angle < 0) angle += 2 * Math.PI;
            let index = ends.findIndex((end) => angle < end);
            if (index < 0) index = slices.length - 1;
            counts[index]++;
            inside++;
          }
        }
        if (inside === 0) continue;
        const under = this.getPixel(px, py);
        const weightUnder = samples * samples - inside;
        let r = ((under >> 16) & 0xff) * weightUnder;
        let g = ((under >> 8) & 0xff) * weightUnder;
        let b = (under & 0xff) * weightUnder;
        for (let i = 0; i < slices.length; i++) {
          if (counts[i] === 0) continue;
          const color = slices[i].color;
          r += ((color >> 16) & 0xff) * counts[i];
          g += ((color >> 8) & 0xff) * counts[i];
          b += (color & 0xff) * counts[i];
        }
        const n = samples * samples;
        this.setPixel(px, py, (Math.round(r / n) << 16) | (Math.round(g / n) << 8) | Math.round(b / n));
      }
    }
  }

  /** Width in pixels of `text` drawn at `scale`. */
  static measureText(text: string, scale = 1): number {
    if (text.length === 0) return 0;
    return (text.length * GLYPH_ADVANCE - 1) * scale;
  }

  static textHeight(scale = 1): number {
    return GLYPH_HEIGHT * scale;
  }

  /** Draws text with its top-left corner at (x, y), each font pixel `scale` canvas pixels wide. */
  drawText(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    let penX = Math.round(x);
    const top = Math.round(y);
    for (const char of text) {
      const rows = glyphRows(char);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        const bits = rows[row];
        if (bits === 0) continue;
        for (let col = 0; col < GLYPH_WIDTH; col++) {
          if (bits & (1 << (GLYPH_WIDTH - 1 - col))) {
            this.fillRect(penX + col * scale, top + row * scale, scale, scale, color);
          }
        }
      }
      penX += GLYPH_ADVANCE * scale;
    }
  }

  /** Encodes the raster as an 8-bit RGB PNG (no interlace, filter 0 on every scanline). */
  toPng(): Buffer {
    const stride = this.width * 3;
    const raw = Buffer.alloc((stride + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (stride + 1)] = 0;
      raw.set(this.pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header[8] = 8; // bit depth
    header[9] = 2; // colour type: truecolour RGB
    header[10] = 0; // compression: deflate
    header[11] = 0; // filter method 0
    header[12] = 0; // no interlace
    return Buffer.concat([
      PNG_SIGNATURE,
      pngChunk('IHDR', header),
      pngChunk('IDAT', deflateSync(raw, { level: 9 })),
      pngChunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length, 0);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData), 0);
  return Buffer.concat([length, typeAndData, crc]);
}
