import { type EstateIndex, indexEstate, vcenterOf } from './estate-index.js';
import type { GeneratedDatastore, GeneratedEstate } from './model.js';
import { CUSTOM_ATTRIBUTE_COLUMNS, RVTOOLS_4X_HEADERS, type RvtoolsSheetName } from './rvtools-headers.js';
import { isVmSheet, vmSheetRows } from './rvtools-vm-columns.js';

/**
 * What RVTools puts in each cell, sheet by sheet. Rows are keyed by the 4.x header name; the
 * variant only renames headers on the way out (values are the same in 3.x and 4.x).
 */

/** vSphere's default security, shaping and teaming policy, as vSwitch and vPort both list it. */
const STANDARD_SWITCH_POLICY = {
  'Promiscuous Mode': false,
  'Mac Changes': false,
  'Forged Transmits': false,
  'Traffic Shaping': false,
  Width: 0,
  Peak: 0,
  Burst: 0,
  Policy: 'loadbalance_srcid',
  'Reverse Policy': true,
  'Notify Switch': true,
  'Rolling Order': false,
  Offload: true,
  TSO: true,
  'Zero Copy Xmit': true,
} as const;

export type RvtoolsVariant = '4.x' | '3.x';

/** `true`/`false` are written as the text `True`/`False`, the way RVTools writes booleans. */
export type RvtoolsCellValue = string | number | boolean | Date | null;

export type RvtoolsRow = Record<string, RvtoolsCellValue>;

export interface RvtoolsColumn {
  /** Header as written for the variant. */
  header: string;
  /** 4.x header the row is keyed by, or the custom attribute name. */
  source: string;
  attribute: boolean;
}

export interface RvtoolsSheetPlan {
  name: RvtoolsSheetName;
  columns: RvtoolsColumn[];
  /** Cells in column order; attribute values come from the row's `attributes`. */
  rows(): Iterable<RvtoolsCellValue[]>;
}

/** The sheets this generator writes, in the order RVTools writes them. */
export const RVTOOLS_SHEETS: readonly RvtoolsSheetName[] = [
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
  'vCluster',
  'vHost',
  'vSwitch',
  'vPort',
  'dvSwitch',
  'dvPort',
  'vDatastore',
  'vMetaData',
];

/** RVTools version strings written to vMetaData per variant. */
const RVTOOLS_VERSION: Record<RvtoolsVariant, { major: number; full: string }> = {
  '4.x': { major: 4.7, full: '4.7.1.4' },
  '3.x': { major: 3.11, full: '3.11.9.0' },
};

/**
 * Header of a sheet as the given variant writes it. 3.x says MB where 4.1.2 and later say MiB
 * (same values), `vCenter UUID` for `VI SDK UUID`, has no `SMBIOS UUID` (4.4.1), and its
 * vPartition writes `Free % ` with a trailing space (as in the genuine 3.x sample).
 */
export function variantHeader(
  sheet: RvtoolsSheetName,
  header4x: string,
  variant: RvtoolsVariant,
): string | null {
  if (variant === '4.x') return header4x;
  if (header4x === 'SMBIOS UUID') return null;
  if (header4x === 'VI SDK UUID') return 'vCenter UUID';
  if (sheet === 'vPartition' && header4x === 'Free %') return 'Free % ';
  return header4x.replace(/\bMiB\b/g, 'MB');
}

/** Custom attribute names sorted as RVTools sorts them: case-insensitive. */
export function attributeColumns(estate: GeneratedEstate, sheet: RvtoolsSheetName): string[] {
  const vmSheet = isVmSheet(sheet);
  return estate.customAttributes
    .filter((attribute) => vmSheet || attribute.scope === 'global')
    .map((attribute) => attribute.name)
    .sort((a, b) => {
      const la = a.toLowerCase();
      const lb = b.toLowerCase();
      return la < lb ? -1 : la > lb ? 1 : 0;
    });
}

export function sheetColumns(
  estate: GeneratedEstate,
  sheet: RvtoolsSheetName,
  variant: RvtoolsVariant,
): RvtoolsColumn[] {
  const columns: RvtoolsColumn[] = [];
  for (const header of RVTOOLS_4X_HEADERS[sheet]) {
    if (header === CUSTOM_ATTRIBUTE_COLUMNS) {
      for (const name of attributeColumns(estate, sheet))
        columns.push({ header: name, source: name, attribute: true });
      continue;
    }
    const written = variantHeader(sheet, header, variant);
    if (written !== null) columns.push({ header: written, source: header, attribute: false });
  }
  return columns;
}

function* entityRows(
  estate: GeneratedEstate,
  index: EstateIndex,
  sheet: RvtoolsSheetName,
  variant: RvtoolsVariant,
  writtenAt: Date,
): Iterable<RvtoolsRow> {
  switch (sheet) {
    case 'vSource':
      for (const vc of estate.vcenters) {
        yield {
          Name: 'VMware vCenter Server',
          'OS type': 'linux-x64',
          'API type': 'VirtualCenter',
          'API version': vc.apiVersion,
          Version: vc.version,
          'Patch level': vc.patchLevel,
          Build: vc.build,
          Fullname: `VMware vCenter Server ${vc.version} build-${vc.build}`,
          'Product name': 'VMware VirtualCenter Server',
          'Product version': vc.version.split('.').slice(0, 2).join('.'),
          'Product line': 'vpx',
          Vendor: 'VMware, Inc.',
          'VI SDK Server': vc.server,
          'VI SDK UUID': vc.uuid,
        };
      }
      return;
    case 'vCluster':
      for (const cluster of estate.clusters) {
        const hosts =
          index.clusterHosts.get(`${cluster.vcenter}|${cluster.datacenter}|${cluster.name}`) ?? [];
        const effective = hosts.filter((host) => !host.maintenanceMode);
        const totalCpu = hosts.reduce(
          (sum, host) => sum + host.cpuMhz * host.sockets * host.coresPerSocket,
          0,
        );
        const cores = hosts.reduce((sum, host) => sum + host.sockets * host.coresPerSocket, 0);
        const threads = hosts.reduce(
          (sum, host) => sum + host.sockets * host.coresPerSocket * (host.hyperThreading ? 2 : 1),
          0,
        );
        const totalMemory = hosts.reduce((sum, host) => sum + host.memoryMiB, 0);
        const effectiveMemory = effective.reduce((sum, host) => sum + host.memoryMiB, 0);
        yield {
          Name: cluster.name,
          'Config status': 'green',
          OverallStatus: 'green',
          NumHosts: hosts.length,
          numEffectiveHosts: effective.length,
          TotalCpu: totalCpu,
          NumCpuCores: cores,
          NumCpuThreads: threads,
          'Effective Cpu': Math.round(totalCpu * 0.9 * (effective.length / Math.max(1, hosts.length))),
          TotalMemory: totalMemory,
          'Effective Memory': Math.round(effectiveMemory * 0.97),
          'Num VMotions': cluster.vmotions,
          'HA enabled': cluster.haEnabled,
          'Failover Level': 1,
          AdmissionControlEnabled: cluster.admissionControl,
          'Host monitoring': 'enabled',
          'HB Datastore Candidate Policy': 'allFeasibleDsWithUserPreference',
          'Isolation Response': 'none',
          'Restart Priority': 'medium',
          'Cluster Settings': true,
          'Max Failures': 3,
          'Max Failure Window': -1,
          'Failure Interval': 30,
          'Min Up Time': 120,
          'VM Monitoring': 'vmMonitoringDisabled',
          'DRS enabled': cluster.drsEnabled,
          'DRS default VM behavior': cluster.drsBehavior,
          'DRS vmotion rate': 3,
          'DPM enabled': false,
          'DPM default behavior': 'automated',
          'DPM Host Power Action Rate': 3,
          'Object ID': cluster.moref,
          'VI SDK Server': cluster.vcenter,
          'VI SDK UUID': vcenterOf(index, cluster.vcenter).uuid,
        };
      }
      return;
    case 'vHost':
      for (const host of estate.hosts) {
        const load = index.hostLoad.get(`${host.vcenter}|${host.name}`) ?? {
          vms: 0,
          running: 0,
          vcpus: 0,
          vramMiB: 0,
          usedMiB: 0,
          cpuMhz: 0,
        };
        const cores = host.sockets * host.coresPerSocket;
        const vc = vcenterOf(index, host.vcenter);
        yield {
          Host: host.name,
          Datacenter: host.datacenter,
          Cluster: host.cluster,
          'Config status': host.maintenanceMode ? 'yellow' : 'green',
          'Compliance Check State': null,
          'in Maintenance Mode': host.maintenanceMode,
          'in Quarantine Mode': false,
          'vSAN Fault Domain Name': null,
          'CPU Model': host.cpuModel,
          Speed: host.cpuMhz,
          'HT Available': true,
          'HT Active': host.hyperThreading,
          '# CPU': host.sockets,
          'Cores per CPU': host.coresPerSocket,
          '# Cores': cores,
          'CPU usage %': Math.min(100, Math.round((load.cpuMhz / (cores * host.cpuMhz)) * 100)),
          '# Memory': host.memoryMiB,
          'Memory Tiering Type': 'noTiering',
          'Memory usage %': Math.min(100, Math.round(((load.vramMiB * 0.8) / host.memoryMiB) * 100)),
          Console: 0,
          '# NICs': host.nics,
          '# HBAs': host.hbas,
          '# VMs total': load.vms,
          '# VMs': load.running,
          'VMs per Core': load.running / cores,
          '# vCPUs': load.vcpus,
          'vCPUs per Core': load.vcpus / cores,
          vRAM: load.vramMiB,
          'VM Used memory': load.usedMiB,
          'VM Memory Swapped': 0,
          'VM Memory Ballooned': 0,
          'VMotion support': true,
          'Storage VMotion support': true,
          'Current EVC':
            index.clusters.get(`${host.vcenter}|${host.datacenter}|${host.cluster}`)?.evcMode ?? null,
          'Max EVC': host.maxEvc,
          'Assigned License(s)': null,
          'ATS Heartbeat': '1',
          'ATS Locking': '1',
          'Current CPU power man. policy': 'Balanced',
          'Supported CPU power man.': 'ACPI P-states',
          'Host Power Policy': 'dynamic',
          'ESX Version': host.esxFullName,
          'Boot time': new Date(host.bootTime),
          'DNS Servers': host.dnsServers.join(', '),
          DHCP: false,
          Domain: estate.domain,
          'Domain List': null,
          'DNS Search Order': estate.domain,
          'NTP Server(s)': host.ntpServer,
          'NTPD running': true,
          'Time Zone': 'UTC',
          'Time Zone Name': 'UTC',
          'GMT Offset': '0',
          Vendor: host.vendor,
          Model: host.model,
          'Serial number': host.serial,
          'Service tag': host.serial,
          'OEM specific string': null,
          'BIOS Vendor': host.vendor,
          'BIOS Version': host.biosVersion,
          'BIOS Date': new Date(host.biosDate),
          'Certificate Issuer': `OU=VMware Engineering,O=${host.vcenter},ST=California,C=US,DC=local,DC=vsphere,CN=CA`,
          'Certificate Start Date': new Date(Date.parse(host.bootTime) - 90 * 86_400_000),
          'Certificate Expiry Date': new Date(Date.parse(host.bootTime) + 1735 * 86_400_000),
          'Certificate Status': 'good',
          'Certificate Subject': `emailAddress=vmca@vmware.com,CN=${host.name},OU=VMware Engineering,O=VMware,L=Palo Alto,ST=California,C=US`,
          'Object ID': host.moref,
          UUID: host.uuid,
          'VI SDK Server': host.vcenter,
          'VI SDK UUID': vc.uuid,
        };
      }
      return;
    case 'vSwitch':
      for (const host of estate.hosts) {
        const switches = new Set(
          (index.hostPortGroups.get(`${host.vcenter}|${host.name}`) ?? []).map(
            (portGroup) => portGroup.switchName,
          ),
        );
        for (const name of switches) {
          yield {
            Host: host.name,
            Datacenter: host.datacenter,
            Cluster: host.cluster,
            Switch: name,
            '# Ports': 9216,
            'Free Ports': 9216 - (index.hostLoad.get(`${host.vcenter}|${host.name}`)?.running ?? 0) - 8,
            ...STANDARD_SWITCH_POLICY,
            MTU: 1500,
            'VI SDK Server': host.vcenter,
            'VI SDK UUID': vcenterOf(index, host.vcenter).uuid,
          };
        }
      }
      return;
    case 'vPort':
      for (const host of estate.hosts) {
        for (const portGroup of index.hostPortGroups.get(`${host.vcenter}|${host.name}`) ?? []) {
          yield {
            Host: host.name,
            Datacenter: host.datacenter,
            Cluster: host.cluster,
            'Port Group': portGroup.name,
            Switch: portGroup.switchName,
            VLAN: String(portGroup.vlan),
            ...STANDARD_SWITCH_POLICY,
            'VI SDK Server': host.vcenter,
            'VI SDK UUID': vcenterOf(index, host.vcenter).uuid,
          };
        }
      }
      return;
    case 'dvSwitch':
      for (const dvs of estate.distributedSwitches) {
        const vmCount = estate.vms.filter(
          (vm) => vm.vcenter === dvs.vcenter && vm.nics.some((nic) => nic.switchName === dvs.name),
        ).length;
        yield {
          Switch: dvs.name,
          Datacenter: dvs.datacenter,
          Name: dvs.name,
          Vendor: 'VMware, Inc.',
          Version: dvs.version,
          Description: null,
          Created: new Date(dvs.createdAt),
          'Host members': dvs.hosts.join(', '),
          'Max Ports': 2147483647,
          '# Ports':
            estate.portGroups.filter((pg) => pg.switchName === dvs.name).length * 8 + dvs.hosts.length * 2,
          '# VMs': vmCount,
          'In Traffic Shaping': false,
          'In Avg': 100000,
          'In Peak': 100000,
          'In Burst': 102400,
          'Out Traffic Shaping': false,
          'Out Avg': 100000,
          'Out Peak': 100000,
          'Out Burst': 102400,
          'CDP Type': 'cdp',
          'CDP Operation': 'listen',
          'LACP Name': null,
          'LACP Mode': null,
          'LACP Load Balance Alg.': null,
          'Max MTU': dvs.mtu,
          Contact: null,
          'Admin Name': null,
          'Object ID': dvs.moref,
          'VI SDK Server': dvs.vcenter,
          'VI SDK UUID': vcenterOf(index, dvs.vcenter).uuid,
        };
      }
      return;
    case 'dvPort':
      for (const dvs of estate.distributedSwitches) {
        const uplinks = {
          Port: `${dvs.name}-DVUplinks-${dvs.moref.replace(/^dvs-/, '')}`,
          Switch: dvs.name,
          Type: 'earlyBinding',
          '# Ports': dvs.hosts.length * 2,
          VLAN: null,
          'Object ID': `dvportgroup-${dvs.moref.replace(/^dvs-/, '')}0`,
        };
        const portGroups = estate.portGroups.filter(
          (pg) => pg.kind === 'distributed' && pg.switchName === dvs.name && pg.vcenter === dvs.vcenter,
        );
        const rows: RvtoolsRow[] = [
          uplinks,
          ...portGroups.map((pg) => ({
            Port: pg.name,
            Switch: dvs.name,
            Type: 'earlyBinding',
            '# Ports': 8,
            VLAN: pg.vlan,
            'Active Uplink': 'Uplink 1, Uplink 2',
            'Object ID': pg.moref,
          })),
        ];
        for (const row of rows) {
          yield {
            Speed: 10,
            'Full Duplex': false,
            Blocked: false,
            'Allow Promiscuous': false,
            'Mac Changes': false,
            'Active Uplink': null,
            'Standby Uplink': null,
            Policy: 'loadbalance_srcid',
            'Forged Transmits': false,
            'In Traffic Shaping': false,
            'In Avg': 100000,
            'In Peak': 100000,
            'In Burst': 102400,
            'Out Traffic Shaping': false,
            'Out Avg': 100000,
            'Out Peak': 100000,
            'Out Burst': 102400,
            'Reverse Policy': true,
            'Notify Switch': true,
            'Rolling Order': false,
            'Check Beacon': false,
            'Live Port Moving': false,
            'Check Duplex': false,
            'Check Error %': false,
            'Check Speed': 'minimum',
            Percentage: 0,
            'Block Override': true,
            'Config Reset': true,
            'Shaping Override': false,
            'Vendor Config Override': false,
            'Sec. Policy Override': false,
            'Teaming Override': false,
            'Vlan Override': false,
            ...row,
            'VI SDK Server': dvs.vcenter,
            'VI SDK UUID': vcenterOf(index, dvs.vcenter).uuid,
          };
        }
      }
      return;
    case 'vDatastore':
      for (const store of estate.datastores) {
        yield datastoreRow(store, index);
      }
      return;
    case 'vMetaData':
      yield {
        'RVTools major version': RVTOOLS_VERSION[variant].major,
        'RVTools version': RVTOOLS_VERSION[variant].full,
        'xlsx creation datetime': writtenAt,
        Server: estate.vcenters.map((vc) => vc.server).join(', '),
      };
      return;
    default:
      throw new Error(`${sheet} is not an inventory sheet`);
  }
}

function datastoreRow(store: GeneratedDatastore, index: EstateIndex): RvtoolsRow {
  const vsan = store.type === 'vsan';
  return {
    Name: store.name,
    'Config status': 'green',
    Address: store.address,
    Accessible: true,
    Type: store.type,
    '# VMs total': store.vmCount,
    '# VMs': store.vmCount,
    'Capacity MiB': store.capacityMiB,
    'Provisioned MiB': store.provisionedMiB,
    'In Use MiB': store.inUseMiB,
    'Free MiB': store.freeMiB,
    'Free %': Math.round((store.freeMiB / store.capacityMiB) * 100),
    'SIOC enabled': false,
    'SIOC Threshold': 30,
    '# Hosts': store.hosts.length,
    Hosts: store.hosts.join(', '),
    'Cluster name': null,
    'Cluster capacity MiB': null,
    'Cluster free space MiB': null,
    'Block size': store.type === 'VMFS' ? 1 : null,
    'Max Blocks': store.type === 'VMFS' ? Math.floor(store.capacityMiB) : null,
    '# Extents': store.type === 'VMFS' ? 1 : null,
    'Major Version': store.vmfsVersion ? Number(store.vmfsVersion.split('.')[0]) : null,
    Version: store.vmfsVersion ?? (vsan ? '2.0' : store.type === 'NFS41' ? '4.1' : '3'),
    'VMFS Upgradeable': false,
    MHA: store.type === 'VMFS',
    URL: store.url,
    'Object ID': store.moref,
    'VI SDK Server': store.vcenter,
    'VI SDK UUID': vcenterOf(index, store.vcenter).uuid,
  };
}

/**
 * Plans the sheets to write. Rows are produced lazily, one at a time, so writers can stream
 * 100,000 VMs without holding a sheet in memory.
 */
export function planRvtoolsSheets(
  estate: GeneratedEstate,
  options: { variant: RvtoolsVariant; sheets?: readonly string[]; writtenAt: Date },
): RvtoolsSheetPlan[] {
  const requested = options.sheets ?? RVTOOLS_SHEETS;
  for (const name of requested) {
    if (!(RVTOOLS_SHEETS as readonly string[]).includes(name)) {
      throw new RangeError(
        `unknown RVTools sheet "${name}"; the generator writes ${RVTOOLS_SHEETS.join(', ')}`,
      );
    }
  }
  const index = indexEstate(estate);
  return (requested as readonly RvtoolsSheetName[]).map((name) => {
    const columns = sheetColumns(estate, name, options.variant);
    return {
      name,
      columns,
      *rows() {
        if (isVmSheet(name)) {
          yield* vmSheetRows(estate, index, name, columns, options.variant === '3.x');
          return;
        }
        for (const row of entityRows(estate, index, name, options.variant, options.writtenAt)) {
          yield columns.map((column) => (column.attribute ? null : (row[column.source] ?? null)));
        }
      },
    };
  });
}
