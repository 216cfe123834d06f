import { describe, expect, it } from 'vitest';
import { defaultPolicy } from './default-policy.js';
import type { AssessmentPolicy } from './policy.js';
import {
  addToTotals,
  CLUSTER_DEFAULT_STORAGE_CLASS,
  emptySizingTotals,
  sizeVm,
  UNLISTED_DISKS_LABEL,
  withWorkerNodes,
} from './sizing.js';
import { makeDisk, makeVm } from './testing/index.js';
import { estimateTransfer } from './transfer.js';

const policy: AssessmentPolicy = {
  ...defaultPolicy,
  storage: {
    defaultClass: 'standard-rbd',
    datastores: [
      { name: 'ds-gold-01', storageClass: 'gold' },
      { pattern: '^nfs-', storageClass: 'nfs-csi' },
    ],
  },
};

describe('sizeVm', () => {
  it('keeps the source CPU topology', () => {
    expect(sizeVm(makeVm({ cpus: 8, sockets: 2, coresPerSocket: 4 }), policy)).toMatchObject({
      sockets: 2,
      coresPerSocket: 4,
      threads: 1,
    });
    expect(sizeVm(makeVm({ cpus: 8, sockets: null, coresPerSocket: 4 }), policy)).toMatchObject({
      sockets: 2,
      coresPerSocket: 4,
    });
    expect(sizeVm(makeVm({ cpus: 6, sockets: 3, coresPerSocket: null }), policy)).toMatchObject({
      sockets: 3,
      coresPerSocket: 2,
    });
    // Counts that do not divide: keep the vCPU count as sockets.
    expect(sizeVm(makeVm({ cpus: 6, sockets: 4, coresPerSocket: 4 }), policy)).toMatchObject({
      sockets: 6,
      coresPerSocket: 1,
    });
  });

  it("adds KubeVirt's per-VM memory overhead: fixed, per vCPU and page tables", () => {
    const sizing = sizeVm(makeVm({ cpus: 4, sockets: 4, coresPerSocket: 1, memoryMiB: 16_384 }), policy);
    // 16384 + 260 + 4 * 8 + 16384 / 512
    expect(sizing.memoryWithOverheadMiB).toBe(16_384 + 260 + 32 + 32);
    expect(sizing.memoryMiB).toBe(16_384);
  });

  it('requests each disk rounded up to 1 MiB in the storage class its datastore maps to', () => {
    const sizing = sizeVm(
      makeVm({
        disks: [
          makeDisk({ label: 'Hard disk 1', capacityMiB: 10_240.25, datastore: 'ds-gold-01' }),
          makeDisk({ label: 'Hard disk 2', capacityMiB: 2048, datastore: 'nfs-archive' }),
          makeDisk({ label: 'Hard disk 3', capacityMiB: 1024, datastore: 'ds-other' }),
        ],
      }),
      policy,
    );
    expect(sizing.disks.map((disk) => [disk.requestMiB, disk.storageClass])).toEqual([
      [10_241, 'gold'],
      [2048, 'nfs-csi'],
      [1024, 'standard-rbd'],
    ]);
    expect(sizing.storageByClassMiB).toEqual({ gold: 10_241, 'nfs-csi': 2048, 'standard-rbd': 1024 });
  });

  it('leaves the class to the cluster default when the policy has none', () => {
    const noDefault = { ...policy, storage: { defaultClass: null, datastores: [] } };
    expect(sizeVm(makeVm(), noDefault).storageByClassMiB).toEqual({
      [CLUSTER_DEFAULT_STORAGE_CLASS]: 40_960,
    });
  });

  it('sizes one disk from vInfo when the export has no vDisk rows for the VM', () => {
    const vm = makeVm({
      disks: [],
      source: { vInfo: [{ 'Total disk capacity MiB': '20,480', Path: '[nfs-vms] app01/app01.vmx' }] },
    });
    expect(sizeVm(vm, policy).disks).toEqual([
      {
        label: UNLISTED_DISKS_LABEL,
        capacityMiB: 20_480,
        requestMiB: 20_480,
        datastore: 'nfs-vms',
        storageClass: 'nfs-csi',
      },
    ]);
    expect(sizeVm(makeVm({ disks: [], provisionedMiB: 5000 }), policy).disks[0].requestMiB).toBe(5000);
  });
});

describe('worker nodes', () => {
  it('takes the larger of CPU and memory demand, after overcommit and headroom, plus spares', () => {
    const totals = emptySizingTotals();
    // 100 VMs of 8 vCPUs and 32 GiB: 800 vCPUs, 3.2 TiB + overhead.
    const sizing = sizeVm(makeVm({ cpus: 8, sockets: 8, coresPerSocket: 1, memoryMiB: 32_768 }), policy);
    for (let i = 0; i < 100; i++) addToTotals(totals, sizing);
    const result = withWorkerNodes(totals, policy);
    // CPU: 800 / (64 * 4 * 0.8) = 3.9 -> 4. Memory: 100 * 33156 / (524288 * 0.8) = 7.9 -> 8.
    expect(result.workerNodesFor).toEqual({ cpu: 4, memory: 8, spare: 1 });
    expect(result.workerNodes).toBe(9);
  });

  it('needs no node for nothing', () => {
    expect(withWorkerNodes(emptySizingTotals(), policy).workerNodes).toBe(0);
  });
});

describe('estimateTransfer', () => {
  it('copies used space for thin disks and capacity for thick ones', () => {
    const vm = makeVm({
      inUseMiB: 30_000,
      disks: [
        makeDisk({ label: 'Hard disk 1', capacityMiB: 20_000, thin: false }),
        makeDisk({ label: 'Hard disk 2', capacityMiB: 30_000, thin: true }),
        makeDisk({ label: 'Hard disk 3', capacityMiB: 10_000, thin: true }),
      ],
    });
    // Thick 20000 is all used; the other 10000 in use spreads 3:1 over the thin disks.
    const transfer = estimateTransfer(vm, policy);
    expect(transfer.dataMiB).toBe(20_000 + 7_500 + 2_500);
    expect(transfer.largestDiskMiB).toBe(20_000);
  });

  it('counts thin disks full when in-use space is unknown, and unknown provisioning as thick', () => {
    const vm = makeVm({
      inUseMiB: null,
      disks: [
        makeDisk({ capacityMiB: 8_000, thin: true }),
        makeDisk({ label: 'Hard disk 2', capacityMiB: 2_000, thin: null }),
      ],
    });
    expect(estimateTransfer(vm, policy).dataMiB).toBe(10_000);
  });

  it('runs disks in parallel at the per-disk rate, bounded by the host rate', () => {
    const fast = { ...policy, transfer: { perDiskMiBps: 100, perHostMiBps: 1_000 } };
    const parallel = makeVm({
      inUseMiB: null,
      disks: [
        makeDisk({ capacityMiB: 360_000, thin: false }),
        makeDisk({ label: 'Hard disk 2', capacityMiB: 360_000, thin: false }),
      ],
    });
    expect(estimateTransfer(parallel, fast)).toMatchObject({ hours: 1, bottleneck: 'disk' });
    const slowHost = { ...policy, transfer: { perDiskMiBps: 100, perHostMiBps: 150 } };
    // 720000 MiB / 150 MiB/s = 4800 s, longer than one disk's 3600 s.
    expect(estimateTransfer(parallel, slowHost)).toMatchObject({ hours: 4800 / 3600, bottleneck: 'host' });
  });

  it('falls back to the VM totals without disk rows', () => {
    expect(
      estimateTransfer(makeVm({ disks: [], inUseMiB: 1_234, provisionedMiB: 5_000 }), policy).dataMiB,
    ).toBe(1_234);
    expect(
      estimateTransfer(makeVm({ disks: [], inUseMiB: null, provisionedMiB: null }), policy),
    ).toMatchObject({ dataMiB: 0, hours: 0 });
  });
});
