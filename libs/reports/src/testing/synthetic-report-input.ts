import type {
  ReportDisposition,
  ReportSeverity,
  WaveReportConcern,
  WaveReportInput,
  WaveReportVm,
  WaveReportWave,
} from '../model.js';

/**
 * A deterministic made-up estate for tests and the report benchmark: `vms` VMs spread over
 * `waves` waves, a share retained or retired, a few concerns each. Same arguments, same input.
 */
export function syntheticReportInput(options: {
  vms: number;
  waves: number;
  seed?: number;
}): WaveReportInput {
  let state = (options.seed ?? 1) >>> 0 || 1;
  const random = (): number => {
    // xorshift32: tiny, seedable, good enough for test data.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const round1 = (value: number): number => Math.round(value * 10) / 10;

  const families = [
    ['rhel', 'Red Hat Enterprise Linux 9 (64-bit)', 'rhel.9'],
    ['windows', 'Microsoft Windows Server 2022 (64-bit)', 'windows.2k22'],
    ['ubuntu', 'Ubuntu Linux (64-bit)', 'ubuntu'],
    ['sles', 'SUSE Linux Enterprise 15 (64-bit)', 'sles'],
    ['other', 'Other (32-bit)', null],
  ] as const;
  const concernsCatalogue: readonly { id: string; severity: ReportSeverity; message: string }[] = [
    { id: 'rdm-disk', severity: 'critical', message: 'Raw device mapping cannot be copied by CDI' },
    {
      id: 'snapshot-present',
      severity: 'warning',
      message: 'VM has snapshots; consolidate before migration',
    },
    { id: 'legacy-os', severity: 'warning', message: 'Guest OS is past vendor support' },
    { id: 'tools-not-running', severity: 'info', message: 'VMware Tools are not running' },
  ];
  const groups = Array.from({ length: Math.max(1, Math.ceil(options.vms / 25)) }, (_, i) => `app-${i + 1}`);

  const vms: WaveReportVm[] = [];
  for (let i = 0; i < options.vms; i++) {
    const roll = random();
    const disposition: ReportDisposition = roll < 0.7 ? 'rehost' : roll < 0.9 ? 'retain' : 'retire';
    const [osFamily, os, preference] = pick(families);
    const provisionedGiB = round1(20 + random() * 500);
    const usedGiB = round1(provisionedGiB * (0.2 + random() * 0.7));
    const concerns: WaveReportConcern[] = [];
    const concernCount = Math.floor(random() * 3);
    for (let c = 0; c < concernCount; c++) {
      const concern = pick(concernsCatalogue);
      concerns.push({ ...concern, evidence: { disk: `Hard disk ${c + 1}`, raw: concern.id === 'rdm-disk' } });
    }
    const outOfScope = random() < 0.03 ? 'template' : null;
    const wave =
      disposition === 'rehost' && outOfScope === null && options.waves > 0
        ? 1 + Math.floor(random() * options.waves)
        : null;
    const storageClass = pick(['ceph-rbd', 'nfs-csi']);
    const targetStorageGiB = Math.ceil(provisionedGiB);
    vms.push({
      key: `vc1/vm-${1000 + i}`,
      name: `vm-${String(i).padStart(6, '0')}`,
      disposition,
      outOfScope,
      effort: pick(['low', 'medium', 'high']),
      score: Math.floor(random() * 101),
      wave,
      group: wave === null ? null : pick(groups),
      os,
      osFamily,
      preference,
      conversion: 'virt-v2v',
      vcpus: pick([1, 2, 4, 8, 16]),
      memoryGiB: pick([2, 4, 8, 16, 32, 64]),
      provisionedGiB,
      usedGiB,
      transferGiB: usedGiB,
      targetStorageGiB,
      storageByClassGiB: { [storageClass]: targetStorageGiB },
      storageClasses: [storageClass],
      targetNetworks: [pick(['pod', 'vlan-100', 'vlan-200'])],
      estimatedTransferHours: round1(usedGiB / 200),
      concerns,
    });
  }

  const waves: WaveReportWave[] = [];
  for (let n = 1; n <= options.waves; n++) {
    const members = vms.filter((vm) => vm.wave === n);
    const start = new Date(Date.UTC(2025, 0, 4 + 7 * (n - 1), 20));
    waves.push({
      number: n,
      name: `Wave ${n}`,
      window:
        n % 3 === 0
          ? null
          : {
              start: start.toISOString(),
              end: new Date(start.getTime() + 8 * 3600e3).toISOString(),
              zone: 'Europe/Amsterdam',
            },
      vmCount: members.length,
      groups: [...new Set(members.map((vm) => vm.group ?? ''))].filter(Boolean).slice(0, 20),
      dataGiB: round1(members.reduce((sum, vm) => sum + vm.transferGiB, 0)),
      estimatedHours: round1(members.reduce((sum, vm) => sum + vm.estimatedTransferHours, 0) / 4),
      concurrency: 4,
      hosts: ['esx-01', 'esx-02'],
      datastores: ['ds-gold', 'ds-silver'],
      status: 'draft',
    });
  }

  const rehost = vms.filter((vm) => vm.disposition === 'rehost');
  const sum = (pickValue: (vm: WaveReportVm) => number): number =>
    round1(rehost.reduce((s, vm) => s + pickValue(vm), 0));
  const sizing = {
    vms: rehost.length,
    vcpus: sum((vm) => vm.vcpus),
    memoryGiB: sum((vm) => vm.memoryGiB),
    memoryWithOverheadGiB: round1(sum((vm) => vm.memoryGiB) * 1.05),
    storageGiB: sum((vm) => vm.targetStorageGiB),
    storageByClassGiB: {
      'ceph-rbd': sum((vm) => vm.storageByClassGiB['ceph-rbd'] ?? 0),
      'nfs-csi': sum((vm) => vm.storageByClassGiB['nfs-csi'] ?? 0),
    },
    workerNodes: Math.max(1, Math.ceil(sum((vm) => vm.vcpus) / 96)),
  };
  const overWindow = waves.find((wave) => wave.window !== null);
  return {
    plan: { id: 'plan-0001', name: 'Synthetic estate', version: 3, contentHash: 'sha256:0f1e2d3c4b5a' },
    generatedAt: '2025-01-02T03:04:05.000Z',
    sizing: { scope: 'rehost VMs', estate: sizing, clusters: [{ ...sizing, cluster: 'cl-prod' }] },
    waves,
    violations: [
      ...(overWindow
        ? [
            {
              wave: overWindow.number,
              severity: 'error' as const,
              code: 'wave-over-window',
              message: `Wave ${overWindow.number}: host esx-01 needs 10.20 h to copy, window 8.00 h`,
              vms: [],
              groups: [],
            },
          ]
        : []),
      {
        wave: null,
        severity: 'warning',
        code: 'vm-not-planned',
        message: '1 rehost VM(s) are in no wave and not excluded: vm-000001',
        vms: ['vm-000001'],
        groups: [],
      },
    ],
    vms,
    networkMap: [
      {
        sourceNetwork: 'VM Network',
        targetNetwork: 'pod',
        targetType: 'pod',
        reason: null,
        vms: Math.ceil(vms.length / 3),
      },
      {
        sourceNetwork: 'dvPG-100',
        targetNetwork: 'vms/vlan-100',
        targetType: 'multus',
        reason: null,
        vms: Math.ceil(vms.length / 3),
      },
    ],
    storageMap: [
      {
        datastore: 'ds-gold',
        storageClass: 'ceph-rbd',
        accessMode: 'ReadWriteMany',
        volumeMode: 'Block',
        reason: null,
        vms: 10,
        targetStorageGiB: 1200.5,
      },
      {
        datastore: 'ds-silver',
        storageClass: 'nfs-csi',
        accessMode: 'ReadWriteMany',
        volumeMode: 'Filesystem',
        reason: null,
        vms: 5,
        targetStorageGiB: 300,
      },
    ],
    policy: [
      { key: 'overcommit.cpu', value: 4 },
      { key: 'headroom.percent', value: 20 },
      { key: 'transfer.perDiskMiBps', value: 120 },
      { key: 'retire.daysOff', value: 90 },
    ],
  };
}
