import type { GuestFamily } from './model.js';
import type { SeededRandom } from './seeded-random.js';

/**
 * Guest operating systems with their vSphere guest ids and the names vCenter shows for them
 * (`OS according to the configuration file`). Weights are relative shares of ordinary
 * workloads, shaped like the estates we have seen: Linux and Windows Server about even, a tail
 * of end-of-life systems, a pinch of the truly odd.
 */
export interface GuestOsProfile {
  id: string;
  guestId: string;
  configName: string;
  /** What VMware Tools usually reports; defaults to the configured name. */
  toolsName?: string;
  family: GuestFamily;
  weight: number;
  /** Older than RHEL 7 / Windows Server 2012: beyond what the conversion tooling supports well. */
  legacy: boolean;
  /** Not a mainstream Linux or Windows guest (BSD, Solaris, DOS, vendor appliances). */
  unusual: boolean;
  efiShare: number;
  /** Share of EFI VMs with secure boot on. */
  secureBootShare: number;
  tpmShare: number;
  desktop: boolean;
  /** Oldest and newest virtual hardware version it is usually found on. */
  hw: readonly [number, number];
  /** Open-vm-tools shipped by the distribution (tools version 2147483647, guest managed). */
  openVmTools: boolean;
  detail: ((random: SeededRandom) => string) | null;
}

function linuxDetail(
  distroName: string,
  versions: readonly (readonly [version: string, kernel: string, prettyName: string])[],
): (random: SeededRandom) => string {
  return (random) => {
    const [version, kernel, pretty] = random.pick(versions);
    return `architecture='X86' bitness='64' distroName='${distroName}' distroVersion='${version}' familyName='Linux' kernelVersion='${kernel}' prettyName='${pretty}'`;
  };
}

function windowsDetail(
  build: string,
  revisions: readonly string[],
  prettyPrefix: string,
): (random: SeededRandom) => string {
  return (random) => {
    const revision = random.pick(revisions);
    return `architecture='X86' bitness='64' buildNumber='${build}' familyName='Windows' kernelVersion='${build}.${revision}' prettyName='${prettyPrefix}, 64-bit (Build ${build}.${revision})'`;
  };
}

const base = {
  legacy: false,
  unusual: false,
  efiShare: 0.3,
  secureBootShare: 0.3,
  tpmShare: 0,
  desktop: false,
  hw: [13, 21] as const,
  openVmTools: false,
  detail: null,
};

export const GUEST_OS_CATALOG: readonly GuestOsProfile[] = [
  {
    ...base,
    id: 'rhel9',
    guestId: 'rhel9_64Guest',
    configName: 'Red Hat Enterprise Linux 9 (64-bit)',
    family: 'linux',
    weight: 9,
    efiShare: 0.6,
    secureBootShare: 0.4,
    hw: [19, 21],
    openVmTools: true,
    detail: linuxDetail('Red Hat Enterprise Linux', [
      ['9.2', '5.14.0-284.30.1.el9_2.x86_64', 'Red Hat Enterprise Linux 9.2 (Plow)'],
      ['9.4', '5.14.0-427.13.1.el9_4.x86_64', 'Red Hat Enterprise Linux 9.4 (Plow)'],
      ['9.5', '5.14.0-503.11.1.el9_5.x86_64', 'Red Hat Enterprise Linux 9.5 (Plow)'],
    ]),
  },
  {
    ...base,
    id: 'rhel8',
    guestId: 'rhel8_64Guest',
    configName: 'Red Hat Enterprise Linux 8 (64-bit)',
    family: 'linux',
    weight: 12,
    efiShare: 0.4,
    hw: [14, 21],
    openVmTools: true,
    detail: linuxDetail('Red Hat Enterprise Linux', [
      ['8.6', '4.18.0-372.9.1.el8.x86_64', 'Red Hat Enterprise Linux 8.6 (Ootpa)'],
      ['8.8', '4.18.0-477.10.1.el8_8.x86_64', 'Red Hat Enterprise Linux 8.8 (Ootpa)'],
      ['8.10', '4.18.0-553.el8_10.x86_64', 'Red Hat Enterprise Linux 8.10 (Ootpa)'],
    ]),
  },
  {
    ...base,
    id: 'rhel7',
    guestId: 'rhel7_64Guest',
    configName: 'Red Hat Enterprise Linux 7 (64-bit)',
    family: 'linux',
    weight: 8,
    efiShare: 0.1,
    hw: [10, 19],
    openVmTools: true,
    detail: linuxDetail('Red Hat Enterprise Linux Server', [
      ['7.9', '3.10.0-1160.118.1.el7.x86_64', 'Red Hat Enterprise Linux Server 7.9 (Maipo)'],
      ['7.6', '3.10.0-957.el7.x86_64', 'Red Hat Enterprise Linux Server 7.6 (Maipo)'],
    ]),
  },
  {
    ...base,
    id: 'rhel6',
    guestId: 'rhel6_64Guest',
    configName: 'Red Hat Enterprise Linux 6 (64-bit)',
    family: 'linux',
    weight: 1.2,
    legacy: true,
    efiShare: 0,
    hw: [8, 13],
  },
  {
    ...base,
    id: 'rhel5',
    guestId: 'rhel5_64Guest',
    configName: 'Red Hat Enterprise Linux 5 (64-bit)',
    family: 'linux',
    weight: 0.4,
    legacy: true,
    efiShare: 0,
    hw: [7, 10],
  },
  {
    ...base,
    id: 'centos7',
    guestId: 'centos7_64Guest',
    configName: 'CentOS 7 (64-bit)',
    family: 'linux',
    weight: 7,
    efiShare: 0.05,
    hw: [10, 19],
    openVmTools: true,
    detail: linuxDetail('CentOS Linux', [
      ['7.9.2009', '3.10.0-1160.119.1.el7.x86_64', 'CentOS Linux 7 (Core)'],
    ]),
  },
  {
    ...base,
    id: 'centos-legacy',
    guestId: 'centos64Guest',
    configName: 'CentOS 4/5/6/7 (64-bit)',
    toolsName: 'CentOS 4/5/6/7 (64-bit)',
    family: 'linux',
    weight: 1.5,
    legacy: true,
    efiShare: 0,
    hw: [8, 14],
  },
  {
    ...base,
    id: 'oracle8',
    guestId: 'oracleLinux8_64Guest',
    configName: 'Oracle Linux 8 (64-bit)',
    family: 'linux',
    weight: 2.5,
    efiShare: 0.5,
    hw: [15, 21],
    openVmTools: true,
    detail: linuxDetail('Oracle Linux Server', [
      ['8.10', '5.4.17-2136.338.4.1.el8uek.x86_64', 'Oracle Linux Server 8.10'],
    ]),
  },
  {
    ...base,
    id: 'rocky9',
    guestId: 'rockylinux_64Guest',
    configName: 'Rocky Linux (64-bit)',
    family: 'linux',
    weight: 1.5,
    efiShare: 0.5,
    hw: [19, 21],
    openVmTools: true,
    detail: linuxDetail('Rocky Linux', [
      ['9.4', '5.14.0-427.16.1.el9_4.x86_64', 'Rocky Linux 9.4 (Blue Onyx)'],
    ]),
  },
  {
    ...base,
    id: 'ubuntu',
    guestId: 'ubuntu64Guest',
    configName: 'Ubuntu Linux (64-bit)',
    family: 'linux',
    weight: 8,
    efiShare: 0.35,
    hw: [13, 21],
    openVmTools: true,
    detail: linuxDetail('Ubuntu', [
      ['18.04', '4.15.0-213-generic', 'Ubuntu 18.04.6 LTS'],
      ['20.04', '5.4.0-182-generic', 'Ubuntu 20.04.6 LTS'],
      ['22.04', '5.15.0-112-generic', 'Ubuntu 22.04.4 LTS'],
      ['24.04', '6.8.0-35-generic', 'Ubuntu 24.04 LTS'],
    ]),
  },
  {
    ...base,
    id: 'debian11',
    guestId: 'debian11_64Guest',
    configName: 'Debian GNU/Linux 11 (64-bit)',
    family: 'linux',
    weight: 1.5,
    hw: [17, 21],
    openVmTools: true,
    detail: linuxDetail('Debian GNU/Linux', [['11', '5.10.0-30-amd64', 'Debian GNU/Linux 11 (bullseye)']]),
  },
  {
    ...base,
    id: 'sles15',
    guestId: 'sles15_64Guest',
    configName: 'SUSE Linux Enterprise 15 (64-bit)',
    family: 'linux',
    weight: 3,
    efiShare: 0.5,
    hw: [14, 21],
    openVmTools: true,
    detail: linuxDetail('SLES', [
      ['15-SP5', '5.14.21-150500.55.52-default', 'SUSE Linux Enterprise Server 15 SP5'],
    ]),
  },
  {
    ...base,
    id: 'sles12',
    guestId: 'sles12_64Guest',
    configName: 'SUSE Linux Enterprise 12 (64-bit)',
    family: 'linux',
    weight: 2,
    efiShare: 0.2,
    hw: [11, 19],
    openVmTools: true,
  },
  {
    ...base,
    id: 'sles11',
    guestId: 'sles11_64Guest',
    configName: 'SUSE Linux Enterprise 11 (64-bit)',
    family: 'linux',
    weight: 0.4,
    legacy: true,
    efiShare: 0,
    hw: [8, 11],
  },
  {
    ...base,
    // Appliance-style Linux configured as "Other"; tools report the real distribution.
    id: 'other26-linux',
    guestId: 'other26xLinux64Guest',
    configName: 'Other 2.6.x Linux (64-bit)',
    toolsName: 'Oracle Linux 8 (64-bit)',
    family: 'linux',
    weight: 1,
    hw: [10, 21],
    openVmTools: true,
  },
  {
    ...base,
    id: 'other4-linux',
    guestId: 'other4xLinux64Guest',
    configName: 'Other 4.x or later Linux (64-bit)',
    toolsName: 'Other 4.x or later Linux (64-bit)',
    family: 'linux',
    weight: 1,
    hw: [13, 21],
    openVmTools: true,
  },
  {
    ...base,
    id: 'win2025',
    guestId: 'windows2022srvNext_64Guest',
    configName: 'Microsoft Windows Server 2025 (64-bit)',
    family: 'windows',
    weight: 0.8,
    efiShare: 1,
    secureBootShare: 0.8,
    tpmShare: 0.5,
    hw: [21, 21],
    detail: windowsDetail('26100', ['1742', '2894'], 'Windows Server 2025'),
  },
  {
    ...base,
    id: 'win2022',
    guestId: 'windows2019srvNext_64Guest',
    configName: 'Microsoft Windows Server 2022 (64-bit)',
    family: 'windows',
    weight: 10,
    efiShare: 0.85,
    secureBootShare: 0.6,
    tpmShare: 0.15,
    hw: [19, 21],
    detail: windowsDetail('20348', ['2340', '2461', '2582'], 'Windows Server 2022'),
  },
  {
    ...base,
    id: 'win2019',
    guestId: 'windows2019srv_64Guest',
    configName: 'Microsoft Windows Server 2019 (64-bit)',
    family: 'windows',
    weight: 14,
    efiShare: 0.6,
    secureBootShare: 0.4,
    hw: [14, 21],
    detail: windowsDetail('17763', ['5458', '5936', '6054'], 'Windows Server 2019'),
  },
  {
    ...base,
    id: 'win2016',
    guestId: 'windows9Server64Guest',
    configName: 'Microsoft Windows Server 2016 (64-bit)',
    family: 'windows',
    weight: 9,
    efiShare: 0.4,
    secureBootShare: 0.2,
    hw: [11, 19],
    detail: windowsDetail('14393', ['6796', '7070'], 'Windows Server 2016'),
  },
  {
    ...base,
    // vSphere has one guest id for 2012 and 2012 R2; only the tools detail tells them apart.
    id: 'win2012r2',
    guestId: 'windows8Server64Guest',
    configName: 'Microsoft Windows Server 2012 (64-bit)',
    family: 'windows',
    weight: 6,
    efiShare: 0.1,
    secureBootShare: 0,
    hw: [9, 15],
    detail: windowsDetail('9600', ['21620', '21830'], 'Windows Server 2012 R2 Standard'),
  },
  {
    ...base,
    id: 'win2008r2',
    guestId: 'windows7Server64Guest',
    configName: 'Microsoft Windows Server 2008 R2 (64-bit)',
    family: 'windows',
    weight: 1.8,
    legacy: true,
    efiShare: 0,
    hw: [7, 13],
  },
  {
    ...base,
    id: 'win2008',
    guestId: 'winLonghorn64Guest',
    configName: 'Microsoft Windows Server 2008 (64-bit)',
    family: 'windows',
    weight: 0.4,
    legacy: true,
    efiShare: 0,
    hw: [7, 10],
  },
  {
    ...base,
    id: 'win2003',
    guestId: 'winNetEnterpriseGuest',
    configName: 'Microsoft Windows Server 2003 (32-bit)',
    family: 'windows',
    weight: 0.2,
    legacy: true,
    efiShare: 0,
    hw: [4, 8],
  },
  {
    ...base,
    id: 'win10',
    guestId: 'windows9_64Guest',
    configName: 'Microsoft Windows 10 (64-bit)',
    family: 'windows',
    weight: 2,
    efiShare: 0.7,
    secureBootShare: 0.5,
    desktop: true,
    hw: [13, 21],
    detail: windowsDetail('19045', ['4529', '4894'], 'Windows 10 Enterprise'),
  },
  {
    ...base,
    id: 'win11',
    guestId: 'windows11_64Guest',
    configName: 'Microsoft Windows 11 (64-bit)',
    family: 'windows',
    weight: 1,
    efiShare: 1,
    secureBootShare: 1,
    tpmShare: 1,
    desktop: true,
    hw: [19, 21],
    detail: windowsDetail('22631', ['3737', '3880'], 'Windows 11 Enterprise'),
  },
  {
    ...base,
    id: 'win7',
    guestId: 'windows7_64Guest',
    configName: 'Microsoft Windows 7 (64-bit)',
    family: 'windows',
    weight: 0.15,
    legacy: true,
    efiShare: 0,
    desktop: true,
    hw: [8, 13],
  },
  {
    ...base,
    id: 'freebsd',
    guestId: 'freebsd13_64Guest',
    configName: 'FreeBSD 13 (64-bit)',
    family: 'other',
    weight: 0.3,
    unusual: true,
    efiShare: 0,
    hw: [17, 21],
  },
  {
    ...base,
    id: 'solaris',
    guestId: 'solaris11_64Guest',
    configName: 'Oracle Solaris 11 (64-bit)',
    family: 'other',
    weight: 0.15,
    unusual: true,
    efiShare: 0,
    hw: [10, 19],
  },
  {
    ...base,
    // Firewall and load balancer appliances imported from an OVA.
    id: 'appliance',
    guestId: 'otherGuest64',
    configName: 'Other (64-bit)',
    toolsName: 'PanOS 10.2.9',
    family: 'other',
    weight: 0.5,
    unusual: true,
    efiShare: 0,
    hw: [10, 19],
  },
  {
    ...base,
    id: 'netware',
    guestId: 'netware6Guest',
    configName: 'Novell NetWare 6.x',
    family: 'other',
    weight: 0.04,
    legacy: true,
    unusual: true,
    efiShare: 0,
    hw: [4, 7],
  },
  {
    ...base,
    id: 'dos',
    guestId: 'dosGuest',
    configName: 'MS-DOS',
    family: 'other',
    weight: 0.03,
    legacy: true,
    unusual: true,
    efiShare: 0,
    hw: [4, 8],
  },
  {
    ...base,
    id: 'os2',
    guestId: 'os2Guest',
    configName: 'IBM OS/2',
    family: 'other',
    weight: 0.02,
    legacy: true,
    unusual: true,
    efiShare: 0,
    hw: [4, 8],
  },
  {
    ...base,
    // vCLS agents and the vCenter appliance run Photon OS; never picked for ordinary workloads.
    id: 'photon',
    guestId: 'vmwarePhoton64Guest',
    configName: 'VMware Photon OS (64-bit)',
    family: 'linux',
    weight: 0,
    hw: [14, 21],
    openVmTools: true,
  },
];

export function guestOsById(id: string): GuestOsProfile {
  const found = GUEST_OS_CATALOG.find((profile) => profile.id === id);
  if (!found) throw new Error(`unknown guest OS profile ${id}`);
  return found;
}

/**
 * When configuration and tools disagree, this is usually what happened: an in-place upgrade
 * nobody reflected in the VM settings, or a clone of the wrong template.
 */
export const OS_DRIFT: Readonly<Record<string, string>> = {
  rhel7: 'Red Hat Enterprise Linux 8 (64-bit)',
  rhel8: 'Red Hat Enterprise Linux 9 (64-bit)',
  centos7: 'Red Hat Enterprise Linux 7 (64-bit)',
  'centos-legacy': 'CentOS 7 (64-bit)',
  win2016: 'Microsoft Windows Server 2019 (64-bit)',
  win2012r2: 'Microsoft Windows Server 2016 (64-bit)',
  win2019: 'Microsoft Windows Server 2022 (64-bit)',
  ubuntu: 'Other 5.x or later Linux (64-bit)',
  sles12: 'SUSE Linux Enterprise 15 (64-bit)',
};
