import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderWaveManifests } from '#libs/application';
import { assessInventory, defaultPolicy } from '#libs/assessment';
import type { Inventory, InventoryDisk, InventoryVm } from '#libs/inventory';
import type { DataVolume, Pod, VirtualMachine } from '#libs/kubevirt';
import { readRvtoolsInventory } from '#libs/rvtools';
import { parsePlanSettings, planWaves } from '#libs/waves';
import { rvtoolsSample, sharedSuite } from '../support/shared-files.js';

/*
 * Each row of ../shared/docs/forklift-parity.md, checked on every VM `flotilla render` writes for
 * the two bundled estates against what Forklift's vSphere builder (kubev2v/forklift d42511bb28a6,
 * CDI path, default settings) writes for the same VM. The Forklift side is an independent port of
 * its rules, written here from its behaviour (not from our builders). A row may differ from
 * Forklift only by a design decision named in docs/forklift-parity-decisions.md.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DECISIONS = readFileSync(`${ROOT}docs/forklift-parity-decisions.md`, 'utf8');
/** The decisions the document names: its `### <id>` headings. */
const DECIDED = new Set([...DECISIONS.matchAll(/^### `([a-z0-9-]+)`/gm)].map((match) => match[1]));

const KYLOW = 'kylow-reference-RVTOOLEX.xlsx';
const kylowPath = rvtoolsSample(KYLOW);
const kylowSuite = sharedSuite(`the genuine kylow export (../shared/samples/rvtools/${KYLOW})`, kylowPath);

const VCENTER_URL = 'https://vcenter.example.com/sdk';
const THUMBPRINT = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01';
const VDDK_IMAGE = 'registry.example.com/vddk:8';
const V2V_IMAGE = 'quay.io/kubev2v/forklift-virt-v2v:2.9';

type Row =
  | 'conversion-path'
  | 'legacy-windows-drivers'
  | 'static-ips'
  | 'conversion-pod'
  | 'hostname'
  | 'vm-name'
  | 'renamed-annotations'
  | 'labels'
  | 'custom-attributes'
  | 'run-strategy'
  | 'preference'
  | 'cpu'
  | 'nested-virtualization'
  | 'memory'
  | 'firmware-serial'
  | 'bootloader'
  | 'clock'
  | 'disk-order'
  | 'disk-bus'
  | 'disk-serial'
  | 'boot-order'
  | 'shared-disks'
  | 'volume-source'
  | 'dv-names'
  | 'dv-vddk-source'
  | 'dv-storage'
  | 'dv-annotations'
  | 'credentials-secret'
  | 'interfaces'
  | 'no-nic'
  | 'input'
  | 'tpm';

/** One comparison: equal, or different with the decision that explains it (null: unexplained). */
interface Finding {
  row: Row;
  vm: string;
  decision: string | null;
  detail: string;
}

class ParityLedger {
  readonly findings: Finding[] = [];
  readonly checked = new Map<Row, number>();

  /** Records a comparison; a difference carries the decision that allows it, if any. */
  compare(row: Row, vm: string, ours: unknown, forklift: unknown, decision: string | null = null): void {
    this.checked.set(row, (this.checked.get(row) ?? 0) + 1);
    const a = JSON.stringify(ours);
    const b = JSON.stringify(forklift);
    if (a !== b) this.findings.push({ row, vm, decision, detail: `ours ${a} vs Forklift ${b}` });
  }

  /** A difference by design on every VM the row applies to. */
  designed(row: Row, vm: string, decision: string, detail: string): void {
    this.checked.set(row, (this.checked.get(row) ?? 0) + 1);
    this.findings.push({ row, vm, decision, detail });
  }

  unexplained(): Finding[] {
    return this.findings.filter((finding) => finding.decision === null || !DECIDED.has(finding.decision));
  }
}

// --- Forklift's rules, ported by hand ---------------------------------------------------------

/** util.ChangeVmName: lower-case, dots kept, `_+* /\` to '-', others dropped; empty: a random `vm-xxxx`. */
function forkliftVmName(name: string): string | null {
  const parts = name
    .toLowerCase()
    .replace(/^[.-]+|[.-]+$/g, '')
    .split('.')
    .map((part) => {
      let cleaned = part.replace(/[_+* /\\]/g, '-').replace(/[^a-z0-9-]/g, '');
      cleaned = cleaned.replace(/^[-.]+|[-.]+$/g, '');
      cleaned = cleaned
        .split('-')
        .filter((piece) => piece !== '')
        .join('-');
      if (cleaned.length > 63) cleaned = cleaned.slice(0, 63).replace(/^-+|-+$/g, '');
      return cleaned;
    })
    .filter((part) => part !== '');
  let joined = parts.join('.');
  if (joined.length > 63) joined = joined.slice(0, 63).replace(/^[.-]+|[.-]+$/g, '');
  return joined === '' ? null : joined;
}

/** IsLegacyWindows, on guest id and guest name, case-insensitively (as its list intends). */
function forkliftLegacyWindows(vm: InventoryVm): boolean {
  const markers = [
    'windows xp',
    'server 2003',
    'vista',
    'server 2008',
    'windows 7',
    'windows7',
    'longhorn',
    'winxp',
    'winnet',
  ];
  const texts = [vm.guestId, vm.guestOsTools ?? vm.guestOsConfig].map((text) => (text ?? '').toLowerCase());
  return texts.some((text) => markers.some((marker) => text.includes(marker)));
}

/** uuid_to_vmware_serial.go. */
function forkliftSerial(uuid: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) return uuid;
  const hex = uuid.replaceAll('-', '').toLowerCase();
  const spaced = hex.match(/../g)?.join(' ') ?? '';
  return `VMware-${spaced.slice(0, 23)}-${spaced.slice(24)}`;
}

/** base.DiskSerial. */
function forkliftDiskSerial(disk: InventoryDisk, vmId: string): string {
  const sanitized = (disk.uuid ?? '').replace(/[^A-Za-z0-9-]/g, '');
  if (sanitized !== '') return sanitized.slice(0, 20);
  return createHash('sha256')
    .update(`${vmId}:${disk.key ?? 0}`)
    .digest('hex')
    .slice(0, 20);
}

/** SortedDisksAsVmware: SATA, IDE, SCSI, NVMe, then controller, unit, key. */
function forkliftDiskOrder(disks: readonly InventoryDisk[]): string[] {
  const bus = { sata: 0, ide: 1, scsi: 2, nvme: 3, unknown: 4 } as const;
  const controller = (disk: InventoryDisk) => Number(/(\d+)\s*$/.exec(disk.controller ?? '')?.[1] ?? 0);
  return [...disks]
    .sort(
      (a, b) =>
        bus[a.controllerType] - bus[b.controllerType] ||
        controller(a) - controller(b) ||
        (a.unitNumber ?? 0) - (b.unitNumber ?? 0) ||
        (a.key ?? 0) - (b.key ?? 0),
    )
    .map((disk) => disk.path ?? '');
}

/**
 * forklift-vsphere-osmap through virt-v2v's inspection, for guests whose OS the export names
 * plainly; null when the inspection result cannot be told from the export.
 */
function forkliftPreference(vm: InventoryVm): string | null | undefined {
  const os = (vm.guestOsTools ?? vm.guestOsConfig ?? '').toLowerCase();
  const table: Array<[RegExp, string | null]> = [
    [/red hat enterprise linux( server)? (\d+)/, 'rhel.$2'],
    [/centos( linux)? 7\b/, 'centos.7'],
    [/centos( stream| linux)? 8\b/, 'centos.stream8'],
    [/centos( stream| linux)? 9\b/, 'centos.stream9'],
    [/oracle linux( server)? [789]\b/, 'linux'],
    [/windows server 2022/, 'windows.2k22'],
    [/windows server 2019/, 'windows.2k19'],
    [/windows server 2016/, 'windows.2k16'],
    [/windows server 2012/, 'windows.2k12'],
    [/windows server 2008 r2/, 'windows.2k8'],
    [/windows 11\b/, 'windows.11'],
    [/windows 10\b/, 'windows.10'],
    [/windows 8\b/, 'windows.8'],
    [/windows 7\b/, 'windows.7'],
  ];
  for (const [pattern, preference] of table) {
    const match = pattern.exec(os);
    if (match) return preference?.replace('$2', match[2] ?? '') ?? null;
  }
  return undefined;
}

/** sanitizeForK8sMetadata. */
function forkliftMetadataName(name: string): string {
  if (name.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(name)) return name;
  return name
    .replace(/[^a-zA-Z0-9_.-]+/g, '_')
    .replace(/^[_.-]+|[_.-]+$/g, '')
    .slice(0, 63)
    .replace(/[_.-]+$/g, '');
}

// --- the estates ------------------------------------------------------------------------------

interface RenderedVm {
  source: InventoryVm;
  vm: VirtualMachine;
  dataVolumes: DataVolume[];
  pod: Pod | undefined;
  secretKeys: string[];
}

async function renderEstate(path: string): Promise<{ inventory: Inventory; rendered: RenderedVm[] }> {
  const inventory = await readRvtoolsInventory({ path, fileName: path.split('/').pop() ?? path });
  const assessments = assessInventory(inventory, {
    policy: defaultPolicy,
    now: new Date('2026-12-01T00:00:00Z'),
  }).vms;
  const networks = new Set(
    inventory.vms.flatMap((vm) => vm.nics.map((nic) => nic.network)).filter((n) => n !== null),
  );
  const datastores = new Set(
    inventory.vms.flatMap((vm) => vm.disks.map((disk) => disk.datastore)).filter((d) => d !== null),
  );
  const settings = parsePlanSettings({
    constraints: {
      pilot: null,
      maxVmsPerWave: 1_000,
      maxDataGiBPerWave: 10_000_000,
      cutoverWindowHours: 100_000,
    },
    networkMap: Object.fromEntries(
      [...networks].map((network, index) => [network, { type: 'multus', name: `migrated/net-${index}` }]),
    ),
    storageMap: Object.fromEntries(
      [...datastores].map((datastore) => [datastore, { storageClass: 'standard' }]),
    ),
    targetNamespace: { default: 'migrated' },
  });
  // What neither tool can migrate (a NIC on no network, a disk without a backing file) stays out.
  settings.manual.excludedVms = inventory.vms
    .filter((vm) => vm.nics.some((nic) => nic.network === null) || vm.disks.some((disk) => !disk.path))
    .map((vm) => vm.key);
  const result = planWaves({ vms: inventory.vms, assessments, settings });
  const byKey = new Map(inventory.vms.map((vm) => [vm.key, vm]));
  const rendered: RenderedVm[] = [];
  for (const wave of result.waves) {
    const manifests = renderWaveManifests({
      planId: 'parity',
      plan: { settings, result },
      waveNumber: wave.number,
      inventoryVms: inventory.vms,
      inventoryHosts: inventory.hosts,
      assessments,
      settings: {
        vcenterUrl: VCENTER_URL,
        vcenterThumbprint: THUMBPRINT,
        vddkInitImage: VDDK_IMAGE,
        virtV2vImage: V2V_IMAGE,
        options: { convertGuest: 'auto', allowHardPowerOff: false, startVms: true },
      },
    });
    const folders = new Map<string, typeof manifests>();
    for (const entry of manifests) {
      const folder = entry.path.split('/').slice(0, 2).join('/');
      folders.set(folder, [...(folders.get(folder) ?? []), entry]);
    }
    for (const entries of folders.values()) {
      const objects = entries.map((entry) => entry.manifest);
      const vm = objects.find((object): object is VirtualMachine => object.kind === 'VirtualMachine');
      if (!vm) throw new Error(`no VirtualMachine among ${entries.map((entry) => entry.path).join(', ')}`);
      const source = byKey.get(vm.metadata.annotations?.['flotilla.io/vm-key'] ?? '');
      if (!source) throw new Error(`VirtualMachine ${vm.metadata.name} names no inventory VM`);
      const secret = objects.find((object) => object.kind === 'Secret');
      rendered.push({
        source,
        vm,
        dataVolumes: objects.filter((object): object is DataVolume => object.kind === 'DataVolume'),
        pod: objects.find((object): object is Pod => object.kind === 'Pod'),
        secretKeys: secret?.kind === 'Secret' ? Object.keys(secret.stringData ?? {}) : [],
      });
    }
  }
  return { inventory, rendered };
}

function checkVm(
  ledger: ParityLedger,
  inventory: Inventory,
  { source, vm, dataVolumes, pod, secretKeys }: RenderedVm,
): void {
  const who = `${source.name} (${source.key})`;
  const template = vm.spec.template.spec;
  const domain = template.domain;
  const env = Object.fromEntries(
    (pod?.spec.containers[0]?.env ?? []).map((entry) => [entry.name, entry.value]),
  );
  const forkliftName = forkliftVmName(source.name);

  // Conversion: virt-v2v-in-place for every guest, virtio everywhere.
  ledger.compare(
    'conversion-path',
    who,
    { pod: pod !== undefined, inPlace: env.V2V_inPlace },
    { pod: true, inPlace: '1' },
  );
  ledger.compare(
    'legacy-windows-drivers',
    who,
    env.VIRTIO_WIN ?? null,
    forkliftLegacyWindows(source) ? '/usr/local/virtio-win-legacy.iso' : null,
  );
  ledger.compare('static-ips', who, env.V2V_preserveStaticIPs, 'true');
  if (source.nics.some((nic) => nic.ipv4.length > 0 || nic.ipv6.length > 0)) {
    ledger.designed(
      'static-ips',
      who,
      'static-ips-read-at-preflight',
      'render has no prefix or gateway; the executor reads them from vCenter',
    );
  }
  const container = pod?.spec.containers[0];
  ledger.compare(
    'conversion-pod',
    who,
    {
      user: pod?.spec.securityContext?.runAsUser,
      fsGroup: pod?.spec.securityContext?.fsGroup,
      envFrom: container?.envFrom,
      secret: container?.volumeMounts?.find((mount) => mount.mountPath === '/etc/secret')?.readOnly,
      requests: container?.resources?.requests,
      limits: container?.resources?.limits,
      source: env.V2V_source,
      vmName: env.V2V_vmName,
      fingerprint: env.V2V_fingerprint,
      url: env.V2V_libvirtURL?.replace(/\?.*$/, '').replace(/^vpx:\/\/[^@]*@/, 'vpx://<user>@'),
    },
    {
      user: 107,
      fsGroup: 107,
      envFrom: [
        {
          prefix: 'V2V_',
          secretRef: {
            name:
              vm.metadata.name.length <= 58
                ? `${vm.metadata.name}-vddk`
                : container?.envFrom?.[0]?.secretRef.name,
          },
        },
      ],
      secret: true,
      requests: { cpu: '1000m', memory: '1Gi', 'devices.kubevirt.io/kvm': '1' },
      limits: { cpu: '4000m', memory: '8Gi', 'devices.kubevirt.io/kvm': '1' },
      source: 'vSphere',
      vmName: source.name,
      fingerprint: THUMBPRINT,
      url: `vpx://<user>@vcenter.example.com/${[source.datacenter, source.cluster, source.host]
        .filter((segment): segment is string => !!segment)
        .map((segment) => encodeURIComponent(segment))
        .join('/')}`,
    },
  );
  ledger.designed(
    'conversion-pod',
    who,
    'vpx-no-verify-with-pinned-thumbprint',
    `${env.V2V_libvirtURL?.replace(/^.*\?/, '?')}`,
  );
  ledger.compare('hostname', who, env.V2V_HOSTNAME ?? null, source.dnsName?.trim() || null);
  ledger.compare(
    'vm-name',
    who,
    vm.metadata.name,
    forkliftName ?? vm.metadata.name,
    forkliftName === null ? 'deterministic-fallback-name' : null,
  );
  if (forkliftName === null) ledger.designed('vm-name', who, 'deterministic-fallback-name', vm.metadata.name);
  ledger.compare(
    'vm-name',
    who,
    env.V2V_NewName ?? null,
    vm.metadata.name === source.name ? null : vm.metadata.name,
  );
  if (vm.metadata.name !== source.name) {
    ledger.compare(
      'renamed-annotations',
      who,
      vm.metadata.annotations?.['flotilla.io/original-name'],
      source.name,
    );
    ledger.designed(
      'renamed-annotations',
      who,
      'own-annotation-keys',
      'flotilla.io/original-name, not openshift.io/display-name',
    );
  }
  ledger.designed('labels', who, 'own-labels', 'flotilla.io/* labels, not Forklift plan/migration labels');

  const expectedAttributes = Object.fromEntries(
    Object.entries(source.customAttributes)
      .map(([name, value]) => [forkliftMetadataName(name), value] as const)
      .filter(([name]) => name !== ''),
  );
  const ourAttributes = Object.fromEntries(
    Object.entries(vm.metadata.annotations ?? {})
      .filter(([key]) => key.startsWith('vsphere.flotilla.io/'))
      .map(([key, value]) => [key.slice('vsphere.flotilla.io/'.length), value]),
  );
  ledger.compare('custom-attributes', who, ourAttributes, expectedAttributes);
  if (Object.keys(expectedAttributes).length > 0) {
    ledger.designed(
      'custom-attributes',
      who,
      'own-annotation-prefix',
      'vsphere.flotilla.io/, not vsphere.forklift.konveyor.io/',
    );
  }

  ledger.compare(
    'run-strategy',
    who,
    vm.spec.runStrategy,
    source.powerState === 'poweredOn' ? 'Always' : 'Halted',
  );
  const forkliftPref = forkliftPreference(source);
  if (forkliftPref !== undefined)
    ledger.compare('preference', who, vm.spec.preference?.name ?? null, forkliftPref);
  else
    ledger.designed(
      'preference',
      who,
      'preference-from-export-not-inspection',
      `${source.guestOsTools ?? source.guestOsConfig}: ${vm.spec.preference?.name ?? 'none'}`,
    );

  const cores =
    source.coresPerSocket !== null && source.coresPerSocket > 0 && source.cpus % source.coresPerSocket === 0
      ? source.coresPerSocket
      : 1;
  ledger.compare(
    'cpu',
    who,
    { sockets: domain.cpu.sockets, cores: domain.cpu.cores },
    { sockets: source.cpus / cores, cores },
  );
  ledger.compare(
    'nested-virtualization',
    who,
    domain.cpu.features ?? null,
    source.nestedHv === true
      ? [
          { name: 'vmx', policy: 'optional' },
          { name: 'svm', policy: 'optional' },
        ]
      : null,
  );
  ledger.compare('memory', who, domain.memory.guest, `${Math.ceil(source.memoryMiB)}Mi`);
  ledger.compare(
    'firmware-serial',
    who,
    domain.firmware.serial,
    forkliftSerial((source.biosUuid ?? source.uuid ?? '').toLowerCase()),
  );
  const efi = source.firmware === 'efi';
  ledger.compare(
    'bootloader',
    who,
    { bootloader: domain.firmware.bootloader, smm: domain.features?.smm?.enabled ?? false },
    {
      bootloader: efi ? { efi: { secureBoot: source.secureBoot === true } } : { bios: {} },
      smm: efi && source.secureBoot === true,
    },
  );
  const zone = inventory.hosts.find((host) => host.name === source.host)?.timeZone ?? null;
  ledger.compare('clock', who, domain.clock?.timezone ?? null, zone);

  const disks = domain.devices.disks;
  ledger.compare(
    'disk-order',
    who,
    dataVolumes.map((dv) => dv.spec.source.vddk.backingFile),
    forkliftDiskOrder(source.disks),
  );
  ledger.compare('disk-bus', who, [...new Set(disks.map((disk) => disk.disk.bus))], ['virtio']);
  const ordered = forkliftDiskOrder(source.disks).map((path) =>
    source.disks.find((disk) => disk.path === path),
  );
  ledger.compare(
    'disk-serial',
    who,
    disks.map((disk) => disk.serial),
    ordered.map((disk) => (disk ? forkliftDiskSerial(disk, source.moref ?? source.key) : null)),
  );
  ledger.compare(
    'boot-order',
    who,
    disks.map((disk) => disk.bootOrder ?? null),
    disks.map((_, index) => (index === 0 ? 1 : null)),
  );
  ledger.compare(
    'shared-disks',
    who,
    disks.map((disk) => ({ shareable: disk.shareable ?? false, cache: disk.cache ?? null })),
    ordered.map((disk) =>
      disk?.sharingMode?.toLowerCase() === 'sharingmultiwriter'
        ? { shareable: true, cache: 'none' }
        : { shareable: false, cache: null },
    ),
  );
  ledger.compare(
    'volume-source',
    who,
    template.volumes.map((volume) => volume.persistentVolumeClaim?.claimName ?? null),
    dataVolumes.map((dv) => dv.metadata.name),
  );
  ledger.designed(
    'dv-names',
    who,
    'deterministic-dv-names',
    dataVolumes.map((dv) => dv.metadata.name).join(', '),
  );
  ledger.compare(
    'dv-vddk-source',
    who,
    dataVolumes.map((dv) => ({
      url: dv.spec.source.vddk.url,
      uuid: dv.spec.source.vddk.uuid,
      thumbprint: dv.spec.source.vddk.thumbprint,
    })),
    dataVolumes.map(() => ({
      url: VCENTER_URL,
      uuid: (source.uuid ?? '').toLowerCase(),
      thumbprint: THUMBPRINT,
    })),
  );
  ledger.compare(
    'dv-storage',
    who,
    dataVolumes.map((dv) => dv.spec.storage),
    ordered.map((disk) => ({
      storageClassName: 'standard',
      resources: { requests: { storage: `${Math.ceil(disk?.capacityMiB ?? 0)}Mi` } },
    })),
  );
  ledger.compare(
    'dv-annotations',
    who,
    dataVolumes.map((dv) => dv.metadata.annotations?.['cdi.kubevirt.io/storage.deleteAfterCompletion']),
    dataVolumes.map(() => 'false'),
  );
  ledger.designed(
    'dv-annotations',
    who,
    'bind-immediate-always',
    'cdi.kubevirt.io/storage.bind.immediate.requested on every DataVolume',
  );
  ledger.compare('credentials-secret', who, secretKeys.sort(), ['accessKeyId', 'secretKey']);

  const nics = source.nics.filter((nic) => nic.network !== null);
  ledger.compare(
    'interfaces',
    who,
    domain.devices.interfaces.map((iface) => ({
      model: iface.model,
      mac: iface.macAddress ?? null,
      bridge: iface.bridge !== undefined,
      down: iface.state === 'down',
    })),
    nics.map((nic) => ({
      model: 'virtio',
      mac: nic.mac?.toLowerCase().replaceAll('-', ':') ?? null,
      bridge: true,
      down: (nic.startsConnected ?? nic.connected) === false,
    })),
  );
  if (nics.length === 0)
    ledger.designed('no-nic', who, 'no-autoattach-pod-interface', 'autoattachPodInterface: false');
  ledger.compare('input', who, domain.devices.inputs, [{ type: 'tablet', bus: 'virtio', name: 'tablet' }]);
  ledger.compare(
    'tpm',
    who,
    domain.devices.tpm,
    source.hasTpm === true ? { persistent: true } : { enabled: false },
  );
}

function report(ledger: ParityLedger): string {
  const rows = [...ledger.checked.keys()].map((row) => {
    const findings = ledger.findings.filter((finding) => finding.row === row);
    const decisions = [...new Set(findings.map((finding) => finding.decision ?? 'UNEXPLAINED'))];
    return `${row}: ${ledger.checked.get(row)} checks, ${findings.length} differences${decisions.length ? ` (${decisions.join(', ')})` : ''}`;
  });
  return rows.join('\n');
}

async function checkEstate(path: string, minimumVms: number): Promise<void> {
  const { inventory, rendered } = await renderEstate(path);
  expect(rendered.length).toBeGreaterThanOrEqual(minimumVms);
  const ledger = new ParityLedger();
  for (const vm of rendered) checkVm(ledger, inventory, vm);
  const unexplained = ledger
    .unexplained()
    .map(
      (finding) =>
        `${finding.row} ${finding.vm}: ${finding.detail}${finding.decision ? ` [undocumented decision ${finding.decision}]` : ''}`,
    );
  expect(unexplained, report(ledger)).toEqual([]);
  // Every row of the parity table was looked at.
  expect(ledger.checked.size).toBeGreaterThanOrEqual(30);
}

describe('Forklift parity of the rendered manifests', () => {
  it('documents every design difference the comparison may name', () => {
    for (const decision of [
      'static-ips-read-at-preflight',
      'vpx-no-verify-with-pinned-thumbprint',
      'deterministic-fallback-name',
      'own-annotation-keys',
      'own-labels',
      'own-annotation-prefix',
      'preference-from-export-not-inspection',
      'deterministic-dv-names',
      'bind-immediate-always',
      'no-autoattach-pod-interface',
    ]) {
      expect(DECIDED, decision).toContain(decision);
    }
  });

  it('samples/rvtools-sample-200.xlsx: every row matches Forklift or differs by a documented decision', async () => {
    await checkEstate(`${ROOT}samples/rvtools-sample-200.xlsx`, 60);
  }, 120_000);
});

describe.skipIf(kylowSuite.skip)(kylowSuite.title, () => {
  it('every row matches Forklift or differs by a documented decision', async () => {
    await checkEstate(kylowPath, 40);
  }, 120_000);
});
