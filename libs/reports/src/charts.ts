import { RasterCanvas, type Rgb } from './png-canvas.js';

/** A rendered chart: PNG bytes and the pixel size the sheet should show it at. */
export interface ChartImage {
  png: Buffer;
  width: number;
  height: number;
  /** Alt text for the drawing, so the chart's content is not lost to screen readers. */
  description: string;
}

export const DISPOSITION_COLORS: Readonly<Record<string, Rgb>> = {
  rehost: 0x63be7b,
  retain: 0xffc000,
  retire: 0xa6a6a6,
};
const OTHER_COLOR = 0x8064a2;
const BAR_COLOR = 0x4472c4;
const INK = 0x262626;
const MUTED_INK = 0x595959;
const GRID = 0xd9d9d9;
const TEXT_SCALE = 2;
const LINE = RasterCanvas.textHeight(TEXT_SCALE) + 8;

export function formatChartNumber(value: number): string {
  if (!Number.isFinite(value)) return '?';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10 || Number.isInteger(value)) return String(Math.round(value));
  return value.toFixed(1);
}

/** Pie of VMs by disposition with a legend of counts and shares. */
export function renderDispositionChart(byDisposition: Readonly<Record<string, number>>): ChartImage {
  const order = ['rehost', 'retain', 'retire'];
  const keys = [
    ...order.filter((key) => key in byDisposition),
    ...Object.keys(byDisposition)
      .filter((key) => !order.includes(key))
      .sort(),
  ];
  const entries = keys.map((key) => ({
    label: key,
    value: Math.max(0, byDisposition[key] ?? 0),
    color: DISPOSITION_COLORS[key] ?? OTHER_COLOR,
  }));
  const total = entries.reduce((sum, entry) => sum + entry.value, 0);
  const legend = entries.map((entry) => {
    const share = total > 0 ? ((entry.value / total) * 100).toFixed(1) : '0.0';
    return `${entry.label} ${formatChartNumber(entry.value)} (${share}%)`;
  });

  const title = 'VMs by disposition';
  const radius = 110;
  const pad = 16;
  const legendX = pad + 2 * radius + 32;
  const legendWidth = Math.max(...legend.map((text) => RasterCanvas.measureText(text, TEXT_SCALE) + 28), 120);
  const width = Math.max(legendX + legendWidth + pad, RasterCanvas.measureText(title, TEXT_SCALE) + 2 * pad);
  const top = pad + LINE + 8;
  const height = Math.max(top + 2 * radius + pad, top + entries.length * LINE + pad);
  const canvas = new RasterCanvas(width, height);
  canvas.drawText(pad, pad, title, INK, TEXT_SCALE);
  if (total > 0) {
    canvas.fillPie(pad + radius, top + radius, radius, entries);
  } else {
    canvas.drawText(pad, top + radius, 'no VMs', MUTED_INK, TEXT_SCALE);
  }
  entries.forEach((entry, i) => {
    const y = top + 20 + i * LINE;
    canvas.fillRect(legendX, y, 14, 14, entry.color);
    canvas.drawText(legendX + 22, y, legend[i], INK, TEXT_SCALE);
  });
  return {
    png: canvas.toPng(),
    width,
    height,
    description: `${title}: ${legend.join(', ')}`,
  };
}

/** Rounds a rough step up to 1, 2 or 5 times a power of ten. */
function niceStep(rough: number): number {
  if (rough <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

export interface WaveDataPoint {
  number: number;
  dataGiB: number;
}

/** Bars of data to copy per wave, labelled with the wave number and, where they fit, the GiB. */
export function renderDataPerWaveChart(waves: readonly WaveDataPoint[]): ChartImage {
  const title = 'Data per wave (GiB)';
  const pad = 16;
  const maxValue = Math.max(0, ...waves.map((wave) => wave.dataGiB));
  const step = niceStep(maxValue / 4);
  const axisMax = Math.max(step, Math.ceil(maxValue / step) * step);
  const ticks: number[] = [];
  for (let value = 0; value <= axisMax + step / 2; value += step) ticks.push(value);
  const axisLabelWidth = Math.max(
    ...ticks.map((tick) => RasterCanvas.measureText(formatChartNumber(tick), TEXT_SCALE)),
  );

  const plotLeft = pad + axisLabelWidth + 8;
  const slot =
    waves.length <= 12 ? 56 : waves.length <= 40 ? 28 : Math.max(4, Math.floor(1100 / waves.length));
  const plotWidth = Math.max(360, waves.length * slot);
  const width = plotLeft + plotWidth + pad;
  const plotTop = pad + LINE + 16;
  const plotHeight = 220;
  const plotBottom = plotTop + plotHeight;
  const height = plotBottom + 8 + LINE + pad;
  const canvas = new RasterCanvas(width, height);
  canvas.drawText(pad, pad, title, INK, TEXT_SCALE);

  for (const tick of ticks) {
    const y = plotBottom - Math.round((tick / axisMax) * plotHeight);
    canvas.fillRect(plotLeft, y, plotWidth, 1, GRID);
    const label = formatChartNumber(tick);
    canvas.drawText(
      plotLeft - 8 - RasterCanvas.measureText(label, TEXT_SCALE),
      y - RasterCanvas.textHeight(TEXT_SCALE) / 2,
      label,
      MUTED_INK,
      TEXT_SCALE,
    );
  }
  canvas.fillRect(plotLeft, plotTop, 1, plotHeight + 1, INK);
  canvas.fillRect(plotLeft, plotBottom, plotWidth, 1, INK);

  if (waves.length === 0) {
    canvas.drawText(plotLeft + 16, plotTop + plotHeight / 2, 'no waves', MUTED_INK, TEXT_SCALE);
  }
  const widestNumber = Math.max(
    0,
    ...waves.map((wave) => RasterCanvas.measureText(String(wave.number), TEXT_SCALE)),
  );
  const labelEvery = Math.max(1, Math.ceil((widestNumber + 6) / slot));
  const barWidth = Math.max(2, Math.round(slot * 0.7));
  waves.forEach((wave, i) => {
    const x = plotLeft + i * slot + Math.round((slot - barWidth) / 2);
    const barHeight = axisMax > 0 ? Math.round((Math.max(0, wave.dataGiB) / axisMax) * plotHeight) : 0;
    canvas.fillRect(x, plotBottom - barHeight, barWidth, barHeight, BAR_COLOR);
    const valueLabel = formatChartNumber(wave.dataGiB);
    if (RasterCanvas.measureText(valueLabel, TEXT_SCALE) <= slot - 2) {
      canvas.drawText(
        x + barWidth / 2 - RasterCanvas.measureText(valueLabel, TEXT_SCALE) / 2,
        plotBottom - barHeight - RasterCanvas.textHeight(TEXT_SCALE) - 4,
        valueLabel,
        INK,
        TEXT_SCALE,
      );
    }
    if (i % labelEvery === 0) {
      const label = String(wave.number);
      canvas.drawText(
        x + barWidth / 2 - RasterCanvas.measureText(label, TEXT_SCALE) / 2,
        plotBottom + 8,
        label,
        INK,
        TEXT_SCALE,
      );
    }
  });
  const described = waves
    .slice(0, 50)
    .map((wave) => `wave ${wave.number} ${formatChartNumber(wave.dataGiB)} GiB`)
    .join(', ');
  return {
    png: canvas.toPng(),
    width,
    height,
    description: `${title}: ${described}${waves.length > 50 ? ', …' : ''}`,
  };
}
