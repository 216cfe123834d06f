import type {
  ConnectionState,
  Firmware,
  Inventory,
  InventoryCluster,
  InventoryDatacenter,
  InventoryDatastore,
  InventoryDisk,
  InventoryHost,
  InventoryNetwork,
  InventoryNic,
  InventoryVm,
  PowerState,
  VcenterRef,
} from '#libs/inventory';
import { DiagnosticLog } from './diagnostic-log.js';
import { exportDate } from './export-date.js';
import { type FieldAliases, fieldAliases, normalizeHeader } from './header-normalization.js';
import { formatCount } from './read-limits.js';
import {
  AFTER_CUSTOM_ATTRIBUTE_KEYS,
  ANNOTATION_KEY,
  KNOWN_VINFO_KEYS,
  PORT_GROUP_FIELDS,
  VCD_FIELDS,
  VCLUSTER_FIELDS,
  VCPU_FIELDS,
  VDATASTORE_FIELDS,
  VDISK_FIELDS,
  VHOST_FIELDS,
  VINFO_FIELDS,
  VINFO_NETWORK_COLUMN,
  VM_IDENTITY_FIELDS,
  VMEMORY_FIELDS,
  VMETADATA_FIELDS,
  VNETWORK_FIELDS,
  VPARTITION_FIELDS,
  VSNAPSHOT_FIELDS,
  VSOURCE_FIELDS,
  VTOOLS_FIELDS,
  VUSB_FIELDS,
} from './rvtools-columns.js';
import { RvtoolsImportError } from './rvtools-import-error.js';
import { canonicalSheetName } from './rvtools-sheet-names.js';
import { SheetLayout } from './sheet-layout.js';
import { SheetRow, SourceRecordBuilder } from './sheet-row.js';
import { type SheetRowBound, sheetRowBound } from './sheet-row-bounds.js';
import type { RvtoolsSheetSource } from './sheet-source.js';
import { disksFromVinfo, nicsFromVinfo, type VinfoDeviceFacts } from './vinfo-fallback.js';

export interface RvtoolsProgress {
  sheet: string;
  /** Rows read so far in this sheet (header excluded). */
  rows: number;
  /** Rows read so far in every sheet read. */
  totalRows: number;
  /** VMs (and templates) vInfo has listed so far. */
  vms: number;
  /** Bytes of the zip inflated so far, and what reading every sheet the import needs inflates; null for CSV files. */
  inflatedBytes: number | null;
  totalInflatedBytes: number | null;
}

type Columns<T extends Record<string, FieldAliases>> = Record<keyof T, number>;
type IdentityColumns = Columns<typeof VM_IDENTITY_FIELDS>;

/** Per-VM sheets joined to vInfo rows, in the order they are read. */
const VM_CHILD_SHEETS = [
  'vCPU',
  'vMemory',
  'vDisk',
  'vPartition',
  'vNetwork',
  'vCD',
  'vUSB',
  'vSnapshot',
  'vTools',
];
/** Infrastructure sheets, read after the per-VM ones. */
const PORT_GROUP_SHEETS = ['vSwitch', 'vPort', 'dvSwitch', 'dvPort'];
const PROGRESS_EVERY_ROWS = 5_000;

/** VM-sheet columns holding timestamps: their serial numbers become ISO strings in `vm.source`. */
const DATE_COLUMN_KEYS = new Set(
  ['Creation date', 'PowerOn', 'Change Version', 'Suspend time', 'Date / time'].map(normalizeHeader),
);

const DATASTORE_IN_PATH = /^\s*\[([^\]]+)\]/;

/** Child sheets whose row count per VM vInfo states (`Disks`, `NICs`): checked against each other. */
const COUNTED_CHILD_SHEETS = { vDisk: 'disks', vNetwork: 'nics' } as const;
type CountedChildSheet = keyof typeof COUNTED_CHILD_SHEETS;

/** `4.7.1.4`; Excel sometimes turns the version cell into a date serial (`45926.17...`). */
const RVTOOLS_VERSION = /^\d+\.\d+\.\d+/;

interface ChildSheetHandler {
  /** Called once with the header row. */
  header(row: SheetRow): void;
  /** Called for each row already joined to its VM. */
  row(vm: InventoryVm, row: SheetRow): void;
}

/**
 * Builds the normalized inventory from the sheets of one RVTools export: vInfo makes the VMs,
 * the other per-VM sheets are joined to them by (vCenter, VM ID), then VM UUID, then a VM name
 * that is unique, and the infrastructure sheets fill hosts, clusters, datastores and networks.
 * Everything but a missing vInfo / VM column / VM row is a diagnostic, never an abort.
 */
export class RvtoolsInventoryBuilder {
  private readonly log = new DiagnosticLog();
  private readonly vms: InventoryVm[] = [];
  private readonly vmByKey = new Map<string, InventoryVm>();
  private readonly vmsByMoref = new Map<string, InventoryVm[]>();
  private readonly vmsByUuid = new Map<string, InventoryVm[]>();
  private readonly vmsByName = new Map<string, InventoryVm[]>();
  private readonly vcenters = new Map<string, VcenterRef>();
  private readonly hosts = new Map<string, InventoryHost>();
  private readonly clusters = new Map<string, InventoryCluster>();
  private readonly datastores = new Map<string, InventoryDatastore>();
  private readonly networks = new Map<string, InventoryNetwork>();
  private readonly datacenterNames = new Set<string>();
  private readonly distributedSwitches = new Set<string>();
  private readonly standardSwitches = new Set<string>();
  private readonly vmNetworkNames = new Set<string>();
  /** NICs whose switch reads `VM`: RVTools' placeholder, unless a switch really has that name. */
  private readonly nicsOnSwitchNamedVm: InventoryNic[] = [];
  private rvtoolsVersion: string | null = null;
  private metadataExportedAt: string | null = null;
  /** What each VM's vInfo row says about its disks and NICs. */
  private readonly vinfoFacts = new Map<InventoryVm, VinfoDeviceFacts>();
  /** Row numbers of each VM's vDisk and vNetwork rows, to check them against vInfo's counts. */
  private readonly childRows: Record<CountedChildSheet, Map<InventoryVm, number[]>> = {
    vDisk: new Map(),
    vNetwork: new Map(),
  };
  private headerVersionHint: string | null = null;
  private readonly sheetsRead = new Set<string>();
  private rowsRead = 0;
  private totalInflatedBytes: number | null = null;
  /** Data rows of vInfo (VMs, and rows without a VM name), once read: the other sheets are bounded by it. */
  private vinfoRows: number | null = null;

  constructor(
    private readonly source: RvtoolsSheetSource,
    private readonly fileName: string,
    private readonly onProgress?: (progress: RvtoolsProgress) => void,
  ) {}

  async build(): Promise<Inventory> {
    if (!this.sheetName('vInfo')) {
      const found = this.source.sheetNames.length > 0 ? this.source.sheetNames.join(', ') : 'none';
      throw new RvtoolsImportError(
        'no-vinfo',
        `"${this.fileName}" has no vInfo sheet, the one RVTools lists VMs in (sheets found: ${found}).`,
        this.fileName,
      );
    }
    // Every sheet is read: the ones the inventory uses, then the others, counted against their bounds.
    this.totalInflatedBytes = this.source.inflation(this.source.sheetNames)?.totalBytes ?? null;
    await this.readMetadata();
    await this.readVinfo();
    for (const sheet of VM_CHILD_SHEETS) await this.readChildSheet(sheet);
    await this.readHosts();
    await this.readClusters();
    await this.readDatastores();
    for (const sheet of PORT_GROUP_SHEETS) await this.readPortGroups(sheet);
    await this.countUnreadSheets();
    return this.finish();
  }

  // ---------------------------------------------------------------- sheets

  /**
   * The sheet's name as the file spells it (matched case-insensitively), or null. RVTools' CSV
   * export names its files after `tabvInfo`, `tabvDisk`...; workbooks saved from those keep the
   * prefix, so `tabvInfo` is vInfo.
   */
  private sheetName(canonical: string): string | null {
    const wanted = canonical.toLowerCase();
    const names = this.source.sheetNames;
    return (
      names.find((name) => name.trim().toLowerCase() === wanted) ??
      names.find((name) => name.trim().toLowerCase() === `tab${wanted}`) ??
      null
    );
  }

  /**
   * Streams a sheet: the first non-blank row is the header, blank rows (formatted but empty) are
   * skipped. Returns false when the export does not have the sheet.
   */
  private async readSheet(
    canonical: string,
    onHeader: (row: SheetRow) => void,
    onRow: (row: SheetRow) => void,
  ): Promise<boolean> {
    const name = this.sheetName(canonical);
    if (!name) return false;
    this.sheetsRead.add(canonical);
    const bound = sheetRowBound(canonical, this.vinfoRows);
    let row: SheetRow | null = null;
    let count = 0;
    await this.source.readSheet(name, {
      row: (cells, rowNumber) => {
        if (!row) {
          if (cells.every((cell) => cell === undefined || cell.trim() === '')) return;
          const perVm = canonical === 'vInfo' || VM_CHILD_SHEETS.includes(canonical);
          row = new SheetRow(name, new SheetLayout(canonical, cells), this.log, this.source.date1904, perVm);
          row.rowNumber = rowNumber;
          onHeader(row);
          return;
        }
        row.cells = cells;
        row.rowNumber = rowNumber;
        if (row.isBlank()) return;
        if (bound && count >= bound.rows) throw this.tooManyRows(name, bound);
        onRow(row);
        count++;
        this.rowsRead++;
        if (count % PROGRESS_EVERY_ROWS === 0) this.reportProgress(name, count);
      },
      issue: (message, rowNumber) => this.log.add('error', message, { sheet: name, row: rowNumber }),
    });
    this.reportProgress(name, count);
    if (canonical === 'vInfo') this.vinfoRows = count;
    return true;
  }

  private tooManyRows(sheet: string, bound: SheetRowBound): RvtoolsImportError {
    return new RvtoolsImportError(
      'too-large',
      `"${this.fileName}", sheet ${sheet}: the sheet has more than ${formatCount(bound.rows)} rows, ${bound.describe()}.`,
      this.fileName,
      sheet,
    );
  }

  /**
   * The sheets no step reads (vHealth, vMultiPath, vFileInfo...) are held to the same row bounds,
   * so that what a file claims anywhere is checked: their rows are counted, never kept. Anything
   * else wrong in them (a missing part, a damaged entry) is ignored, as they are not used.
   */
  private async countUnreadSheets(): Promise<void> {
    for (const name of this.source.sheetNames) {
      const canonical = canonicalSheetName(name);
      if (this.sheetName(canonical) === name && this.sheetsRead.has(canonical)) continue;
      const bound = sheetRowBound(canonical, this.vinfoRows);
      if (!bound) continue;
      let rows = -1; // the first non-blank row is the header
      try {
        await this.source.readSheet(name, {
          row: (cells) => {
            if (cells.every((cell) => cell === undefined || cell.trim() === '')) return;
            if (++rows > bound.rows) throw this.tooManyRows(name, bound);
          },
          issue: () => {},
        });
      } catch (error) {
        if (!(error instanceof RvtoolsImportError) || error.code === 'too-large') throw error;
      }
      this.reportProgress(name, Math.max(rows, 0));
    }
  }

  private reportProgress(sheet: string, rows: number): void {
    if (!this.onProgress) return;
    this.onProgress({
      sheet,
      rows,
      totalRows: this.rowsRead,
      vms: this.vms.length,
      inflatedBytes:
        this.totalInflatedBytes === null ? null : (this.source.inflation([])?.inflatedBytes ?? null),
      totalInflatedBytes: this.totalInflatedBytes,
    });
  }

  private async readMetadata(): Promise<void> {
    let meta: Columns<typeof VMETADATA_FIELDS> | null = null;
    await this.readSheet(
      'vMetaData',
      (row) => {
        meta = row.layout.columns(VMETADATA_FIELDS);
      },
      (row) => {
        if (!meta) return;
        const version = row.text(meta.version);
        this.rvtoolsVersion ??=
          version !== null && RVTOOLS_VERSION.test(version) ? version : row.text(meta.majorVersion);
        this.metadataExportedAt ??= row.date(meta.createdAt);
        const server = row.text(meta.server);
        if (server) this.addVcenter({ server, uuid: null });
      },
    );
    let src: Columns<typeof VSOURCE_FIELDS> | null = null;
    await this.readSheet(
      'vSource',
      (row) => {
        src = row.layout.columns(VSOURCE_FIELDS);
      },
      (row) => {
        if (!src) return;
        const server = row.text(src.server);
        const uuid = row.text(src.uuid);
        if (server || uuid) this.addVcenter({ server, uuid });
      },
    );
  }

  private async readVinfo(): Promise<void> {
    let c: Columns<typeof VINFO_FIELDS> | null = null;
    let id: IdentityColumns | null = null;
    let customColumns: { column: number; name: string }[] = [];
    let networkColumns: number[] = [];
    let records: SourceRecordBuilder | null = null;
    // Assigned from the row callbacks; an object so the checks after reading see the real type.
    const outcome: { fatal: RvtoolsImportError | null; header: boolean } = { fatal: null, header: false };
    // With a single vCenter named by vSource/vMetaData, VMs without VI SDK columns belong to it.
    const soleVcenter = this.vcenters.size === 1 ? [...this.vcenters.values()][0] : null;

    const found = await this.readSheet(
      'vInfo',
      (row) => {
        const layout = row.layout;
        id = layout.columns(VM_IDENTITY_FIELDS);
        c = layout.columns(VINFO_FIELDS);
        outcome.header = true;
        if (id.name < 0) {
          outcome.fatal = new RvtoolsImportError(
            'no-vm-column',
            `"${this.fileName}": sheet ${row.sheet} has no VM column (the VM name); its columns are ${layout.headers.slice(0, 12).join(', ')}${layout.headers.length > 12 ? ', ...' : ''}.`,
            this.fileName,
            row.sheet,
          );
          return;
        }
        customColumns = [];
        networkColumns = [];
        layout.keys.forEach((key, column) => {
          const tagged = layout.taggedAttributes[column];
          if (tagged) customColumns.push({ column, name: tagged });
          else if (VINFO_NETWORK_COLUMN.test(key)) networkColumns.push(column);
          else if (key !== '' && !KNOWN_VINFO_KEYS.has(key))
            customColumns.push({ column, name: layout.headers[column] });
        });
        records = this.recordBuilder(layout);
        this.headerVersionHint = guessVersionFromHeaders(layout);
        const missing = (['cpus', 'memoryMiB', 'powerState'] as const)
          .filter((field) => c?.[field] === -1)
          .map((field) => ({ cpus: 'CPUs', memoryMiB: 'Memory', powerState: 'Powerstate' })[field]);
        if (missing.length > 0) {
          this.log.add(
            'warning',
            `vInfo has no ${missing.join(', ')} column; those values are unknown (0).`,
            {
              sheet: row.sheet,
              row: row.rowNumber,
            },
          );
        }
      },
      (row) => {
        if (outcome.fatal || !c || !id) return;
        const name = row.verbatim(id.name);
        if (name === null) {
          row.warn('row has values but no VM name; it is not read as a VM', id.name, 'no-vm-name');
          return;
        }
        const vm = this.vmFromVinfo(row, name, c, id, soleVcenter);
        for (const { column, name: attribute } of customColumns) {
          const value = row.verbatim(column);
          if (value !== null) vm.customAttributes[attribute] = value;
        }
        for (const column of networkColumns) {
          const network = row.text(column);
          if (network) this.vmNetworkNames.add(network);
        }
        if (records) vm.source.vInfo = [row.record(records)];
        if (this.addVm(vm, row, id)) this.vinfoFacts.set(vm, vinfoDeviceFacts(row, c, networkColumns));
      },
    );
    if (!found) return;
    if (outcome.fatal) throw outcome.fatal;
    if (!outcome.header) {
      throw new RvtoolsImportError(
        'empty-inventory',
        `"${this.fileName}": the vInfo sheet is empty (no header row, no VM).`,
        this.fileName,
        this.sheetName('vInfo'),
      );
    }
    if (this.vms.length === 0) {
      throw new RvtoolsImportError(
        'empty-inventory',
        `"${this.fileName}": the vInfo sheet lists no VM (every row has an empty VM column).`,
        this.fileName,
        this.sheetName('vInfo'),
      );
    }
  }

  private vmFromVinfo(
    row: SheetRow,
    name: string,
    c: Columns<typeof VINFO_FIELDS>,
    id: IdentityColumns,
    soleVcenter: VcenterRef | null,
  ): InventoryVm {
    const vcenterUuid = row.text(id.vcenterUuid);
    const vcenterServer = row.text(id.vcenterServer);
    const vcenter: VcenterRef =
      vcenterUuid || vcenterServer
        ? { server: vcenterServer, uuid: vcenterUuid }
        : { server: soleVcenter?.server ?? null, uuid: soleVcenter?.uuid ?? null };
    const moref = row.text(id.moref);
    const uuid = row.text(id.uuid);
    return {
      key: '',
      name,
      moref,
      uuid,
      biosUuid: row.text(c.biosUuid),
      vcenter,
      datacenter: row.text(c.datacenter),
      cluster: row.text(c.cluster),
      host: row.text(c.host),
      folder: row.text(c.folder),
      resourcePool: row.text(c.resourcePool),
      vapp: row.text(c.vapp),
      powerState: toPowerState(row, c.powerState),
      connectionState: toConnectionState(row, c.connectionState),
      template: row.boolean(c.template) ?? false,
      srmPlaceholder: row.boolean(c.srmPlaceholder) ?? false,
      guestOsConfig: row.text(c.guestOsConfig),
      guestOsTools: row.text(c.guestOsTools),
      guestId: row.text(c.guestId),
      dnsName: row.text(c.dnsName),
      primaryIp: row.text(c.primaryIp),
      toolsStatus: row.text(c.toolsStatus),
      toolsVersion: row.text(c.toolsVersion),
      toolsRunningStatus: row.text(c.toolsRunningStatus),
      cpus: row.number(c.cpus) ?? 0,
      sockets: null,
      coresPerSocket: null,
      memoryMiB: row.number(c.memoryMiB) ?? 0,
      cpuHotAdd: null,
      cpuHotRemove: null,
      memoryHotAdd: null,
      cpuAffinity: row.text(c.cpuAffinity),
      numaAffinity: row.text(c.numaAffinity),
      firmware: toFirmware(row.text(c.firmware)),
      secureBoot: row.boolean(c.secureBoot),
      hardwareVersion: toHardwareVersion(row.text(c.hardwareVersion)),
      cbtEnabled: row.boolean(c.cbt),
      ftState: row.text(c.ftState),
      nestedHv: row.boolean(c.nestedHv),
      hasTpm: row.boolean(c.tpm),
      passthroughDevices: [],
      latencySensitivity: row.text(c.latencySensitivity),
      consolidationNeeded: row.boolean(c.consolidationNeeded),
      annotation: row.verbatim(c.annotation),
      customAttributes: {},
      createdAt: row.date(c.createdAt),
      poweredOnAt: row.date(c.poweredOnAt),
      configChangedAt: row.date(c.configChangedAt),
      provisionedMiB: row.number(c.provisionedMiB),
      inUseMiB: row.number(c.inUseMiB),
      disks: [],
      partitions: [],
      nics: [],
      snapshots: [],
      usbDevices: [],
      cdroms: [],
      source: {},
    };
  }

  /** Keys the VM, drops a second row with the same vCenter + VM ID (or UUID), indexes it. */
  private addVm(vm: InventoryVm, row: SheetRow, id: IdentityColumns): boolean {
    const vcenterKey = vm.vcenter.uuid ?? vm.vcenter.server ?? 'vc';
    if (vm.moref) vm.key = `${vcenterKey}/${vm.moref}`;
    else if (vm.uuid) vm.key = vm.uuid;
    else {
      // Neither VM ID nor UUID (trimmed exports): the name is the best key, but names repeat.
      vm.key = `${vcenterKey}/name:${vm.name}`;
      if (this.vmByKey.has(vm.key)) vm.key = `${vm.key}#row${row.rowNumber}`;
    }
    const first = this.vmByKey.get(vm.key);
    if (first) {
      const column = vm.moref ? id.moref : id.uuid;
      row.warn(
        `duplicate VM ${vm.moref ? `ID ${vm.moref}` : `UUID ${vm.uuid}`} (${vm.name}): the first row (${first.name}) is kept, this one is skipped`,
        column,
        'duplicate-vm',
        row.raw(column),
      );
      return false;
    }
    this.vmByKey.set(vm.key, vm);
    this.vms.push(vm);
    if (vm.moref) pushTo(this.vmsByMoref, vm.moref, vm);
    if (vm.uuid) pushTo(this.vmsByUuid, vm.uuid.toLowerCase(), vm);
    pushTo(this.vmsByName, vm.name, vm);
    if (vm.vcenter.server || vm.vcenter.uuid) this.addVcenter(vm.vcenter);
    if (vm.datacenter) this.datacenterNames.add(vm.datacenter);
    return true;
  }

  private recordBuilder(layout: SheetLayout): SourceRecordBuilder {
    const dateColumns = new Set<number>();
    layout.keys.forEach((key, column) => {
      if (DATE_COLUMN_KEYS.has(key)) dateColumns.add(column);
    });
    return new SourceRecordBuilder(layout.headers, dateColumns, this.source.date1904);
  }

  private async readChildSheet(sheet: string): Promise<void> {
    const handler = this.childHandler(sheet);
    let id: IdentityColumns | null = null;
    let records: SourceRecordBuilder | null = null;
    let attributeColumns: { column: number; name: string }[] = [];
    await this.readSheet(
      sheet,
      (row) => {
        id = row.layout.columns(VM_IDENTITY_FIELDS);
        records = this.recordBuilder(row.layout);
        attributeColumns = childAttributeColumns(row.layout);
        if (id.name < 0 && id.moref < 0 && id.uuid < 0) {
          this.log.add(
            'warning',
            `${row.sheet} has no VM, VM ID or VM UUID column; its rows cannot be joined to VMs.`,
            {
              sheet: row.sheet,
              row: row.rowNumber,
            },
          );
        }
        handler.header(row);
      },
      (row) => {
        if (!id || !records) return;
        const vm = this.findVm(row, id);
        if (!vm) return;
        const counted = this.childRows[sheet as CountedChildSheet] as Map<InventoryVm, number[]> | undefined;
        if (counted) pushTo(counted, vm, row.rowNumber);
        const sourceRows = vm.source[sheet] ?? [];
        vm.source[sheet] = sourceRows;
        sourceRows.push(row.record(records));
        for (const { column, name } of attributeColumns) {
          if (name in vm.customAttributes) continue;
          const value = row.verbatim(column);
          if (value !== null) vm.customAttributes[name] = value;
        }
        handler.row(vm, row);
      },
    );
  }

  /**
   * The VM a child row belongs to: by VM ID within its vCenter, then by VM UUID, then by name when
   * exactly one VM has it and neither ID nor UUID contradict. Unknown rows are diagnosed.
   */
  private findVm(row: SheetRow, id: IdentityColumns): InventoryVm | null {
    const name = row.verbatim(id.name);
    const moref = row.text(id.moref);
    const uuid = row.text(id.uuid)?.toLowerCase() ?? null;
    const vcenterUuid = row.text(id.vcenterUuid)?.toLowerCase() ?? null;
    const vcenterServer = row.text(id.vcenterServer)?.toLowerCase() ?? null;
    const sameVcenter = (vm: InventoryVm): boolean => {
      if (vcenterUuid && vm.vcenter.uuid) return vm.vcenter.uuid.toLowerCase() === vcenterUuid;
      if (vcenterServer && vm.vcenter.server) return vm.vcenter.server.toLowerCase() === vcenterServer;
      return true;
    };
    if (moref) {
      const candidates = (this.vmsByMoref.get(moref) ?? []).filter(sameVcenter);
      if (candidates.length === 1) return this.checkedName(row, id, candidates[0], name, `VM ID ${moref}`);
      if (candidates.length > 1 && uuid) {
        const byUuid = candidates.filter((vm) => vm.uuid?.toLowerCase() === uuid);
        if (byUuid.length === 1) return this.checkedName(row, id, byUuid[0], name, `VM ID ${moref}`);
      }
    }
    if (uuid) {
      const candidates = (this.vmsByUuid.get(uuid) ?? []).filter(sameVcenter);
      if (candidates.length === 1) return this.checkedName(row, id, candidates[0], name, `VM UUID ${uuid}`);
    }
    if (name !== null) {
      const candidates = (this.vmsByName.get(name) ?? []).filter(
        (vm) =>
          sameVcenter(vm) &&
          (!moref || !vm.moref || vm.moref === moref) &&
          (!uuid || !vm.uuid || vm.uuid.toLowerCase() === uuid),
      );
      if (candidates.length === 1) return candidates[0];
      if (candidates.length > 1) {
        row.warn(
          `${candidates.length} VMs are named "${name}" and the row has no VM ID or UUID to tell them apart; the row is skipped`,
          id.name,
          'ambiguous-vm',
          name,
        );
        return null;
      }
    }
    if (name === null && !moref && !uuid) {
      row.warn('row names no VM (VM, VM ID and VM UUID are empty); it is skipped', null, 'no-vm-name');
      return null;
    }
    const label = [name && `"${name}"`, moref && `ID ${moref}`, uuid && `UUID ${uuid}`]
      .filter(Boolean)
      .join(', ');
    row.warn(
      `row belongs to a VM that is not in vInfo (${label}); it is skipped`,
      id.name >= 0 ? id.name : id.moref,
      'unknown-vm',
      name ?? moref ?? uuid ?? '',
    );
    return null;
  }

  /**
   * A child row joined by its VM ID or UUID whose VM name is another VM's: the file contradicts
   * itself (an edited sheet, rows pasted from another export). The ID decides, as RVTools keys
   * rows by it, and the warning names both rows so someone can check.
   */
  private checkedName(
    row: SheetRow,
    id: IdentityColumns,
    vm: InventoryVm,
    name: string | null,
    joinedBy: string,
  ): InventoryVm {
    if (name !== null && name !== vm.name) {
      const vinfoRow = this.vinfoFacts.get(vm)?.row;
      row.warn(
        `row names VM "${name}" but its ${joinedBy} is VM "${vm.name}" (vInfo${vinfoRow ? ` row ${vinfoRow}` : ''}): joined to "${vm.name}" by the ID; check which one is right`,
        id.name,
        'vm-id-name-mismatch',
        name,
      );
    }
    return vm;
  }

  private childHandler(sheet: string): ChildSheetHandler {
    switch (sheet) {
      case 'vCPU':
        return this.vcpuHandler();
      case 'vMemory':
        return this.vmemoryHandler();
      case 'vDisk':
        return this.vdiskHandler();
      case 'vPartition':
        return this.vpartitionHandler();
      case 'vNetwork':
        return this.vnetworkHandler();
      case 'vCD':
        return this.vcdHandler();
      case 'vUSB':
        return this.vusbHandler();
      case 'vSnapshot':
        return this.vsnapshotHandler();
      default:
        return this.vtoolsHandler();
    }
  }

  private vcpuHandler(): ChildSheetHandler {
    let c = {} as Columns<typeof VCPU_FIELDS>;
    return {
      header: (row) => {
        c = row.layout.columns(VCPU_FIELDS);
      },
      row: (vm, row) => {
        if (vm.cpus === 0) vm.cpus = row.number(c.cpus) ?? 0;
        vm.sockets ??= row.integer(c.sockets);
        vm.coresPerSocket ??= row.integer(c.coresPerSocket);
        vm.cpuHotAdd ??= row.boolean(c.hotAdd);
        vm.cpuHotRemove ??= row.boolean(c.hotRemove);
        vm.cpuAffinity ??= row.text(c.affinity);
        vm.numaAffinity ??= row.text(c.numaAffinity);
        vm.nestedHv ??= row.boolean(c.nestedHv);
      },
    };
  }

  private vmemoryHandler(): ChildSheetHandler {
    let c = {} as Columns<typeof VMEMORY_FIELDS>;
    return {
      header: (row) => {
        c = row.layout.columns(VMEMORY_FIELDS);
      },
      row: (vm, row) => {
        if (vm.memoryMiB === 0) vm.memoryMiB = row.number(c.sizeMiB) ?? 0;
        vm.memoryHotAdd ??= row.boolean(c.hotAdd);
      },
    };
  }

  private vdiskHandler(): ChildSheetHandler {
    let c = {} as Columns<typeof VDISK_FIELDS>;
    return {
      header: (row) => {
        c = row.layout.columns(VDISK_FIELDS);
      },
      row: (vm, row) => {
        const diskMode = row.text(c.diskMode);
        const path = row.text(c.path);
        const controllerModel = row.text(c.controllerModel);
        const controllerLabel = row.text(c.controllerLabel);
        const disk: InventoryDisk = {
          label: row.text(c.label) ?? '',
          key: row.integer(c.key),
          capacityMiB: row.number(c.capacityMiB) ?? 0,
          thin: row.boolean(c.thin),
          diskMode,
          independent: diskMode?.toLowerCase().startsWith('independent') ?? false,
          sharingMode: row.text(c.sharingMode),
          raw: row.boolean(c.raw) ?? false,
          rawMode: row.text(c.rawMode),
          controller: controllerLabel ?? controllerModel,
          controllerType: toControllerType(`${controllerModel ?? ''} ${controllerLabel ?? ''}`),
          unitNumber: row.integer(c.unitNumber),
          path,
          datastore: path ? (DATASTORE_IN_PATH.exec(path)?.[1]?.trim() ?? null) : null,
          uuid: row.text(c.uuid),
        };
        vm.disks.push(disk);
      },
    };
  }

  private vpartitionHandler(): ChildSheetHandler {
    let c = {} as Columns<typeof VPARTITION_FIELDS>;
    return {
      header: (row) => {
        c = row.layout.columns(VPARTITION_FIELDS);
      },
      row: (vm, row) => {
        vm.partitions.push({
          mount: row.verbatim(c.mount) ?? '',
          capacityMiB: row.number(c.capacityMiB),
          freeMiB: row.number(c.freeMiB),
          diskKey: row.integer(c.diskKey),
        });
      },
    };
  }

  private vnetworkHandler(): ChildSheetHandler {
    let c = {} as Columns<typeof VNETWORK_FIELDS>;
    return {
      header: (row) => {
        c = row.layout.columns(VNETWORK_FIELDS);
      },
      row: (vm, row) => {
        const adapterType = row.text(c.adapter)?.toLowerCase() ?? null;
        const label = row.text(c.label) ?? '';
        const network = row.text(c.network);
        const switchName = row.name(c.switchName);
        const nic: InventoryNic = {
          label,
          adapterType,
          network,
          switchName: switchName === 'VM' ? null : switchName,
          mac: row.text(c.mac),
          connected: row.boolean(c.connected),
          startsConnected: row.boolean(c.startsConnected),
          directPathIo: row.boolean(c.directPathIo),
          ipv4: splitList(row.text(c.ipv4)),
          ipv6: splitList(row.text(c.ipv6)),
        };
        vm.nics.push(nic);
        if (switchName === 'VM') this.nicsOnSwitchNamedVm.push(nic);
        if (network) this.vmNetworkNames.add(network);
        // A PCI passthrough NIC is a passthrough device. An SR-IOV NIC is not (it moves with an
        // SR-IOV network; the assessment warns about it from the NIC), and `Direct Path IO` alone is
        // vmxnet3's UPT flag, on by default, and says nothing about real passthrough.
        if (adapterType && /passthr/.test(adapterType) && !/sriov|sr-iov/.test(adapterType)) {
          vm.passthroughDevices.push(`${label || 'network adapter'} (${row.text(c.adapter)})`);
        }
      },
    };
  }

  private vcdHandler(): ChildSheetHandler {
    let c = {} as Columns<typeof VCD_FIELDS>;
    return {
      header: (row) => {
        c = row.layout.columns(VCD_FIELDS);
      },
      row: (vm, row) => {
        vm.cdroms.push({
          label: row.text(c.label) ?? '',
          connected: row.boolean(c.connected),
          startsConnected: row.boolean(c.startsConnected),
          deviceType: row.text(c.deviceType),
          backing: row.text(c.backing),
        });
      },
    };
  }

  private vusbHandler(): ChildSheetHandler {
    let c = {} as Columns<typeof VUSB_FIELDS>;
    return {
      header: (row) => {
        c = row.layout.columns(VUSB_FIELDS);
      },
      row: (vm, row) => {
        vm.usbDevices.push({
          label: row.text(c.label) ?? '',
          connected: row.boolean(c.connected),
          family: row.text(c.family),
          speed: row.text(c.speed),
        });
      },
    };
  }

  private vsnapshotHandler(): ChildSheetHandler {
    let c = {} as Columns<typeof VSNAPSHOT_FIELDS>;
    return {
      header: (row) => {
        c = row.layout.columns(VSNAPSHOT_FIELDS);
      },
      row: (vm, row) => {
        vm.snapshots.push({
          name: row.verbatim(c.name) ?? '',
          description: row.verbatim(c.description),
          createdAt: row.date(c.createdAt),
          sizeMiB: row.number(c.sizeMiB),
          quiesced: row.boolean(c.quiesced),
        });
      },
    };
  }

  private vtoolsHandler(): ChildSheetHandler {
    let c = {} as Columns<typeof VTOOLS_FIELDS>;
    return {
      header: (row) => {
        c = row.layout.columns(VTOOLS_FIELDS);
      },
      row: (vm, row) => {
        vm.toolsStatus ??= row.text(c.status);
        vm.toolsVersion ??= row.text(c.version);
        vm.toolsRunningStatus ??= row.text(c.runningStatus);
        vm.hardwareVersion ??= toHardwareVersion(row.text(c.vmVersion));
      },
    };
  }

  // ---------------------------------------------------------------- infrastructure

  private async readHosts(): Promise<void> {
    let c = {} as Columns<typeof VHOST_FIELDS>;
    await this.readSheet(
      'vHost',
      (row) => {
        c = row.layout.columns(VHOST_FIELDS);
      },
      (row) => {
        const name = row.text(c.name);
        if (!name || this.hosts.has(name)) return;
        const datacenter = row.text(c.datacenter);
        if (datacenter) this.datacenterNames.add(datacenter);
        this.hosts.set(name, {
          name,
          datacenter,
          cluster: row.text(c.cluster),
          cpuModel: row.text(c.cpuModel),
          cpuSockets: row.integer(c.cpuSockets),
          cpuCores: row.integer(c.cpuCores),
          memoryMiB: row.number(c.memoryMiB),
          esxiVersion: row.text(c.esxiVersion),
          timeZone: row.text(c.timeZone),
          vendor: row.text(c.vendor),
          model: row.text(c.model),
          vmCount: row.integer(c.vmCount),
        });
      },
    );
  }

  private async readClusters(): Promise<void> {
    let c = {} as Columns<typeof VCLUSTER_FIELDS>;
    await this.readSheet(
      'vCluster',
      (row) => {
        c = row.layout.columns(VCLUSTER_FIELDS);
      },
      (row) => {
        const name = row.text(c.name);
        if (!name || this.clusters.has(name)) return;
        this.clusters.set(name, {
          name,
          datacenter: row.text(c.datacenter),
          haEnabled: row.boolean(c.haEnabled),
          drsEnabled: row.boolean(c.drsEnabled),
          drsBehavior: row.text(c.drsBehavior),
          dpmEnabled: row.boolean(c.dpmEnabled),
          hostCount: row.integer(c.hostCount),
          totalCpuMhz: row.number(c.totalCpuMhz),
          totalMemoryMiB: row.number(c.totalMemoryMiB),
        });
      },
    );
  }

  private async readDatastores(): Promise<void> {
    let c = {} as Columns<typeof VDATASTORE_FIELDS>;
    await this.readSheet(
      'vDatastore',
      (row) => {
        c = row.layout.columns(VDATASTORE_FIELDS);
      },
      (row) => {
        const name = row.text(c.name);
        if (!name || this.datastores.has(name)) return;
        this.datastores.set(name, {
          name,
          type: row.text(c.type),
          capacityMiB: row.number(c.capacityMiB),
          freeMiB: row.number(c.freeMiB),
          hosts: splitList(row.text(c.hosts)),
        });
      },
    );
  }

  /**
   * vSwitch lists standard switches, vPort standard port groups, dvSwitch distributed switches,
   * dvPort distributed port groups.
   */
  private async readPortGroups(sheet: string): Promise<void> {
    let c = {} as Columns<typeof PORT_GROUP_FIELDS>;
    const kind: InventoryNetwork['kind'] =
      sheet === 'vSwitch' || sheet === 'vPort' ? 'standard' : 'distributed';
    await this.readSheet(
      sheet,
      (row) => {
        c = row.layout.columns(PORT_GROUP_FIELDS);
        // dvSwitch's `Name` is the switch's display name; only `Switch` names it in vNetwork.
        if (sheet === 'dvSwitch' || sheet === 'vSwitch')
          c.switchName = row.layout.column(fieldAliases('Switch'));
      },
      (row) => {
        const switchName = row.text(c.switchName);
        if (switchName)
          (kind === 'standard' ? this.standardSwitches : this.distributedSwitches).add(switchName);
        const datacenter = row.text(c.datacenter);
        if (datacenter) this.datacenterNames.add(datacenter);
        const portGroup = row.text(c.portGroup);
        if (!portGroup) return;
        const key = `${kind}\u0000${portGroup}\u0000${switchName ?? ''}`;
        if (!this.networks.has(key)) {
          this.networks.set(key, { name: portGroup, kind, switchName, vlan: row.text(c.vlan) });
        }
      },
    );
  }

  private addVcenter(ref: VcenterRef): void {
    const key = (ref.uuid ?? ref.server ?? '').toLowerCase();
    if (key === '') return;
    const existing = this.vcenters.get(key);
    if (existing) {
      existing.server ??= ref.server;
      return;
    }
    // A server seen first without its UUID (vMetaData) is the same vCenter as its UUID entry.
    if (ref.uuid && ref.server) {
      const byServer = this.vcenters.get(ref.server.toLowerCase());
      if (byServer && !byServer.uuid) {
        this.vcenters.delete(ref.server.toLowerCase());
        this.vcenters.set(key, { server: ref.server, uuid: ref.uuid });
        return;
      }
    } else if (ref.server && !ref.uuid) {
      for (const known of this.vcenters.values()) {
        if (known.server?.toLowerCase() === ref.server.toLowerCase()) return;
      }
    }
    this.vcenters.set(key, { server: ref.server, uuid: ref.uuid });
  }

  // ---------------------------------------------------------------- derivations

  private finish(): Inventory {
    const hasSheet = (name: string): boolean => this.sheetsRead.has(name);
    if (!hasSheet('vHost')) {
      for (const vm of this.vms) {
        if (!vm.host || this.hosts.has(vm.host)) continue;
        this.hosts.set(vm.host, {
          name: vm.host,
          datacenter: vm.datacenter,
          cluster: vm.cluster,
          cpuModel: null,
          cpuSockets: null,
          cpuCores: null,
          memoryMiB: null,
          esxiVersion: null,
          timeZone: null,
          vendor: null,
          model: null,
          vmCount: null,
        });
      }
    }
    // A trimmed vHost (name and a few numbers) still gets its place from the VMs it runs.
    for (const vm of this.vms) {
      const host = vm.host ? this.hosts.get(vm.host) : undefined;
      if (!host) continue;
      host.cluster ??= vm.cluster;
      host.datacenter ??= vm.datacenter;
    }
    const clusterDatacenter = new Map<string, string>();
    for (const item of [...this.hosts.values(), ...this.vms]) {
      if (item.cluster && item.datacenter && !clusterDatacenter.has(item.cluster)) {
        clusterDatacenter.set(item.cluster, item.datacenter);
      }
    }
    if (!hasSheet('vCluster')) {
      for (const item of [...this.hosts.values(), ...this.vms]) {
        if (!item.cluster || this.clusters.has(item.cluster)) continue;
        this.clusters.set(item.cluster, {
          name: item.cluster,
          datacenter: null,
          haEnabled: null,
          drsEnabled: null,
          drsBehavior: null,
          dpmEnabled: null,
          hostCount: null,
          totalCpuMhz: null,
          totalMemoryMiB: null,
        });
      }
    }
    for (const cluster of this.clusters.values())
      cluster.datacenter ??= clusterDatacenter.get(cluster.name) ?? null;
    for (const cluster of this.clusters.values())
      if (cluster.datacenter) this.datacenterNames.add(cluster.datacenter);

    if (!hasSheet('vDatastore')) {
      for (const vm of this.vms) {
        // Without vDisk, vInfo's `Path` (`[datastore] folder/vm.vmx`) still says where the VM lives.
        const vmxDatastore = /^\[([^\]]+)\]/.exec(vm.source.vInfo?.[0]?.Path ?? '')?.[1] ?? null;
        const names = vm.disks.length > 0 ? vm.disks.map((disk) => disk.datastore) : [vmxDatastore];
        for (const datastore of names) {
          if (!datastore || this.datastores.has(datastore)) continue;
          this.datastores.set(datastore, {
            name: datastore,
            type: null,
            capacityMiB: null,
            freeMiB: null,
            hosts: [],
          });
        }
      }
    }

    // RVTools fills vNetwork's Switch with `VM` where it has no switch name, but a standard switch
    // may really be called VM (kylow's sandbox hosts have one): believe the switch sheets.
    if (this.standardSwitches.has('VM') || this.distributedSwitches.has('VM')) {
      for (const nic of this.nicsOnSwitchNamedVm) nic.switchName = 'VM';
    }
    this.addVmNetworks();

    this.reconcileDeviceCounts(hasSheet);

    const missing = VM_CHILD_SHEETS.filter((sheet) => !hasSheet(sheet));
    if (missing.length > 0) {
      this.log.add(
        'info',
        `the export has no ${missing.join(', ')} sheet${missing.length > 1 ? 's' : ''}; what they would say about each VM is unknown`,
      );
    }

    const datacenters: InventoryDatacenter[] = [...this.datacenterNames].map((name) => ({ name }));
    return {
      source: {
        fileName: this.fileName,
        format: this.source.format,
        rvtoolsVersion: this.rvtoolsVersion ?? this.headerVersionHint,
        sheets: [...this.source.sheetNames],
        vcenters: [...this.vcenters.values()],
        ...exportDate(this.metadataExportedAt, this.fileName, this.vms),
      },
      datacenters,
      clusters: [...this.clusters.values()],
      hosts: [...this.hosts.values()],
      datastores: [...this.datastores.values()],
      networks: [...this.networks.values()],
      vms: this.vms,
      diagnostics: this.log.toArray(),
    };
  }

  /**
   * vInfo counts each VM's disks and NICs. Without vDisk / vNetwork those counts (and vInfo's
   * sizes and networks) stand in for the missing rows; with them, a VM whose rows disagree with
   * its count is reported, naming its vInfo row and its child rows.
   */
  private reconcileDeviceCounts(hasSheet: (name: string) => boolean): void {
    for (const sheet of Object.keys(COUNTED_CHILD_SHEETS) as CountedChildSheet[]) {
      const field = COUNTED_CHILD_SHEETS[sheet];
      const vinfoSheet = this.sheetName('vInfo') ?? 'vInfo';
      if (!hasSheet(sheet)) {
        let filled = 0;
        for (const [vm, facts] of this.vinfoFacts) {
          const devices = sheet === 'vDisk' ? disksFromVinfo(facts) : nicsFromVinfo(facts);
          if (devices.length === 0) continue;
          if (sheet === 'vDisk') vm.disks = devices as InventoryDisk[];
          else vm.nics = devices as InventoryNic[];
          filled++;
        }
        if (filled > 0) {
          this.log.add(
            'warning',
            sheet === 'vDisk'
              ? `the export has no vDisk sheet: the disks of ${filled} VMs come from vInfo "Disks" and "Total disk capacity MiB" (else "Provisioned MiB"), split evenly, on the datastore of the VM's .vmx file`
              : `the export has no vNetwork sheet: the NICs of ${filled} VMs come from vInfo "NICs" and "Network #n" (no adapter type, MAC or IP per NIC)`,
            { sheet: vinfoSheet, column: sheet === 'vDisk' ? 'Disks' : 'NICs' },
          );
        }
        continue;
      }
      const childSheet = this.sheetName(sheet) ?? sheet;
      for (const [vm, facts] of this.vinfoFacts) {
        const stated = facts[field];
        if (stated === null) continue;
        const rows = this.childRows[sheet].get(vm) ?? [];
        if (rows.length === stated) continue;
        this.log.add(
          'warning',
          `vInfo row ${facts.row} says VM "${vm.name}" has ${stated} ${field === 'disks' ? 'disk' : 'NIC'}${stated === 1 ? '' : 's'}, ${childSheet} has ${rows.length} row${rows.length === 1 ? '' : 's'} for it${rows.length > 0 ? ` (${describeRows(rows)})` : ''}: the ${childSheet} rows are used`,
          { sheet: childSheet, row: rows[0] ?? null, column: field === 'disks' ? 'Disks' : 'NICs' },
          `${sheet}-count-mismatch`,
        );
      }
    }
  }

  /** Port groups named by VMs (vNetwork, vInfo `Network #n`) that vPort/dvPort did not list. */
  private addVmNetworks(): void {
    const listed = new Set([...this.networks.values()].map((network) => network.name));
    const switchOf = new Map<string, string>();
    for (const vm of this.vms) {
      for (const nic of vm.nics) if (nic.network && nic.switchName) switchOf.set(nic.network, nic.switchName);
    }
    for (const name of this.vmNetworkNames) {
      if (listed.has(name)) continue;
      const switchName = switchOf.get(name) ?? null;
      const kind: InventoryNetwork['kind'] =
        switchName && this.distributedSwitches.has(switchName)
          ? 'distributed'
          : switchName && this.standardSwitches.has(switchName)
            ? 'standard'
            : 'unknown';
      this.networks.set(`vm\u0000${name}`, { name, kind, switchName, vlan: null });
      listed.add(name);
    }
  }
}

// ---------------------------------------------------------------- value mapping

function vinfoDeviceFacts(
  row: SheetRow,
  c: Columns<typeof VINFO_FIELDS>,
  networkColumns: readonly number[],
): VinfoDeviceFacts {
  return {
    row: row.rowNumber,
    disks: row.integer(c.diskCount),
    nics: row.integer(c.nicCount),
    diskCapacityMiB: row.number(c.totalDiskCapacityMiB) ?? row.number(c.provisionedMiB),
    networks: networkColumns.map((column) => row.text(column)),
    vmxDatastore: DATASTORE_IN_PATH.exec(row.text(c.vmxPath) ?? '')?.[1]?.trim() ?? null,
  };
}

/** `rows 4, 5, 9` (at most six listed). */
function describeRows(rows: readonly number[]): string {
  const listed = rows.slice(0, 6).join(', ');
  return `row${rows.length === 1 ? '' : 's'} ${listed}${rows.length > 6 ? `, +${rows.length - 6} more` : ''}`;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Custom attribute columns of a per-VM sheet other than vInfo: RVTools writes them right after
 * `Annotation`, before the location columns (`Datacenter`, ...). Some exports carry them only
 * there (migration-planner's example has `owner` in vMemory and vDisk, not in vInfo).
 */
function childAttributeColumns(layout: SheetLayout): { column: number; name: string }[] {
  const columns: { column: number; name: string }[] = [];
  layout.taggedAttributes.forEach((name, column) => {
    if (name) columns.push({ column, name });
  });
  const annotation = layout.keys.indexOf(ANNOTATION_KEY);
  if (annotation === -1) return columns;
  const end = layout.indexOfAny(AFTER_CUSTOM_ATTRIBUTE_KEYS, annotation + 1);
  if (end === -1) return columns;
  for (let column = annotation + 1; column < end; column++) {
    if (layout.keys[column] !== '' && !layout.taggedAttributes[column]) {
      columns.push({ column, name: layout.headers[column] });
    }
  }
  return columns;
}

function guessVersionFromHeaders(layout: SheetLayout): string | null {
  const headers = layout.headers.map((header) => header.toLowerCase());
  const has = (text: string): boolean => headers.includes(text);
  if (has('smbios uuid')) return '>=4.4.1 (guessed from vInfo headers)';
  if (headers.some((header) => header.endsWith(' mib'))) return '>=4.1.2 (guessed from vInfo headers)';
  if (has('vcenter uuid')) return '<3.9 (guessed from vInfo headers)';
  if (headers.some((header) => header.endsWith(' mb'))) return '<4.1.2 (guessed from vInfo headers)';
  return null;
}

const lettersOnly = (text: string): string => text.toLowerCase().replace(/[^a-z]/g, '');

function toPowerState(row: SheetRow, column: number): PowerState {
  const text = row.text(column);
  if (text === null) return 'unknown';
  switch (lettersOnly(text)) {
    case 'poweredon':
    case 'on':
      return 'poweredOn';
    case 'poweredoff':
    case 'off':
      return 'poweredOff';
    case 'suspended':
      return 'suspended';
    default:
      row.warn(`Powerstate "${text}" is not a vSphere power state`, column, 'power-state', text);
      return 'unknown';
  }
}

const CONNECTION_STATES: Record<string, ConnectionState> = {
  connected: 'connected',
  disconnected: 'disconnected',
  inaccessible: 'inaccessible',
  invalid: 'invalid',
  orphaned: 'orphaned',
};

function toConnectionState(row: SheetRow, column: number): ConnectionState {
  const text = row.text(column);
  if (text === null) return 'unknown';
  return CONNECTION_STATES[lettersOnly(text)] ?? 'unknown';
}

function toFirmware(text: string | null): Firmware {
  const value = text?.toLowerCase();
  if (value === 'bios') return 'bios';
  if (value === 'efi' || value === 'uefi') return 'efi';
  return 'unknown';
}

/** `21`, `21.0`, `vmx-21` -> `vmx-21`; anything else as written. */
function toHardwareVersion(text: string | null): string | null {
  if (text === null) return null;
  const match = /^(?:vmx-?)?(\d+)(?:\.0+)?$/i.exec(text);
  return match ? `vmx-${Number.parseInt(match[1], 10)}` : text;
}

function toControllerType(text: string): InventoryDisk['controllerType'] {
  const value = text.toLowerCase();
  if (value.includes('nvme')) return 'nvme';
  if (value.includes('sata') || value.includes('ahci')) return 'sata';
  if (/\bide\b/.test(value)) return 'ide';
  if (/scsi|lsi|buslogic|paravirtual/.test(value)) return 'scsi';
  return 'unknown';
}

/** `10.0.0.1, 10.0.0.2` (RVTools joins lists with a comma and a space). */
function splitList(text: string | null): string[] {
  if (text === null) return [];
  return text
    .split(/[,;]\s*|\s+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
