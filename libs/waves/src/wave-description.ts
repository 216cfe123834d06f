import type { Severity } from '#libs/assessment';
import { datastoreSourceOf, networkSourceOf, UNNAMED_DATASTORE_SOURCE } from './map-sources.js';
import { DowntimeModel, describeWaveMigration } from './migration-estimate.js';
import { pinnedWaveOf } from './placement-units.js';
import { MIB_PER_GIB, type PlanningContext, SECONDS_PER_HOUR, type VmRecord } from './planning-context.js';
import type { ManualEdits, MigrationType } from './settings.js';
import type { Wave, WaveConcern, WaveVm } from './types.js';
import { EFFORTS } from './vm-profile.js';
import { hostTransferSeconds } from './wave-load.js';

/** The membership of a wave, before its figures are computed. */
export interface WaveDraft {
  number: number;
  pilot: boolean;
  addedByHand: boolean;
  vmKeys: string[];
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const round2 = (value: number): number => Math.round(value * 100) / 100;

/** Computes everything a wave shows from its VM keys. Unknown keys are listed but add nothing. */
export function describeWave(
  ctx: PlanningContext,
  draft: WaveDraft,
  manual: ManualEdits,
  downtime: DowntimeModel = new DowntimeModel(ctx),
): Wave {
  const vmKeys = [...new Set(draft.vmKeys)].sort(byString);
  const load = ctx.loadOf(vmKeys);
  const seconds = hostTransferSeconds(load, ctx.throughput);
  let slowestHost: string | null = null;
  let slowestSeconds = 0;
  let peakStreams = 0;
  for (const [host, hostSeconds] of seconds) {
    if (slowestHost === null || hostSeconds > slowestSeconds) {
      slowestHost = host;
      slowestSeconds = hostSeconds;
    }
  }
  for (const share of load.hosts.values()) {
    peakStreams += Math.min(
      ctx.throughput.concurrentDisksPerHost,
      share.disksMiB.filter((size) => size > 0).length,
    );
  }

  const vms: WaveVm[] = [];
  const concerns: WaveConcern[] = [];
  const bySeverity: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  const groups = new Set<string>();
  const networks = new Set<string>();
  // Part of the wave's content hash: mapping the unnamed datastore differently changes the wave.
  let unnamedDatastore = false;
  const members: Array<{ record: VmRecord; type: MigrationType }> = [];
  for (const key of vmKeys) {
    const record = ctx.records.get(key);
    if (record === undefined) continue;
    const { vm, assessment } = record;
    groups.add(record.group);
    for (const nic of vm.nics) networks.add(networkSourceOf(nic.network));
    if (record.disks.some((disk) => datastoreSourceOf(disk.datastore) === UNNAMED_DATASTORE_SOURCE))
      unnamedDatastore = true;
    const migrationType = ctx.migrationType(draft.number, vm.name);
    members.push({ record, type: migrationType });
    vms.push({
      key,
      name: vm.name,
      group: record.group,
      targetName: assessment?.targetName ?? vm.name,
      targetNamespace: ctx.vmNamespace(key, draft.number),
      effort: record.effortRank < EFFORTS.length ? EFFORTS[record.effortRank] : null,
      dataMiB: record.dataMiB,
      host: vm.host,
      pinned: pinnedWaveOf(manual, key) !== null,
      migrationType,
      downtimeMinutes: downtime.vmDowntime(record),
    });
    for (const concern of assessment?.concerns ?? []) {
      bySeverity[concern.severity] += 1;
      concerns.push({
        vmKey: key,
        vmName: vm.name,
        id: concern.id,
        severity: concern.severity,
        message: concern.message,
      });
    }
  }
  vms.sort((a, b) => byString(a.group, b.group) || byString(a.name, b.name) || byString(a.key, b.key));
  const knownHosts = [...load.hosts].filter(([, share]) => share.known).map(([host]) => host);
  return {
    number: draft.number,
    pilot: draft.pilot,
    addedByHand: draft.addedByHand,
    vmKeys,
    vms,
    groups: [...groups].sort(byString),
    dataMiB: round2(load.dataMiB),
    dataGiB: round2(load.dataMiB / MIB_PER_GIB),
    estimatedHours: round2(slowestSeconds / SECONDS_PER_HOUR),
    concurrency: {
      streamsPerHost: ctx.throughput.concurrentDisksPerHost,
      perDiskMiBps: ctx.throughput.perDiskMiBps,
      perHostMiBps: ctx.throughput.perHostMiBps,
      hosts: load.hosts.size,
      peakStreams,
      slowestHost: slowestHost !== null && load.hosts.get(slowestHost)?.known ? slowestHost : null,
    },
    hosts: knownHosts.sort(byString),
    datastores: [...load.datastoreVms.keys(), ...(unnamedDatastore ? [UNNAMED_DATASTORE_SOURCE] : [])].sort(
      byString,
    ),
    networks: [...networks].sort(byString),
    openConcerns: { count: concerns.length, bySeverity, items: concerns },
    targetNamespace: ctx.waveNamespace(draft.number),
    migration: describeWaveMigration(ctx, downtime, draft.number, members, slowestSeconds),
  };
}
