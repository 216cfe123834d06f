/** Host hardware, hypervisor and vCenter releases, as vCenter reports them. */

export interface CpuModel {
  name: string;
  mhz: number;
  coresPerSocket: number;
  /** EVC mode of the generation, used for `Max EVC` and cluster EVC. */
  evc: string;
  weight: number;
}

export const CPU_MODELS: readonly CpuModel[] = [
  {
    name: 'Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz',
    mhz: 2400,
    coresPerSocket: 14,
    evc: 'intel-broadwell',
    weight: 2,
  },
  {
    name: 'Intel(R) Xeon(R) Gold 6140 CPU @ 2.30GHz',
    mhz: 2300,
    coresPerSocket: 18,
    evc: 'intel-skylake',
    weight: 3,
  },
  {
    name: 'Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz',
    mhz: 3000,
    coresPerSocket: 24,
    evc: 'intel-cascadelake',
    weight: 4,
  },
  {
    name: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
    mhz: 2000,
    coresPerSocket: 32,
    evc: 'intel-icelake',
    weight: 3,
  },
  {
    name: 'Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz',
    mhz: 2300,
    coresPerSocket: 40,
    evc: 'intel-icelake',
    weight: 1,
  },
  {
    name: 'Intel(R) Xeon(R) Gold 6430 CPU @ 2.10GHz',
    mhz: 2100,
    coresPerSocket: 32,
    evc: 'intel-sapphirerapids',
    weight: 2,
  },
  { name: 'AMD EPYC 7543 32-Core Processor', mhz: 2800, coresPerSocket: 32, evc: 'amd-zen3', weight: 2 },
  { name: 'AMD EPYC 9354 32-Core Processor', mhz: 3250, coresPerSocket: 32, evc: 'amd-zen4', weight: 1 },
];

export interface ServerModel {
  vendor: string;
  model: string;
  biosVendor: string;
  biosVersion: string;
  serialPrefix: string;
  weight: number;
}

export const SERVER_MODELS: readonly ServerModel[] = [
  {
    vendor: 'Dell Inc.',
    model: 'PowerEdge R740',
    biosVendor: 'Dell Inc.',
    biosVersion: '2.19.1',
    serialPrefix: '',
    weight: 3,
  },
  {
    vendor: 'Dell Inc.',
    model: 'PowerEdge R750',
    biosVendor: 'Dell Inc.',
    biosVersion: '1.13.2',
    serialPrefix: '',
    weight: 3,
  },
  {
    vendor: 'HPE',
    model: 'ProLiant DL380 Gen10',
    biosVendor: 'HPE',
    biosVersion: 'U30',
    serialPrefix: 'CZ',
    weight: 3,
  },
  {
    vendor: 'HPE',
    model: 'ProLiant DL360 Gen11',
    biosVendor: 'HPE',
    biosVersion: 'U54',
    serialPrefix: 'CZ',
    weight: 1,
  },
  {
    vendor: 'Cisco Systems Inc',
    model: 'UCSB-B200-M5',
    biosVendor: 'Cisco Systems, Inc.',
    biosVersion: 'B200M5.4.3.2a.0.0613232340',
    serialPrefix: 'FCH',
    weight: 2,
  },
  {
    vendor: 'Lenovo',
    model: 'ThinkSystem SR650',
    biosVendor: 'Lenovo',
    biosVersion: 'IVE184O-3.30',
    serialPrefix: 'J3',
    weight: 1,
  },
];

export interface EsxiRelease {
  version: string;
  build: string;
  /** Newest virtual hardware version the release runs. */
  maxHw: number;
  weight: number;
}

export const ESXI_RELEASES: readonly EsxiRelease[] = [
  { version: '6.7.0', build: '17700523', maxHw: 15, weight: 1 },
  { version: '7.0.3', build: '21930508', maxHw: 19, weight: 4 },
  { version: '7.0.3', build: '24411414', maxHw: 19, weight: 2 },
  { version: '8.0.2', build: '22380479', maxHw: 21, weight: 2 },
  { version: '8.0.3', build: '24022510', maxHw: 21, weight: 4 },
];

export interface VcenterRelease {
  version: string;
  build: string;
  apiVersion: string;
  patchLevel: string;
  /** VMware Tools build the bundled tools ISO carries (vTools `Required Version`). */
  toolsRequired: number;
  /** vCLS agent VMs exist from 7.0 Update 1 on. */
  vcls: boolean;
}

export const VCENTER_RELEASES: readonly VcenterRelease[] = [
  {
    version: '8.0.3',
    build: '24262322',
    apiVersion: '8.0.3.0',
    patchLevel: '00100',
    toolsRequired: 12448,
    vcls: true,
  },
  {
    version: '8.0.2',
    build: '24321653',
    apiVersion: '8.0.2.0',
    patchLevel: '00500',
    toolsRequired: 12448,
    vcls: true,
  },
  {
    version: '7.0.3',
    build: '24322018',
    apiVersion: '7.0.3.0',
    patchLevel: '02100',
    toolsRequired: 12389,
    vcls: true,
  },
];

/** VMware Tools builds seen in the field, newest first (12448 is 12.4.5). */
export const TOOLS_BUILDS: readonly number[] = [
  12448, 12416, 12389, 12357, 12325, 11365, 11333, 11269, 10346, 10304, 10282, 9349,
];

/** Guest-managed tools (open-vm-tools from the distribution) report this version. */
export const GUEST_MANAGED_TOOLS_VERSION = 2147483647;

export const HOST_MEMORY_GIB: readonly (readonly [number, number])[] = [
  [384, 2],
  [512, 4],
  [768, 4],
  [1024, 3],
  [1536, 1],
  [2048, 1],
];

export const DATACENTER_NAMES: readonly string[] = [
  'DC-AMS',
  'DC-FRA',
  'DC-LON',
  'DC-NYC',
  'DC-DAL',
  'DC-SGP',
  'DC-SYD',
  'DC-PAR',
  'DC-MAD',
  'DC-TOR',
  'DC-GRU',
  'DC-JNB',
];

export const PCI_PASSTHROUGH_DEVICES: readonly string[] = [
  'NVIDIA Tesla V100 PCIe 32GB',
  'NVIDIA A40',
  'Intel(R) Ethernet Controller X710 for 10GbE SFP+',
  'Emulex LightPulse LPe32002 FC HBA',
  'Digium TE820 T1/E1 card',
];

export const VGPU_PROFILES: readonly string[] = ['grid_t4-4q', 'grid_a40-8q', 'grid_a16-2b', 'grid_v100d-8q'];

export const USB_DEVICES: readonly (readonly [name: string, family: string, speed: string])[] = [
  ['SafeNet Sentinel HASP HL 3.25', 'vendor_specific', 'full'],
  ['Aladdin Knowledge Systems HASP HL', 'vendor_specific', 'full'],
  ['WIBU-SYSTEMS AG CodeMeter-Stick', 'storage', 'high'],
  ['Gemalto USB Smart Card Reader', 'smart_card', 'full'],
  ['SanDisk Cruzer Blade', 'storage', 'high'],
  ['FTDI FT232R USB UART', 'vendor_specific', 'full'],
];
