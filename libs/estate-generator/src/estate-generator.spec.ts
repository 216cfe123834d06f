import { describe, expect, it } from 'vitest';
import { generateEstate } from './estate-generator.js';
import type { GeneratedEstate, GeneratedVm } from './model.js';
import { SeededRandom } from './seeded-random.js';

const GIB = 1024;

function count(estate: GeneratedEstate, test: (vm: GeneratedVm) => boolean): number {
  return estate.vms.filter(test).length;
}

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
    for (const value of first) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe('generateEstate', () => {
  it('is deterministic for a seed and changes with the seed', () => {
    const once = JSON.stringify(generateEstate({ vms: 300, seed: 7 }));
    const again = JSON.stringify(generateEstate({ vms: 300, seed: 7 }));
    const other = JSON.stringify(generateEstate({ vms: 300, seed: 8 }));
    expect(again).toBe(once);
    expect(other).not.toBe(once);
  });

  it('produces exactly the number of VMs asked for, small estates included', () => {
    for (const vms of [0, 1, 5, 19, 50, 101]) {
      expect(generateEstate({ vms, seed: 3 }).vms).toHaveLength(vms);
    }
  });

  it('names the option it rejects', () => {
    expect(() => generateEstate({ vms: -1 })).toThrow(/vms must be a whole number/);
    expect(() => generateEstate({ vms: 10, vcenters: 0 })).toThrow(/vcenters/);
    expect(() => generateEstate({ vms: 10, hostsPerCluster: 1.5 })).toThrow(/hostsPerCluster/);
    expect(() => generateEstate({ vms: 10, asOf: 'yesterday' })).toThrow(/asOf "yesterday"/);
  });

  it('builds the topology it is asked for', () => {
    const estate = generateEstate({ vms: 400, seed: 1, vcenters: 2, clusters: 4, hostsPerCluster: 3 });
    expect(estate.vcenters).toHaveLength(2);
    expect(estate.clusters).toHaveLength(4);
    expect(estate.hosts).toHaveLength(12);
    expect(new Set(estate.vms.map((vm) => vm.vcenter))).toEqual(
      new Set(estate.vcenters.map((vc) => vc.server)),
    );
    expect(estate.portGroups.some((pg) => pg.kind === 'standard')).toBe(true);
    expect(estate.portGroups.some((pg) => pg.kind === 'distributed')).toBe(true);
    expect(new Set(estate.datastores.map((store) => store.type))).toContain('VMFS');
  });
});

describe('a 2,000-VM estate', () => {
  const estate = generateEstate({ vms: 2000, seed: 42, vcenters: 2 });
  const workloads = estate.vms.filter((vm) => vm.truth.role === 'workload' && !vm.truth.unusualOs);

  it('has unique keys and morefs unique within each vCenter (but reused across them)', () => {
    expect(new Set(estate.vms.map((vm) => vm.key)).size).toBe(estate.vms.length);
    for (const vc of estate.vcenters) {
      const morefs = estate.vms.filter((vm) => vm.vcenter === vc.server).map((vm) => vm.moref);
      expect(new Set(morefs).size).toBe(morefs.length);
      expect(morefs.every((moref) => /^vm-\d+$/.test(moref))).toBe(true);
    }
    const hostMorefs = estate.hosts.map((host) => `${host.vcenter}/${host.moref}`);
    expect(new Set(hostMorefs).size).toBe(hostMorefs.length);
  });

  it('gives every NIC a unique VMware MAC', () => {
    const macs = estate.vms.flatMap((vm) => vm.nics.map((nic) => nic.mac));
    expect(macs.length).toBeGreaterThan(estate.vms.length);
    expect(new Set(macs).size).toBe(macs.length);
    for (const mac of macs) expect(mac).toMatch(/^00:50:56:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
  });

  it('keeps templates near 1.5% and plants placeholders, vCLS agents and multi-NIC VMs', () => {
    const templates = count(estate, (vm) => vm.template);
    expect(templates).toBeGreaterThanOrEqual(20);
    expect(templates).toBeLessThanOrEqual(40);
    expect(estate.vms.filter((vm) => vm.template).every((vm) => vm.powerState === 'poweredOff')).toBe(true);
    expect(count(estate, (vm) => vm.srmPlaceholder)).toBeGreaterThan(0);
    const vcls = estate.vms.filter((vm) => vm.truth.isVcls);
    expect(vcls.length).toBeGreaterThan(0);
    expect(vcls.every((vm) => vm.name.startsWith('vCLS-') && vm.nics.length === 0)).toBe(true);
    expect(count(estate, (vm) => vm.nics.length > 1)).toBeGreaterThan(100);
  });

  it('mixes power states the way estates are: mostly on, some off for long, a few suspended', () => {
    const on = count(estate, (vm) => vm.powerState === 'poweredOn');
    expect(on / estate.vms.length).toBeGreaterThan(0.75);
    expect(on / estate.vms.length).toBeLessThan(0.92);
    expect(count(estate, (vm) => vm.powerState === 'suspended')).toBeGreaterThan(0);
    const longOff = estate.vms.filter((vm) => vm.truth.longPoweredOff);
    expect(longOff.length).toBeGreaterThan(20);
    for (const vm of longOff) {
      expect(vm.powerState).toBe('poweredOff');
      expect(vm.poweredOnAt).toBeNull();
      expect(Date.parse(estate.asOf) - Date.parse(vm.changedAt)).toBeGreaterThan(365 * 86_400_000);
    }
  });

  it('mixes Linux and Windows, with legacy and unusual guests', () => {
    const windows = count(estate, (vm) => vm.guestFamily === 'windows') / estate.vms.length;
    const linux = count(estate, (vm) => vm.guestFamily === 'linux') / estate.vms.length;
    expect(windows).toBeGreaterThan(0.3);
    expect(linux).toBeGreaterThan(0.3);
    const configured = new Set(estate.vms.map((vm) => vm.osConfig));
    for (const name of [
      'Red Hat Enterprise Linux 9 (64-bit)',
      'Red Hat Enterprise Linux 7 (64-bit)',
      'CentOS 7 (64-bit)',
      'Microsoft Windows Server 2019 (64-bit)',
      'Microsoft Windows Server 2022 (64-bit)',
      'Microsoft Windows Server 2012 (64-bit)',
    ]) {
      expect(configured).toContain(name);
    }
    expect(count(estate, (vm) => vm.truth.legacyOs)).toBeGreaterThan(20);
    expect(count(estate, (vm) => vm.truth.unusualOs)).toBeGreaterThan(0);
    expect(count(estate, (vm) => vm.truth.osMismatch)).toBeGreaterThan(0);
  });

  it('sizes ordinary workloads within 1-32 vCPU, 1-256 GiB and 10 GiB-4 TiB disks', () => {
    for (const vm of workloads) {
      expect(vm.cpus).toBeGreaterThanOrEqual(1);
      expect(vm.cpus).toBeLessThanOrEqual(32);
      expect(vm.sockets * vm.coresPerSocket).toBe(vm.cpus);
      expect(vm.memoryMiB).toBeGreaterThanOrEqual(GIB - 2);
      expect(vm.memoryMiB).toBeLessThanOrEqual(256 * GIB);
      expect(vm.disks.length).toBeGreaterThanOrEqual(1);
      for (const disk of vm.disks.filter(
        (d) => d.sharingMode === 'sharingNone' && d.sharedBus === 'noSharing',
      )) {
        expect(disk.capacityMiB).toBeGreaterThanOrEqual(10 * GIB);
        expect(disk.capacityMiB).toBeLessThanOrEqual(4096 * GIB);
      }
    }
    const sizes = workloads.flatMap((vm) => vm.disks.map((disk) => disk.capacityMiB));
    expect(sizes.filter((size) => size >= 1024 * GIB).length).toBeGreaterThan(0);
    expect(workloads.some((vm) => vm.disks.length >= 6)).toBe(true);
    expect(
      workloads.some((vm) => vm.disks.some((d) => d.thin)) &&
        workloads.some((vm) => vm.disks.some((d) => !d.thin)),
    ).toBe(true);
  });

  it('shares disks in pairs: the same backing file (or LUN) on two VMs', () => {
    const shared = estate.vms.filter((vm) => vm.truth.hasSharedDisk);
    expect(shared.length).toBeGreaterThanOrEqual(2);
    const byKey = new Map(estate.vms.map((vm) => [vm.key, vm]));
    for (const vm of shared) {
      expect(vm.truth.sharedWith).toHaveLength(1);
      const peer = byKey.get(vm.truth.sharedWith[0]);
      expect(peer?.truth.sharedWith).toEqual([vm.key]);
      const mine = vm.disks.filter(
        (d) => d.sharingMode === 'sharingMultiWriter' || d.sharedBus !== 'noSharing',
      );
      expect(mine.length).toBeGreaterThan(0);
      const peerPaths = new Set(peer?.disks.map((d) => d.path));
      for (const disk of mine) expect(peerPaths).toContain(disk.path);
      expect(peer?.host).not.toBe(vm.host);
    }
  });

  it('plants RDMs, independent disks, passthrough, USB, CD-ROMs and old snapshots, and the truth agrees with the data', () => {
    expect(count(estate, (vm) => vm.truth.hasRdm)).toBeGreaterThan(5);
    expect(count(estate, (vm) => vm.truth.hasIndependentDisk)).toBeGreaterThan(5);
    expect(count(estate, (vm) => vm.truth.passthrough !== null)).toBeGreaterThan(0);
    expect(count(estate, (vm) => vm.truth.hasUsb)).toBeGreaterThan(0);
    expect(count(estate, (vm) => vm.truth.hasConnectedCdrom)).toBeGreaterThan(0);
    expect(count(estate, (vm) => (vm.truth.oldestSnapshotDays ?? 0) > 365)).toBeGreaterThan(0);
    expect(count(estate, (vm) => vm.truth.toolsNotRunning)).toBeGreaterThan(0);
    expect(count(estate, (vm) => vm.truth.tpm)).toBeGreaterThan(0);
    for (const vm of estate.vms) {
      expect(vm.truth.hasRdm).toBe(vm.disks.some((d) => d.raw));
      expect(vm.truth.hasUsb).toBe(vm.usbDevices.length > 0);
      expect(vm.truth.isTemplate).toBe(vm.template);
      expect(vm.truth.snapshotCount).toBe(vm.snapshots.length);
      if (vm.truth.passthrough) expect(vm.memoryReservationLockedToMax).toBe(true);
      if (vm.truth.tpm) expect(vm.firmware).toBe('efi');
    }
  });

  it('groups VMs into applications through custom attributes, folders and name prefixes', () => {
    const apps = estate.applications.filter((app) => app.vmKeys.length >= 3);
    expect(apps.length).toBeGreaterThan(20);
    const byKey = new Map(estate.vms.map((vm) => [vm.key, vm]));
    for (const app of apps) {
      const vms = app.vmKeys.map((key) => byKey.get(key));
      expect(vms.every((vm) => vm?.truth.application === app.name)).toBe(true);
      expect(vms.filter((vm) => vm?.name.startsWith(`${app.code}-`)).length).toBeGreaterThan(vms.length / 2);
      expect(new Set(vms.map((vm) => vm?.folder)).size).toBe(1);
      const tagged = vms.filter((vm) => vm?.customAttributes.Application !== undefined);
      expect(tagged.length).toBeGreaterThan(0);
    }
    expect(estate.applications.some((app) => app.vapp !== null)).toBe(true);
  });

  it('plants awkward names: Unicode, spaces, very long, escaped, duplicates in different folders, -old/tmp-/-bak', () => {
    const traits = new Set(estate.vms.flatMap((vm) => vm.truth.nameTraits));
    for (const trait of ['unicode', 'spaces', 'long', 'escaped', 'duplicate', 'old', 'tmp', 'bak'] as const) {
      expect(traits).toContain(trait);
    }
    expect(estate.vms.every((vm) => vm.name.length <= 80)).toBe(true);
    const byName = new Map<string, GeneratedVm[]>();
    for (const vm of estate.vms) byName.set(vm.name, [...(byName.get(vm.name) ?? []), vm]);
    for (const [, same] of byName) {
      if (same.length < 2) continue;
      expect(new Set(same.map((vm) => `${vm.vcenter}${vm.folder}`)).size).toBe(same.length);
    }
  });

  it('keeps datastore figures consistent with what is placed on them', () => {
    for (const store of estate.datastores) {
      expect(store.freeMiB).toBe(store.capacityMiB - store.inUseMiB);
      expect(store.freeMiB).toBeGreaterThan(0);
    }
    expect(estate.datastores.some((store) => store.freeMiB / store.capacityMiB < 0.05)).toBe(true);
    expect(estate.datastores.some((store) => store.provisionedMiB > store.capacityMiB)).toBe(true);
  });
});

describe('a 200-VM estate still carries one of each trap', () => {
  const estate = generateEstate({ vms: 200, seed: 42 });

  it('has passthrough of each kind, an RDM, USB, an old snapshot and a shared-disk pair', () => {
    const kinds = new Set(estate.vms.map((vm) => vm.truth.passthrough));
    expect(kinds).toContain('pci');
    expect(kinds).toContain('vgpu');
    expect(kinds).toContain('sriov');
    expect(count(estate, (vm) => vm.truth.hasRdm)).toBeGreaterThan(0);
    expect(count(estate, (vm) => vm.truth.hasUsb)).toBeGreaterThan(0);
    expect(count(estate, (vm) => (vm.truth.oldestSnapshotDays ?? 0) > 365)).toBeGreaterThan(0);
    expect(count(estate, (vm) => vm.truth.hasSharedDisk)).toBe(2);
    expect(count(estate, (vm) => vm.template)).toBe(3);
  });
});
