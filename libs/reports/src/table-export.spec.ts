import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, writeVmsCsv, writeVmsJson, writeWavesCsv, writeWavesJson } from './table-export.js';
import { syntheticReportInput } from './testing/synthetic-report-input.js';

async function capture(write: (stream: PassThrough) => Promise<void>): Promise<string> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await write(stream);
  return Buffer.concat(chunks).toString('utf8');
}

describe('CSV and JSON exports', () => {
  const input = syntheticReportInput({ vms: 40, waves: 3, seed: 5 });
  input.vms[0].name = '=HYPERLINK("http://x","y")';
  input.vms[1].name = '-2, "quoted"';
  input.vms[2].name = 'line\nbreak';

  it('writes the VMs table as RFC 4180 CSV with a BOM, guarded against formulas', async () => {
    const text = await capture((stream) => writeVmsCsv(input.vms, stream));
    expect(text.startsWith('\ufeffVM key,VM,Disposition,')).toBe(true);
    const rows: string[][] = parse(text.slice(1), { relax_column_count: false });
    expect(rows).toHaveLength(input.vms.length + 1);
    expect(rows[0]).toContain('Memory (GiB)');
    expect(rows[0]).toContain('Est. transfer (hours)');
    expect(rows[1][1]).toBe(`'=HYPERLINK("http://x","y")`);
    expect(rows[2][1]).toBe(`'-2, "quoted"`);
    expect(rows[3][1]).toBe('line\nbreak');
    const memory = rows[0].indexOf('Memory (GiB)');
    expect(rows[4][memory]).toBe(String(input.vms[3].memoryGiB));
    expect(text.split('\r\n')[1].startsWith(`${input.vms[0].key},"'=HYPERLINK(""http://x"",""y"")"`)).toBe(
      true,
    );
  });

  it('writes the Waves table in wave order, without a BOM when asked', async () => {
    const text = await capture((stream) => writeWavesCsv(input, stream, { bom: false }));
    const rows: string[][] = parse(text);
    expect(rows[0].slice(0, 4)).toEqual(['Wave', 'Wave name', 'VM key', 'VM']);
    const waves = rows.slice(1).map((row) => Number(row[0]));
    expect(waves).toEqual([...waves].sort((a, b) => a - b));
    expect(waves).toHaveLength(input.vms.filter((vm) => vm.wave !== null).length);
  });

  it('writes JSON with the same columns, typed, lists kept as lists', async () => {
    const vms = JSON.parse(await capture((stream) => writeVmsJson(input.vms, stream)));
    expect(vms).toHaveLength(input.vms.length);
    expect(vms[0]).toMatchObject({
      vmKey: input.vms[0].key,
      vm: '=HYPERLINK("http://x","y")',
      memoryGiB: input.vms[0].memoryGiB,
      storageClasses: input.vms[0].storageClasses,
      concerns: input.vms[0].concerns,
    });
    const waves = JSON.parse(await capture((stream) => writeWavesJson(input, stream)));
    expect(waves[0]).toMatchObject({ wave: 1, vmKey: expect.any(String), transferGiB: expect.any(Number) });
    expect(JSON.parse(await capture((stream) => writeVmsJson([], stream)))).toEqual([]);
  });

  it('quotes and guards single fields', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(-3.5)).toBe('-3.5');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField('\tfoo')).toBe("'\tfoo");
  });
});
