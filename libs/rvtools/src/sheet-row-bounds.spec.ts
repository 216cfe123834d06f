import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  floodVdisk,
  floodVhealth,
  floodVhost,
  floodVinfo,
  floodVnetwork,
  writeRowFloodExport,
} from '../../../test/fixtures/hostile/hostile-workbooks.js';
import { readRvtoolsInventory } from './read-rvtools-inventory.js';
import { RvtoolsImportError } from './rvtools-import-error.js';
import { INFRASTRUCTURE_ROWS_FLOOR, sheetRowBound, UNLISTED_VM_ROWS } from './sheet-row-bounds.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-floods-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(file: string): Promise<RvtoolsImportError> {
  const error = await readRvtoolsInventory({ path: join(dir, file) }).then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof RvtoolsImportError)) throw new Error(`${file} was not refused: ${String(error)}`);
  return error;
}

const VDISK_LIMIT_FOR_10_VMS = 10 * 64 + UNLISTED_VM_ROWS;

describe('sheet row bounds', () => {
  it('bound per-VM sheets by the VMs vInfo lists, the other sheets by a floor or 10 rows per VM', () => {
    expect(sheetRowBound('vInfo', 10)).toBeNull();
    expect(sheetRowBound('vDisk', 10)?.rows).toBe(VDISK_LIMIT_FOR_10_VMS);
    expect(sheetRowBound('vNetwork', 10)?.rows).toBe(100 + UNLISTED_VM_ROWS);
    expect(sheetRowBound('vCPU', 100_000)?.rows).toBe(100_000 + UNLISTED_VM_ROWS);
    expect(sheetRowBound('vHost', 10)?.rows).toBe(INFRASTRUCTURE_ROWS_FLOOR);
    expect(sheetRowBound('vHealth', 100_000)?.rows).toBe(1_000_000);
    // Read before vInfo (vMetaData, vSource): the floor.
    expect(sheetRowBound('vSource', null)?.rows).toBe(INFRASTRUCTURE_ROWS_FLOOR);
  });
});

describe('floods of real-looking rows are refused by the row bound of their sheet, naming file, sheet and limit', () => {
  it('vDisk rows for 10 VMs: the bound is read, one row more is refused (vDisk before vInfo in the file)', async () => {
    await writeRowFloodExport(join(dir, 'vdisk-at-bound.xlsx'), {
      vms: 10,
      flood: floodVdisk(10),
      rows: VDISK_LIMIT_FOR_10_VMS,
    });
    const inventory = await readRvtoolsInventory({ path: join(dir, 'vdisk-at-bound.xlsx') });
    expect(inventory.vms).toHaveLength(10);
    expect(inventory.vms.reduce((disks, vm) => disks + vm.disks.length, 0)).toBe(VDISK_LIMIT_FOR_10_VMS);

    await writeRowFloodExport(join(dir, 'vdisk-flood.xlsx'), {
      vms: 10,
      flood: floodVdisk(10),
      rows: 20_000,
    });
    const error = await refusal('vdisk-flood.xlsx');
    expect(error.code).toBe('too-large');
    expect(error.sheet).toBe('vDisk');
    expect(error.message).toBe(
      `"vdisk-flood.xlsx", sheet vDisk: the sheet has more than 10,640 rows, the limit for the 10 VMs vInfo lists (64 per VM: virtual disks per VM on average, a full PVSCSI adapter; plus 10,000 rows of VMs vInfo does not list).`,
    );
  });

  it('vNetwork rows, vInfo first in the file', async () => {
    await writeRowFloodExport(join(dir, 'vnetwork-flood.xlsx'), {
      vms: 10,
      flood: floodVnetwork(10),
      rows: 20_000,
      floodFirst: false,
    });
    expect((await refusal('vnetwork-flood.xlsx')).message).toBe(
      `"vnetwork-flood.xlsx", sheet vNetwork: the sheet has more than 10,100 rows, the limit for the 10 VMs vInfo lists (10 per VM: virtual NICs per VM, vSphere's maximum; plus 10,000 rows of VMs vInfo does not list).`,
    );
  });

  it('hosts, an infrastructure sheet', async () => {
    await writeRowFloodExport(join(dir, 'vhost-flood.xlsx'), { vms: 10, flood: floodVhost(), rows: 55_000 });
    expect((await refusal('vhost-flood.xlsx')).message).toBe(
      '"vhost-flood.xlsx", sheet vHost: the sheet has more than 50,000 rows, the limit for the 10 VMs vInfo lists (10 rows per VM, at least 50,000).',
    );
  });

  it('a sheet Flotilla does not read: its rows are counted all the same', async () => {
    await writeRowFloodExport(join(dir, 'vhealth-flood.xlsx'), {
      vms: 10,
      flood: floodVhealth(),
      rows: 55_000,
    });
    const error = await refusal('vhealth-flood.xlsx');
    expect(error.sheet).toBe('vHealth');
    expect(error.message).toContain('sheet vHealth: the sheet has more than 50,000 rows');
  });

  it('a zip of RVTools CSV files', async () => {
    await writeRowFloodExport(join(dir, 'vdisk-flood.zip'), {
      vms: 10,
      flood: floodVdisk(10),
      rows: 20_000,
      format: 'csv-zip',
    });
    const error = await refusal('vdisk-flood.zip');
    expect(error.sheet).toBe('vDisk');
    expect(error.message).toContain('"vdisk-flood.zip", sheet vDisk: the sheet has more than 10,640 rows');
  });

  it('rows of VMs vInfo does not list (a hand-trimmed vInfo) are diagnosed, not refused, within the allowance', async () => {
    // vCPU holds one row per VM: 10 of the listed VMs and 9,000 of others.
    const vinfo = floodVinfo(9_010);
    const vcpu = {
      name: 'vCPU',
      header: ['VM', 'CPUs', 'VM ID'],
      row: (index: number) => [String(vinfo.row(index)[0]), 4, `vm-${1000 + index}`],
    };
    await writeRowFloodExport(join(dir, 'trimmed.xlsx'), { vms: 10, flood: vcpu, rows: 9_010 });
    const inventory = await readRvtoolsInventory({ path: join(dir, 'trimmed.xlsx') });
    expect(inventory.vms).toHaveLength(10);
    expect(inventory.diagnostics.map((entry) => entry.message)).toContainEqual(
      expect.stringMatching(/^8950 more like this \(9000 in all\): row belongs to a VM that is not in vInfo/),
    );
  });
});
