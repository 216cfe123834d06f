import { formatCount } from './read-limits.js';

/**
 * How many rows each sheet of an RVTools export can hold, given the VMs its vInfo lists. A flood
 * of real-looking rows (a million vDisk rows for a 10-VM vInfo) passes every cell, tag, ratio
 * and byte limit; it is stopped here, after at most the bound's rows, instead of after a million.
 *
 * Per-VM sheets hold what vSphere lets one VM have, so their rows are bounded by the VMs vInfo
 * lists times a per-VM maximum (vSphere 8.0 configuration maximums), plus an allowance for rows
 * of VMs vInfo does not list (an export whose vInfo was cut down by hand: those rows are diagnosed
 * and skipped, as before). Where vSphere's maximum is far past any estate (1,404 disks: 4 SCSI
 * adapters × 64 targets + 4 NVMe × 256 + 4 SATA × 30 + 4 IDE) or there is none (partitions), the
 * bound is one full PVSCSI adapter's 64 per VM on average: genuine exports average at most 2.3
 * disks and 4 partitions per VM (52 disks and 176 partitions on their largest VM).
 */
export const PER_VM_ROW_MAXIMUM: Readonly<Record<string, { rows: number; what: string }>> = {
  vCPU: { rows: 1, what: 'one row per VM' },
  vMemory: { rows: 1, what: 'one row per VM' },
  vTools: { rows: 1, what: 'one row per VM' },
  vDisk: { rows: 64, what: 'virtual disks per VM on average, a full PVSCSI adapter' },
  vNetwork: { rows: 10, what: "virtual NICs per VM, vSphere's maximum" },
  // CD/DVD drives sit on the IDE (4) and SATA (4 × 30) controllers.
  vCD: { rows: 124, what: 'CD/DVD drives per VM, the IDE and SATA devices vSphere allows' },
  vUSB: { rows: 20, what: "USB devices per VM, vSphere's maximum" },
  vSnapshot: { rows: 32, what: "snapshots per VM, vSphere's supported chain length" },
  vPartition: { rows: 64, what: 'guest partitions per VM on average' },
};

/** Rows of VMs vInfo does not list that a per-VM sheet may hold (a hand-trimmed vInfo). */
export const UNLISTED_VM_ROWS = 10_000;

/**
 * Every other sheet (hosts, datastores, switches, paths, health checks...; read or not): genuine
 * exports hold at most 5.5 rows per VM in any of them (vHealth, 7,058 rows for 1,288 VMs) and
 * 2,832 rows where VMs are few for their hosts (vMultiPath, 932 VMs); a small vCenter may list
 * hosts and datastores whose VMs were filtered out, so never fewer than the floor: a full
 * vCenter's 2,500 hosts (vSphere's maximum) with 20 rows each.
 */
export const INFRASTRUCTURE_ROWS_PER_VM = 10;
export const INFRASTRUCTURE_ROWS_FLOOR = 50_000;

export interface SheetRowBound {
  rows: number;
  /** How a refusal names the limit: `the limit for 10 VMs (...)`. */
  describe(): string;
}

/**
 * The row bound of `sheet` (canonical RVTools name) given the data rows of vInfo, or null for
 * vInfo itself (bounded by the VM limit). `vinfoRows` is null before vInfo has been read.
 */
export function sheetRowBound(sheet: string, vinfoRows: number | null): SheetRowBound | null {
  if (sheet === 'vInfo') return null;
  const vms = vinfoRows ?? 0;
  const perVm = PER_VM_ROW_MAXIMUM[sheet];
  if (perVm) {
    const rows = vms * perVm.rows + UNLISTED_VM_ROWS;
    return {
      rows,
      describe: () =>
        `the limit for the ${formatCount(vms)} VMs vInfo lists (${formatCount(perVm.rows)} per VM: ${perVm.what}; plus ${formatCount(UNLISTED_VM_ROWS)} rows of VMs vInfo does not list)`,
    };
  }
  const rows = Math.max(INFRASTRUCTURE_ROWS_FLOOR, vms * INFRASTRUCTURE_ROWS_PER_VM);
  return {
    rows,
    describe: () =>
      `the limit for the ${formatCount(vms)} VMs vInfo lists (${INFRASTRUCTURE_ROWS_PER_VM} rows per VM, at least ${formatCount(INFRASTRUCTURE_ROWS_FLOOR)})`,
  };
}
