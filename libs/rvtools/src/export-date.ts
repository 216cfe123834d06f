import type { ExportDateBasis, InventoryVm } from '#libs/inventory';

/**
 * RVTools names its files `RVTools_export_all_2025-09-26_13.41.46` (date, then local time);
 * renamed copies often keep at least the date (`RVTools_2024-02-27`).
 */
const DATE_IN_FILE_NAME = /(?:^|\D)((?:19|20)\d\d)-(\d\d)-(\d\d)(?:[_ T](\d\d)[.:](\d\d)[.:](\d\d))?(?!\d)/;

/** The export time a file name states, ISO-8601 (RVTools' local time read as UTC), or null. */
export function exportDateFromFileName(fileName: string): string | null {
  const match = DATE_IN_FILE_NAME.exec(fileName);
  if (!match) return null;
  const [, year, month, day, hour = '00', minute = '00', second = '00'] = match;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}.000Z`;
  const ms = Date.parse(iso);
  // Date.parse accepts 2025-02-30 as March 2: only a date that reads back the same is one.
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== iso) return null;
  return iso;
}

/**
 * The newest timestamp the VMs carry (creation, power-on, configuration change, snapshots): the
 * export cannot be older than that, so it bounds the export time when nothing names it.
 */
export function newestVmTimestamp(vms: readonly InventoryVm[]): string | null {
  let newest = Number.NEGATIVE_INFINITY;
  let newestText: string | null = null;
  const consider = (value: string | null): void => {
    if (value === null) return;
    const ms = Date.parse(value);
    if (Number.isFinite(ms) && ms > newest) {
      newest = ms;
      newestText = value;
    }
  };
  for (const vm of vms) {
    consider(vm.createdAt);
    consider(vm.poweredOnAt);
    consider(vm.configChangedAt);
    for (const snapshot of vm.snapshots) consider(snapshot.createdAt);
  }
  return newestText === null ? null : new Date(newest).toISOString();
}

/** vMetaData's creation time first, then the file name, then the newest timestamp in the file. */
export function exportDate(
  fromMetadata: string | null,
  fileName: string,
  vms: readonly InventoryVm[],
): { exportedAt: string | null; exportedAtBasis: ExportDateBasis | null } {
  if (fromMetadata !== null && Number.isFinite(Date.parse(fromMetadata)))
    return { exportedAt: new Date(Date.parse(fromMetadata)).toISOString(), exportedAtBasis: 'vMetaData' };
  const named = exportDateFromFileName(fileName);
  if (named !== null) return { exportedAt: named, exportedAtBasis: 'file-name' };
  const newest = newestVmTimestamp(vms);
  if (newest !== null) return { exportedAt: newest, exportedAtBasis: 'newest-timestamp' };
  return { exportedAt: null, exportedAtBasis: null };
}
