/** The sheets of an RVTools export (4.x; `vFloppy` in some versions), as RVTools names them. */
export const RVTOOLS_SHEETS = [
  'vInfo',
  'vCPU',
  'vMemory',
  'vDisk',
  'vPartition',
  'vNetwork',
  'vCD',
  'vUSB',
  'vSnapshot',
  'vTools',
  'vSource',
  'vRP',
  'vCluster',
  'vHost',
  'vHBA',
  'vNIC',
  'vSwitch',
  'vPort',
  'dvSwitch',
  'dvPort',
  'vSC_VMK',
  'vDatastore',
  'vMultiPath',
  'vLicense',
  'vFileInfo',
  'vHealth',
  'vMetaData',
  'vFloppy',
] as const;

const CANONICAL_SHEET = new Map<string, string>(RVTOOLS_SHEETS.map((sheet) => [sheet.toLowerCase(), sheet]));

/** RVTools' spelling of a sheet named in any case (`vinfo` -> `vInfo`), or null for another sheet. */
export function knownRvtoolsSheet(name: string): string | null {
  return CANONICAL_SHEET.get(name.toLowerCase()) ?? null;
}

/** `tabvInfo`, ` vinfo ` -> `vInfo`: the old `tab` prefix and case do not matter; other names are kept, trimmed. */
export function canonicalSheetName(name: string): string {
  const trimmed = name.trim();
  return knownRvtoolsSheet(trimmed) ?? knownRvtoolsSheet(trimmed.replace(/^tab/i, '')) ?? trimmed;
}
