import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  DISPOSITION_COLORS,
  formatChartNumber,
  renderDataPerWaveChart,
  renderDispositionChart,
} from './charts.js';
import { crc32, RasterCanvas } from './png-canvas.js';

interface DecodedPng {
  width: number;
  height: number;
  pixel(x: number, y: number): number;
}

/** Decodes the PNGs this module writes (8-bit RGB, filter 0), checking every chunk's CRC. */
function decodePng(png: Buffer): DecodedPng {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
    types.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe((width * 3 + 1) * height);
  return {
    width,
    height,
    pixel(x, y) {
      const i = y * (width * 3 + 1) + 1 + x * 3;
      return (raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2];
    },
  };
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('RasterCanvas', () => {
  it('encodes rectangles into a PNG that decodes to the same pixels', () => {
    const canvas = new RasterCanvas(20, 10, 0xffffff);
    canvas.fillRect(2, 3, 5, 4, 0x123456);
    const png = decodePng(canvas.toPng());
    expect([png.width, png.height]).toEqual([20, 10]);
    expect(png.pixel(2, 3)).toBe(0x123456);
    expect(png.pixel(6, 6)).toBe(0x123456);
    expect(png.pixel(7, 6)).toBe(0xffffff);
    expect(png.pixel(1, 3)).toBe(0xffffff);
  });

  it('draws pie slices clockwise from twelve o’clock', () => {
    const canvas = new RasterCanvas(101, 101);
    canvas.fillPie(50, 50, 40, [
      { value: 1, color: 0xff0000 },
      { value: 3, color: 0x0000ff },
    ]);
    expect(canvas.getPixel(70, 30)).toBe(0xff0000); // upper right quarter: first slice
    expect(canvas.getPixel(30, 70)).toBe(0x0000ff);
    expect(canvas.getPixel(30, 30)).toBe(0x0000ff);
    expect(canvas.getPixel(2, 2)).toBe(0xffffff);
  });

  it('draws text in the bitmap font and measures it', () => {
    const canvas = new RasterCanvas(40, 12);
    canvas.drawText(1, 1, 'Hi 1', 0x000000, 1);
    let ink = 0;
    for (let y = 0; y < 12; y++) for (let x = 0; x < 40; x++) if (canvas.getPixel(x, y) === 0) ink++;
    expect(ink).toBeGreaterThan(20);
    expect(canvas.getPixel(1, 1)).toBe(0x000000); // top-left of H
    expect(RasterCanvas.measureText('Hi 1', 2)).toBe((4 * 6 - 1) * 2);
  });
});

describe('charts', () => {
  it('renders the disposition pie with each disposition colour and a description', () => {
    const chart = renderDispositionChart({ rehost: 60, retain: 30, retire: 10 });
    const png = decodePng(chart.png);
    expect([png.width, png.height]).toEqual([chart.width, chart.height]);
    const colours = new Set<number>();
    for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) colours.add(png.pixel(x, y));
    for (const colour of Object.values(DISPOSITION_COLORS)) expect(colours.has(colour)).toBe(true);
    expect(chart.description).toBe(
      'VMs by disposition: rehost 60 (60.0%), retain 30 (30.0%), retire 10 (10.0%)',
    );
  });

  it('renders one bar per wave, tallest for the most data', () => {
    const chart = renderDataPerWaveChart([
      { number: 1, dataGiB: 100 },
      { number: 2, dataGiB: 400 },
    ]);
    const png = decodePng(chart.png);
    // Bars are runs of columns holding the bar colour; note each run's highest pixel.
    const bars: { top: number }[] = [];
    let inBar = false;
    for (let x = 0; x < png.width; x++) {
      let top = -1;
      for (let y = 0; y < png.height && top < 0; y++) if (png.pixel(x, y) === 0x4472c4) top = y;
      if (top >= 0 && !inBar) bars.push({ top });
      inBar = top >= 0;
    }
    expect(bars).toHaveLength(2);
    expect(bars[1].top).toBeLessThan(bars[0].top);
    expect(chart.description).toBe('Data per wave (GiB): wave 1 100 GiB, wave 2 400 GiB');
    expect(renderDataPerWaveChart([]).png.length).toBeGreaterThan(100);
  });

  it('formats chart numbers compactly', () => {
    expect(formatChartNumber(1234.5)).toBe('1,235');
    expect(formatChartNumber(12.34)).toBe('12');
    expect(formatChartNumber(1.25)).toBe('1.3');
    expect(formatChartNumber(3)).toBe('3');
  });
});
