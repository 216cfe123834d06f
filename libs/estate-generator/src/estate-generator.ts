import {
  APPLICATION_TEMPLATES,
  ENVIRONMENT_SPELLINGS,
  ENVIRONMENT_SUFFIX,
  ESCAPED_VM_NAMES,
  LONG_VM_NAMES,
  OWNERS,
  SPACED_VM_NAMES,
  STRAY_USERS,
  STRAY_VM_NAMES,
  STRAY_WORDS,
  type TierRole,
  UNICODE_VM_NAMES,
  VCLS_ANNOTATION,
} from './application-catalog.js';
import {
  diskUuid,
  EstateClock,
  GuestAddressPool,
  MacAddressPool,
  pad2,
  vmwareUuid,
} from './estate-context.js';
import {
  buildTopology,
  type ClusterPurpose,
  type ClusterRuntime,
  type DatacenterRuntime,
} from './estate-topology.js';
import { finalizeTruth } from './estate-truth.js';
import { GUEST_OS_CATALOG, type GuestOsProfile, guestOsById } from './guest-os-catalog.js';
import type {
  CustomAttributeDefinition,
  GeneratedApplication,
  GeneratedDatastore,
  GeneratedDisk,
  GeneratedEstate,
  GeneratedVm,
  GenerateEstateOptions,
} from './model.js';
import { SeededRandom } from './seeded-random.js';
import { type ForcedTrait, VmFactory, type VmSpec, type Workload } from './vm-factory.js';

export const DEFAULT_AS_OF = '2025-06-30T08:00:00Z';
export const DEFAULT_DOMAIN = 'corp.example.com';

const CUSTOM_ATTRIBUTES: readonly CustomAttributeDefinition[] = [
  { name: 'Application', scope: 'VirtualMachine' },
  // Backup products create these for every entity type, so hosts and datastores carry them too.
  { name: 'Backup status', scope: 'global' },
  { name: 'Environment', scope: 'VirtualMachine' },
  { name: 'Last backup', scope: 'global' },
  { name: 'Owner', scope: 'VirtualMachine' },
];

type Environment = GeneratedApplication['environment'];

const NETWORK_BY_ENV: Record<Environment, Record<'web' | 'app' | 'db', string>> = {
  Production: { web: 'PROD-WEB', app: 'PROD-APP', db: 'PROD-DB' },
  UAT: { web: 'UAT-WEB', app: 'UAT-APP', db: 'UAT-DB' },
  Development: { web: 'DEV-APP', app: 'DEV-APP', db: 'DEV-APP' },
  Test: { web: 'TEST-APP', app: 'TEST-APP', db: 'TEST-APP' },
};

/** Planted at least once from 100 VMs up, on top of what the random rates give. */
const TRAP_QUOTA: readonly ForcedTrait[] = [
  'pci',
  'vgpu',
  'sriov',
  'rdm',
  'independentDisk',
  'usb',
  'oldSnapshot',
  'connectedCdrom',
  'toolsNotRunning',
  'osDrift',
  'suspended',
  'longOff',
  'rdm',
  'tpm',
];

const VCSA_DISKS_GIB = [48, 7, 25, 25, 10, 10, 15, 10, 1, 10, 10, 100, 50, 10, 5, 100];

/**
 * Generates a whole vSphere estate for a seed. Pure: the same options give the same estate,
 * byte for byte, on any machine.
 */
export function generateEstate(options: GenerateEstateOptions): GeneratedEstate {
  const total = wholeNumber('vms', options.vms, 0);
  const seed = wholeNumber('seed', options.seed ?? 1, 0);
  const vcenterCount = wholeNumber('vcenters', options.vcenters ?? 1, 1);
  const datacentersPerVcenter = wholeNumber(
    'datacentersPerVcenter',
    options.datacentersPerVcenter ?? (total >= 2000 ? 2 : 1),
    1,
  );
  const clusterCount = wholeNumber(
    'clusters',
    options.clusters ??
      Math.max(vcenterCount * datacentersPerVcenter, Math.ceil(total / 300), total >= 100 ? 2 : 1),
    1,
  );
  const hostsPerCluster = wholeNumber(
    'hostsPerCluster',
    options.hostsPerCluster ?? Math.min(32, Math.max(2, Math.ceil(total / clusterCount / 22))),
    1,
  );
  const asOf = options.asOf ?? DEFAULT_AS_OF;
  const domain = options.domain ?? DEFAULT_DOMAIN;
  const clock = new EstateClock(asOf);
  const random = new SeededRandom(seed);

  const topology = buildTopology(random.fork(), clock, {
    vcenters: vcenterCount,
    datacentersPerVcenter,
    clusters: clusterCount,
    hostsPerCluster,
    domain,
  });
  const vmRandom = random.fork();
  const factory = new VmFactory({
    random: vmRandom,
    clock,
    macs: new MacAddressPool(random.fork()),
    addresses: new GuestAddressPool(),
    domain,
  });
  const builder = new EstateBuilder(vmRandom, clock, factory, topology.clusters, topology.datacenters);
  builder.build(total);

  const vms = sortedForRvtools(builder.vms);
  finalizeTruth(vms, clock);
  const datastores = topology.clusters.flatMap((cluster) => cluster.datastores);
  for (const dc of topology.datacenters) datastores.push(dc.isoLibrary, dc.tier2);
  sizeDatastores(random.fork(), datastores, vms);

  return {
    seed,
    asOf: new Date(clock.asOfMs).toISOString(),
    domain,
    customAttributes: [...CUSTOM_ATTRIBUTES],
    vcenters: topology.vcenters.map((vc) => vc.vcenter),
    datacenters: topology.datacenters.map((dc) => dc.datacenter),
    clusters: topology.clusters.map((cluster) => cluster.cluster),
    hosts: topology.clusters.flatMap((cluster) => cluster.hosts),
    datastores,
    distributedSwitches: topology.datacenters.map((dc) => dc.dvSwitch),
    portGroups: topology.datacenters.flatMap((dc) => [...dc.portGroups.values()]),
    applications: builder.applications,
    vms,
  };
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`generateEstate: ${name} must be a whole number >= ${min}, got ${value}`);
  }
  return value;
}

/** RVTools sorts rows by VM name the way Windows compares strings: case-insensitive, hyphens ignored. */
function sortedForRvtools(vms: GeneratedVm[]): GeneratedVm[] {
  const keyed = vms.map((vm) => ({ vm, sortKey: vm.name.toLowerCase().replace(/-/g, '') }));
  keyed.sort((a, b) => {
    if (a.sortKey !== b.sortKey) return a.sortKey < b.sortKey ? -1 : 1;
    if (a.vm.name !== b.vm.name) return a.vm.name < b.vm.name ? -1 : 1;
    return a.vm.key < b.vm.key ? -1 : a.vm.key > b.vm.key ? 1 : 0;
  });
  return keyed.map((entry) => entry.vm);
}

class EstateBuilder {
  readonly vms: GeneratedVm[] = [];
  readonly applications: GeneratedApplication[] = [];
  private readonly instanceCounts = new Map<string, number>();
  private readonly templateUses = new Map<string, number>();
  private hasVapp = false;
  private readonly usedNames = new Set<string>();
  private readonly sharedDiskCandidates: Array<{ a: GeneratedVm; b: GeneratedVm; kind: 'rac' | 'wsfc' }> = [];

  constructor(
    private readonly random: SeededRandom,
    private readonly clock: EstateClock,
    private readonly factory: VmFactory,
    private readonly clusters: ClusterRuntime[],
    private readonly datacenters: DatacenterRuntime[],
  ) {}

  build(total: number): void {
    const vclsPerCluster = (cluster: ClusterRuntime) =>
      cluster.dc.vc.release.vcls ? Math.min(3, Math.max(1, cluster.placeable.length)) : 0;
    const vclsCount =
      total >= 50 ? this.clusters.reduce((sum, cluster) => sum + vclsPerCluster(cluster), 0) : 0;
    const nsxManagers = total >= 1000 ? 3 : 0;
    const backupProxies = total >= 50 ? Math.min(10, Math.ceil(total / 2000)) : 0;
    const infraPerVcenter = total >= 50 ? 1 + nsxManagers + backupProxies : 0;
    const vcenterCount = new Set(this.clusters.map((cluster) => cluster.dc.vc)).size;
    const templates = total >= 20 ? Math.max(1, Math.round(total * 0.015)) : 0;
    const placeholders = total >= 100 ? Math.max(1, Math.round(total * 0.004)) : 0;
    const strays = Math.round(total * 0.06);
    let budget = total;
    const take = (wanted: number) => {
      const granted = Math.max(0, Math.min(wanted, budget));
      budget -= granted;
      return granted;
    };
    const vcls = take(vclsCount);
    const infra = take(infraPerVcenter * vcenterCount);
    const templateCount = take(templates);
    const placeholderCount = take(placeholders);
    const strayCount = take(strays);
    const workloadCount = budget;

    this.addVcls(vcls, vclsPerCluster);
    this.addInfrastructure(infra, nsxManagers, backupProxies);
    this.addApplications(workloadCount, total >= 100 ? TRAP_QUOTA : []);
    this.addSharedDisks(total);
    this.addTemplates(templateCount);
    this.addStrays(strayCount, total);
    this.addPlaceholders(placeholderCount);
    if (this.vms.length !== total) {
      throw new Error(`generateEstate: produced ${this.vms.length} VMs instead of ${total}`);
    }
  }

  private push(vm: GeneratedVm): GeneratedVm {
    this.vms.push(vm);
    this.usedNames.add(vm.name);
    return vm;
  }

  /** A name nobody has yet (duplicates are planted on purpose, never by accident). */
  private uniqueName(name: string): string {
    if (!this.usedNames.has(name)) return name;
    for (let n = 2; ; n++) {
      const suffix = `-${n}`;
      // vCenter caps names at 80 characters.
      const candidate = `${name.slice(0, 80 - suffix.length)}${suffix}`;
      if (!this.usedNames.has(candidate)) return candidate;
    }
  }

  private clusterFor(purposes: readonly ClusterPurpose[], dc?: DatacenterRuntime): ClusterRuntime {
    const pool = dc ? dc.clusters : this.clusters;
    for (const purpose of purposes) {
      const matching = pool.filter((cluster) => cluster.purpose === purpose);
      if (matching.length > 0) return this.random.pick(matching);
    }
    return this.random.pick(pool);
  }

  private addVcls(count: number, perCluster: (cluster: ClusterRuntime) => number): void {
    let left = count;
    const photon = guestOsById('photon');
    for (const cluster of this.clusters) {
      const n = Math.min(left, perCluster(cluster));
      for (let i = 0; i < n; i++) {
        const vm = this.factory.create({
          name: `vCLS-${vmwareUuid(this.random)}`,
          role: 'vcls',
          os: photon,
          cluster,
          folder: `/${cluster.dc.datacenter.name}/vCLS`,
          vapp: null,
          workload: 'infra',
          app: null,
          networks: [],
          power: 'poweredOn',
          cpus: 1,
          memoryMiB: 128,
          diskGiB: [2],
          annotation: VCLS_ANNOTATION,
        });
        // vCLS agents are spread one per host.
        vm.host = cluster.placeable[i % Math.max(1, cluster.placeable.length)]?.name ?? vm.host;
        vm.hwVersion = Math.min(14, vm.hwVersion);
        this.push(vm);
      }
      left -= n;
    }
  }

  private addInfrastructure(count: number, nsxManagers: number, backupProxies: number): void {
    if (count === 0) return;
    const vcenters = [...new Set(this.clusters.map((cluster) => cluster.dc.vc))];
    let left = count;
    for (const vc of vcenters) {
      const dc = vc.datacenters[0];
      const cluster = this.clusterFor(['MGMT', 'PROD'], dc);
      const folder = `/${dc.datacenter.name}/Infrastructure`;
      const specs: VmSpec[] = [];
      const base = {
        role: 'infrastructure' as const,
        cluster,
        folder,
        vapp: null,
        app: null,
        power: 'poweredOn' as const,
        plain: true,
      };
      specs.push({
        ...base,
        name: vc.vcenter.server.split('.')[0],
        os: guestOsById('photon'),
        workload: 'infra',
        networks: ['MGMT'],
        cpus: 4,
        memoryMiB: 21 * 1024,
        diskGiB: VCSA_DISKS_GIB,
        annotation: 'VMware vCenter Server Appliance',
      });
      for (let i = 0; i < nsxManagers; i++) {
        specs.push({
          ...base,
          name: `nsx-mgr-${pad2(i + 1)}`,
          os: guestOsById('other4-linux'),
          workload: 'infra',
          networks: ['MGMT'],
          cpus: 6,
          memoryMiB: 24 * 1024,
          diskGiB: [300],
          annotation: 'NSX Unified Appliance',
        });
      }
      for (let i = 0; i < backupProxies; i++) {
        specs.push({
          ...base,
          name: `veeam-proxy-${pad2(i + 1)}`,
          os: guestOsById('win2022'),
          workload: 'infra',
          networks: ['MGMT', 'BACKUP'],
          cpus: 4,
          memoryMiB: 8 * 1024,
          diskGiB: [100],
          annotation: 'Veeam backup proxy (hot-add)',
        });
      }
      for (const spec of specs.slice(0, left)) {
        this.push(this.factory.create({ ...spec, name: this.uniqueName(spec.name) }));
      }
      left -= Math.min(left, specs.length);
    }
  }

  private addApplications(budget: number, quota: readonly ForcedTrait[]): void {
    const random = this.random;
    let left = budget;
    // Spread the planted traps over the estate instead of bunching them in the first app.
    const forcedAt = new Map<number, ForcedTrait>();
    for (const [k, trait] of quota.entries()) {
      forcedAt.set(Math.floor(((k + 1) * budget * 0.85) / (quota.length + 1)), trait);
    }
    let created = 0;
    while (left > 0) {
      // Variety first: a template already used is less likely to be picked again.
      const template = random.weighted(
        APPLICATION_TEMPLATES.map(
          (t) => [t, (t.weight ?? 1) / (1 + (this.templateUses.get(t.code) ?? 0))] as const,
        ),
      );
      this.templateUses.set(template.code, (this.templateUses.get(template.code) ?? 0) + 1);
      const environment = random.weighted<Environment>([
        ['Production', 55],
        ['UAT', 15],
        ['Development', 18],
        ['Test', 12],
      ]);
      const instanceKey = `${template.code}|${environment}`;
      const instance = (this.instanceCounts.get(instanceKey) ?? 0) + 1;
      this.instanceCounts.set(instanceKey, instance);
      const code = instance === 1 ? template.code : `${template.code}${instance}`;
      const name = instance === 1 ? template.name : `${template.name} ${instance}`;
      const desktops = template.tiers.some((tier) => tier.role === 'desktop');
      const purposes: ClusterPurpose[] = desktops
        ? ['VDI', 'PROD']
        : environment === 'Production'
          ? ['PROD']
          : ['NONPROD', 'PROD'];
      const cluster = this.clusterFor(purposes);
      const dcName = cluster.dc.datacenter.name;
      // Some vendors ship as a vApp; from 100 VMs up at least one production app is one.
      const wantVapp = template.vapp || random.chance(0.04) || (quota.length > 0 && !this.hasVapp);
      const vapp = wantVapp && environment === 'Production' ? `${name} vApp` : null;
      if (vapp) this.hasVapp = true;
      const folder =
        environment === 'Production'
          ? `/${dcName}/${template.department}/${name}`
          : `/${dcName}/NonProd/${template.department}/${name} ${environment}`;
      const app: GeneratedApplication = {
        name: environment === 'Production' ? name : `${name} ${environment}`,
        code,
        environment,
        owner: random.pick(OWNERS),
        folder: vapp ? `/${dcName}/${template.department}` : folder,
        vapp,
        vmKeys: [],
      };
      this.applications.push(app);
      const suffix = ENVIRONMENT_SUFFIX[environment];
      for (const tier of template.tiers) {
        if (left <= 0) break;
        let replicas = random.int(tier.replicas[0], tier.replicas[1]);
        if (environment !== 'Production') replicas = Math.max(1, Math.floor(replicas / 2));
        if (template.sharedDiskDb && tier.role === 'db' && environment === 'Production')
          replicas = Math.max(2, replicas);
        const tierOs = guestOsById(random.weighted(tier.os));
        const tierVms: GeneratedVm[] = [];
        for (let i = 1; i <= replicas && left > 0; i++) {
          const force = forcedAt.get(created);
          // A vTPM wants a guest that supports one.
          const os =
            force === 'tpm'
              ? guestOsById(tierOs.family === 'windows' ? 'win2022' : 'rhel9')
              : random.chance(0.1)
                ? guestOsById(random.weighted(tier.os))
                : tierOs;
          const vmName = this.uniqueName(`${code}-${suffix ? `${suffix}-` : ''}${tier.tier}-${pad2(i)}`);
          const vm = this.push(
            this.factory.create({
              name: vmName,
              role: 'workload',
              os,
              cluster,
              folder: app.folder,
              vapp,
              resourcePool: vapp ? `/${dcName}/${cluster.cluster.name}/Resources/${vapp}` : undefined,
              workload: tier.role,
              app,
              networks: [this.networkFor(environment, tier.role)],
              force,
            }),
          );
          this.assignAttributes(vm, app);
          app.vmKeys.push(vm.key);
          tierVms.push(vm);
          left--;
          created++;
          // Leftover copies: the VM before a rebuild, or a clone somebody kept "just in case".
          if (left > 0 && random.chance(0.015)) {
            const copySuffix = random.pick(['-old', '-bak']);
            const copy = this.push(
              this.factory.create({
                name: this.uniqueName(`${vmName}${copySuffix}`),
                role: 'workload',
                os,
                cluster,
                folder: app.folder,
                vapp: null,
                workload: tier.role,
                app,
                networks: [this.networkFor(environment, tier.role)],
                power: 'poweredOff',
                longOff: random.chance(0.7),
                plain: true,
              }),
            );
            this.assignAttributes(copy, app);
            app.vmKeys.push(copy.key);
            left--;
          }
        }
        if (tier.role === 'db' && tierVms.length >= 2) {
          const kind = template.sharedDiskDb ?? (tierVms[0].guestFamily === 'windows' ? 'wsfc' : 'rac');
          const preferred = template.sharedDiskDb !== undefined && environment === 'Production';
          const candidate = { a: tierVms[0], b: tierVms[1], kind };
          if (preferred) this.sharedDiskCandidates.unshift(candidate);
          else this.sharedDiskCandidates.push(candidate);
        }
      }
    }
  }

  private networkFor(environment: Environment, role: TierRole): string {
    const random = this.random;
    if (random.chance(0.04)) return 'VM Network';
    if (random.chance(0.015)) return 'LEGACY';
    if (role === 'desktop') return 'VDI';
    if (role === 'infra') return 'MGMT';
    if (role === 'web' && environment === 'Production' && random.chance(0.2)) return 'DMZ';
    const byRole = NETWORK_BY_ENV[environment];
    return role === 'web' ? byRole.web : role === 'db' ? byRole.db : byRole.app;
  }

  private assignAttributes(vm: GeneratedVm, app: GeneratedApplication): void {
    const random = this.random;
    const attributes: Record<string, string> = {};
    // Tags drift: some VMs lost the attribute, some carry a hand-typed variant.
    if (random.chance(0.95)) {
      const base = app.name.replace(/ (UAT|Development|Test)$/, '');
      attributes.Application = random.chance(0.05) ? base.toUpperCase() : base;
    }
    if (random.chance(0.9)) attributes.Environment = random.pick(ENVIRONMENT_SPELLINGS[app.environment]);
    if (random.chance(0.85)) attributes.Owner = app.owner;
    this.assignBackup(vm, attributes);
    vm.customAttributes = attributes;
  }

  private assignBackup(vm: GeneratedVm, attributes: Record<string, string>): void {
    const random = this.random;
    if (vm.template || vm.srmPlaceholder || !random.chance(0.8)) return;
    attributes['Backup status'] = random.weighted([
      ['OK', 90],
      ['Warning', 6],
      ['Failed', 4],
    ] as const);
    const last = new Date(
      this.clock.asOfMs - Math.floor(random.next() * (random.chance(0.05) ? 60 : 2) * 86_400_000),
    );
    attributes['Last backup'] = last.toISOString().slice(0, 19).replace('T', ' ');
  }

  /**
   * Clustered databases: Oracle RAC shares multi-writer VMDKs (same file on both VMs), Windows
   * failover clusters share physical-mode RDMs on a SCSI controller with physical bus sharing.
   */
  private addSharedDisks(total: number): void {
    const random = this.random;
    const wanted = total >= 100 ? Math.max(1, Math.round(total * 0.0015)) : total >= 30 ? 1 : 0;
    for (const { a, b, kind } of this.sharedDiskCandidates.slice(0, wanted)) {
      if (b.host === a.host) {
        const cluster = this.clusters.find(
          (c) => c.cluster.name === a.cluster && c.dc.vc.vcenter.server === a.vcenter,
        );
        const other = cluster?.placeable.find((host) => host.name !== a.host);
        if (other) b.host = other.name;
      }
      const count = kind === 'rac' ? random.int(2, 4) : random.int(1, 2);
      const store = a.datastore;
      const base = a.vmxPath.slice(a.vmxPath.lastIndexOf('/') + 1).replace(/\.vmx$/, '');
      for (let i = 0; i < count; i++) {
        const capacityMiB =
          (kind === 'rac' ? random.pick([50, 100, 250, 500, 1024]) : random.pick([1, 100, 500, 2048])) * 1024;
        const shared: Omit<GeneratedDisk, 'label' | 'key' | 'unitNumber'> =
          kind === 'rac'
            ? {
                uuid: diskUuid(random),
                capacityMiB,
                thin: false,
                eagerlyScrub: true,
                diskMode: 'independent_persistent',
                sharingMode: 'sharingMultiWriter',
                raw: false,
                rawCompatibilityMode: null,
                rawLunId: null,
                controllerLabel: 'SCSI controller 3',
                controllerType: 'VMware paravirtual SCSI',
                sharedBus: 'noSharing',
                path: `[${store}] ${a.vmxDirectory}/${base}_asm${i + 1}.vmdk`,
                datastore: store,
                guestMounts: [],
                usedMiB: capacityMiB,
              }
            : {
                uuid: diskUuid(random),
                capacityMiB,
                thin: false,
                eagerlyScrub: false,
                diskMode: 'independent_persistent',
                sharingMode: 'sharingNone',
                raw: true,
                rawCompatibilityMode: 'physicalMode',
                rawLunId: `020000000060${random.hex(30)}`,
                controllerLabel: 'SCSI controller 3',
                controllerType: 'LSI Logic SAS',
                sharedBus: 'physicalSharing',
                path: `[${store}] ${a.vmxDirectory}/${base}_rdm${i + 1}.vmdk`,
                datastore: store,
                guestMounts: [],
                usedMiB: capacityMiB,
              };
        for (const vm of [a, b]) {
          vm.disks.push({
            ...shared,
            label: `Hard disk ${vm.disks.length + 1}`,
            key: 2000 + 3 * 16 + i,
            unitNumber: i,
            guestMounts: [],
          });
        }
      }
      a.truth.sharedWith.push(b.key);
      b.truth.sharedWith.push(a.key);
    }
  }

  private addTemplates(count: number): void {
    const random = this.random;
    const profiles = GUEST_OS_CATALOG.filter((profile) => profile.weight >= 1);
    for (let i = 0; i < count; i++) {
      const os = random.pick(profiles);
      const cluster = random.pick(this.clusters);
      const year = 2019 + random.int(0, 6);
      const name = random.chance(0.6)
        ? `tpl-${os.id}-${year}.${pad2(random.int(1, 12))}`
        : `TEMPLATE-${os.configName
            .replace(/ \(.*\)$/, '')
            .replace(/^Microsoft /, '')
            .replace(/ /g, '')}`;
      this.push(
        this.factory.create({
          name: this.uniqueName(name),
          role: 'template',
          os,
          cluster,
          folder: `/${cluster.dc.datacenter.name}/Templates`,
          vapp: null,
          workload: 'infra',
          app: null,
          networks: ['VM Network'],
          power: 'poweredOff',
          diskGiB: [os.family === 'windows' ? 80 : 40],
        }),
      );
    }
  }

  private addStrays(count: number, total: number): void {
    const random = this.random;
    const names: Array<{ name: string; folder?: string }> = [];
    const genericNames = ['web01', 'sql01', 'app01', 'dc01', 'test01'];
    const duplicatePairs = total >= 100 ? Math.max(1, Math.round(total * 0.002)) : 0;
    for (let p = 0; p < duplicatePairs && names.length + 2 <= count; p++) {
      const generic = genericNames[p % genericNames.length] + (p >= genericNames.length ? `-${p}` : '');
      names.push(
        { name: generic, folder: 'Sandbox' },
        { name: generic, folder: 'Discovered virtual machine' },
      );
    }
    // The classic leftovers first, so even a small estate has one of each (and an odd guest).
    const storyNames = ['xyz-old', 'tmp-migration-test', 'dc01-bak'];
    for (const name of storyNames) if (names.length < count) names.push({ name });
    // Each exotic family at least twice, then about one VM in a thousand.
    const exoticEach = Math.max(2, Math.round(total * 0.001));
    for (const family of [UNICODE_VM_NAMES, SPACED_VM_NAMES, LONG_VM_NAMES, ESCAPED_VM_NAMES]) {
      const order = shuffled(random, family);
      for (let i = 0; i < exoticEach && names.length < count; i++) {
        const cycle = Math.floor(i / order.length);
        const base = order[i % order.length];
        const suffix = `-${cycle + 1}`;
        names.push({ name: cycle === 0 ? base : `${base.slice(0, 80 - suffix.length)}${suffix}` });
      }
    }
    for (const name of shuffled(
      random,
      STRAY_VM_NAMES.filter((candidate) => !storyNames.includes(candidate)),
    )) {
      if (names.length >= count) break;
      names.push({ name });
    }
    while (names.length < count) names.push({ name: strayName(random) });
    for (const { name, folder } of names) {
      const cluster = random.pick(this.clusters);
      const dcName = cluster.dc.datacenter.name;
      const os =
        name === storyNames[0] || random.chance(0.12) ? random.pick(UNUSUAL_OS) : pickWorkloadOs(random);
      const workload: Workload = 'stray';
      const vm = this.push(
        this.factory.create({
          name: folder ? name : this.uniqueName(name),
          role: 'workload',
          os,
          cluster,
          folder: `/${dcName}/${folder ?? random.pick(['Discovered virtual machine', 'Sandbox', 'Users', 'Test'])}`,
          vapp: null,
          workload,
          app: null,
          networks: [random.pick(['VM Network', 'DEV-APP', 'TEST-APP', 'LEGACY'])],
          // Somebody renamed it after creation; the files keep the first name. The second VM of
          // a duplicated name gets the `_1` folder vSphere gives it, so the two share no file.
          vmxDirectory:
            folder === 'Discovered virtual machine'
              ? `${name}_1`
              : /-old$|-bak$/.test(name)
                ? name.replace(/-(old|bak)$/, '')
                : undefined,
        }),
      );
      const attributes: Record<string, string> = {};
      if (random.chance(0.3)) attributes.Owner = random.pick(OWNERS);
      this.assignBackup(vm, attributes);
      vm.customAttributes = attributes;
    }
  }

  /** SRM placeholders carry the name of the VM they protect, at the recovery site. */
  private addPlaceholders(count: number): void {
    const random = this.random;
    const protectedVms = this.vms.filter(
      (vm) => vm.truth.role === 'workload' && vm.truth.environment === 'Production',
    );
    for (let i = 0; i < count; i++) {
      const source = protectedVms.length > 0 ? random.pick(protectedVms) : random.pick(this.vms);
      const sourceDc = this.datacenters.find(
        (dc) => dc.datacenter.name === source.datacenter && dc.vc.vcenter.server === source.vcenter,
      );
      const recoveryDcs = this.datacenters.filter((dc) => dc !== sourceDc);
      const dc = recoveryDcs.length > 0 ? random.pick(recoveryDcs) : (sourceDc ?? this.datacenters[0]);
      const cluster = this.clusterFor(['PROD'], dc);
      const os =
        GUEST_OS_CATALOG.find((profile) => profile.guestId === source.guestId) ?? guestOsById('rhel8');
      const vm = this.push(
        this.factory.create({
          name: source.name,
          role: 'srmPlaceholder',
          os,
          cluster,
          folder: `/${dc.datacenter.name}/SRM Placeholders`,
          vapp: null,
          workload: 'app',
          app: null,
          networks: source.nics.map(() => 'VM Network'),
          power: 'poweredOff',
          longOff: false,
          cpus: source.cpus,
          memoryMiB: source.memoryMiB,
          annotation: source.annotation,
        }),
      );
      vm.customAttributes = { ...source.customAttributes };
      delete vm.customAttributes['Backup status'];
      delete vm.customAttributes['Last backup'];
      vm.truth.application = source.truth.application;
      vm.truth.environment = source.truth.environment;
    }
  }
}

function shuffled<T>(random: SeededRandom, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function strayName(random: SeededRandom): string {
  const word = random.pick(STRAY_WORDS);
  const n = random.int(1, 30);
  switch (random.int(0, 8)) {
    case 0:
      return `tmp-${word}-${n}`;
    case 1:
      return `test-${word}-${pad2(n)}`;
    case 2:
      return `${word}${pad2(n)}-old`;
    case 3:
      return `${word}${pad2(n)}-bak`;
    case 4:
      return `poc-${word}`;
    case 5:
      return `${random.pick(STRAY_USERS)}-${word}-test`;
    case 6:
      return `lab-${word}-${n}`;
    case 7:
      return `${word}-clone-${n}`;
    default:
      return `New Virtual Machine (${n})`;
  }
}

const UNUSUAL_OS = GUEST_OS_CATALOG.filter((profile) => profile.unusual);

function pickWorkloadOs(random: SeededRandom): GuestOsProfile {
  return random.weighted(GUEST_OS_CATALOG.map((profile) => [profile, profile.weight] as const));
}

/**
 * Datastore figures follow from what is placed on them: capacity is chosen so most have
 * 20-60% free, a few are nearly full and thin disks overcommit some.
 */
function sizeDatastores(random: SeededRandom, datastores: GeneratedDatastore[], vms: GeneratedVm[]): void {
  const byDatacenter = new Map<string, Map<string, GeneratedDatastore>>();
  for (const store of datastores) {
    const dcKey = `${store.vcenter}/${store.datacenter}`;
    let stores = byDatacenter.get(dcKey);
    if (!stores) {
      stores = new Map();
      byDatacenter.set(dcKey, stores);
    }
    stores.set(store.name, store);
  }
  const sharedFiles = new Set<string>();
  for (const vm of vms) {
    const stores = byDatacenter.get(`${vm.vcenter}/${vm.datacenter}`);
    if (!stores) continue;
    const touched = new Set<GeneratedDatastore>();
    for (const disk of vm.disks) {
      const store = stores.get(disk.datastore);
      if (!store) continue;
      touched.add(store);
      if (disk.raw) continue;
      // A multi-writer disk is one file, however many VMs open it.
      if (disk.sharingMode === 'sharingMultiWriter') {
        const fileKey = `${vm.vcenter}|${disk.path}`;
        if (sharedFiles.has(fileKey)) continue;
        sharedFiles.add(fileKey);
      }
      store.provisionedMiB += disk.capacityMiB;
      store.inUseMiB += disk.thin ? disk.usedMiB : disk.capacityMiB;
    }
    const home = stores.get(vm.datastore);
    if (home) {
      touched.add(home);
      // Swap file of a running VM, plus logs and nvram.
      const overhead = (vm.powerState === 'poweredOn' ? vm.memoryMiB - vm.memoryReservationMiB : 0) + 64;
      home.provisionedMiB += overhead;
      home.inUseMiB += overhead;
    }
    for (const store of touched) store.vmCount++;
  }
  const TIB = 1024 * 1024;
  for (const store of datastores) {
    store.inUseMiB = Math.round(store.inUseMiB);
    if (store.type === 'NFS') store.inUseMiB += random.int(80, 400) * 1024;
    let capacity: number;
    if (store.inUseMiB === 0) capacity = random.pick([2, 4]) * TIB;
    else if (random.chance(0.08))
      capacity = Math.ceil(store.inUseMiB / (0.955 + random.next() * 0.035) / 65536) * 65536;
    else capacity = Math.max(2 * TIB, Math.ceil((store.inUseMiB * (1.25 + random.next() * 0.9)) / TIB) * TIB);
    // VMFS reserves a little of the device for metadata.
    store.capacityMiB = store.type === 'VMFS' ? capacity - 512 : capacity;
    if (store.capacityMiB <= store.inUseMiB) store.capacityMiB = store.inUseMiB + 4096;
    store.freeMiB = store.capacityMiB - store.inUseMiB;
  }
}
