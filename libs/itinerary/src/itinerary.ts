import {
  buildCredentialsSecret,
  buildDataVolumes,
  buildGuestConversionPod,
  buildOwnerReferencePatch,
  buildVirtualMachine,
  ManifestBuildError,
  vmObjectNames,
} from '#libs/kubevirt';
import { isOwnedBy, migrationSpecOf, ownerLabelsOf, sameThumbprint } from './migration-spec.js';
import { fail, next, seconds, wait } from './phase-outcome.js';
import {
  type DataVolumeState,
  type DeletedObjects,
  type MigrationSource,
  type TargetCluster,
  TargetConflictError,
  TargetRejectedError,
  type VirtualMachineState,
} from './ports.js';
import {
  COLD_PHASES,
  DEFAULT_IMPORTER_RESTART_LIMIT,
  type DiskCopyState,
  type ItinerarySettings,
  type PhaseName,
  type PhaseOutcome,
  type StepEvent,
  type StepResult,
  type VmExecutionSpec,
  type VmRuntime,
  type VmStep,
  WARM_PHASES,
} from './types.js';
import { type CheckpointCopy, isWarm, WarmPhases } from './warm-phases.js';

function orderOf(spec: VmExecutionSpec): readonly PhaseName[] {
  return isWarm(spec) ? WARM_PHASES : COLD_PHASES;
}

function skipped(phase: PhaseName, spec: VmExecutionSpec, powerStateBefore: string | null): boolean {
  if (phase === 'ConvertGuest' && !spec.convertGuest) return true;
  return phase === 'WaitForVMReady' && !startsInTarget(spec, powerStateBefore);
}

/** Whether the VM will run in KubeVirt: the plan starts VMs and the source was running. */
export function startsInTarget(spec: VmExecutionSpec, powerStateBefore: string | null): boolean {
  return spec.startAfterMigration && powerStateBefore === 'poweredOn';
}

/**
 * The phase after `phase` for this VM; optional phases it does not need are skipped. A warm VM's
 * AddCheckpoint goes back to CopyDisks (the pre-copy loop); CopyingPaused leaves the loop by a
 * jump its handler decides (to StorePowerState at cutover).
 */
export function phaseAfter(
  phase: PhaseName,
  spec: VmExecutionSpec,
  powerStateBefore: string | null,
): PhaseName | null {
  if (isWarm(spec) && phase === 'AddCheckpoint') return 'CopyDisks';
  const order = orderOf(spec);
  for (let index = order.indexOf(phase) + 1; index < order.length; index += 1) {
    const candidate = order[index] as PhaseName;
    if (!skipped(candidate, spec, powerStateBefore)) return candidate;
  }
  return null;
}

/** The phases this VM goes through, in order (for display and for progress in percent); a warm VM's loop once. */
export function itineraryOf(spec: VmExecutionSpec, powerStateBefore: string | null): PhaseName[] {
  return orderOf(spec).filter((phase) => !skipped(phase, spec, powerStateBefore));
}

/** `"42.17%"` -> 42.17; CDI writes `N/A` before the importer reports. */
export function parseProgress(progress: unknown): number | null {
  if (typeof progress !== 'string') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(progress);
  return match ? Math.min(100, Number(match[1])) : null;
}

/** The importer's own words: the first condition that says something is wrong, else any message. */
export function importerMessage(dv: DataVolumeState): string | null {
  const troubled = dv.conditions.find(
    (condition) => condition.message && condition.status !== 'True' && condition.type !== 'Bound',
  );
  const any =
    troubled ?? dv.conditions.find((condition) => condition.message && condition.type === 'Running');
  if (!any?.message) return null;
  return any.reason ? `${any.reason}: ${any.message}` : any.message;
}

/**
 * CDI's verdict that it cannot render the DataVolume into a PVC (ErrClaimNotValid: typically no
 * access mode given and none in the class's StorageProfile). CDI retries with back-off, but
 * nothing changes until the operator does: the copy can never start.
 */
export function claimNotValid(dv: DataVolumeState): string | null {
  const bound = dv.conditions.find((condition) => condition.type === 'Bound');
  if (bound?.reason !== 'ErrClaimNotValid') return null;
  return bound.message ?? 'the PVC cannot be rendered from the DataVolume';
}

function initialDisks(spec: VmExecutionSpec, now: string): DiskCopyState[] {
  return spec.disks.map((disk) => ({
    index: disk.index,
    label: disk.label,
    dataVolume: disk.dataVolume,
    capacityBytes: disk.capacityBytes,
    phase: null,
    progressPct: 0,
    bytesCopied: 0,
    restartCount: 0,
    message: null,
    startedAt: now,
    lastProgressAt: now,
    finishedAt: null,
    released: false,
  }));
}

/** "MAC address … is already used by VirtualMachine ns/name …" for the first VM not ours holding one of `macs`. */
function macClash(
  macs: ReadonlySet<string>,
  owner: ReturnType<typeof ownerLabelsOf>,
  vms: ReadonlyArray<VirtualMachineState & { namespace: string }>,
): string | null {
  for (const other of vms) {
    if (isOwnedBy(other.labels, owner)) continue;
    const clash = other.macAddresses.find((mac) => macs.has(mac.toLowerCase()));
    if (clash)
      return `MAC address ${clash} is already used by VirtualMachine ${other.namespace}/${other.name} in the cluster`;
  }
  return null;
}

/** kubemacpool's refusal of a MAC another VM holds (it names neither). */
const MAC_ALLOCATION_DENIED = /failed to allocate requested mac address/i;

export interface CancelOutcome {
  /** Still waiting for objects to go away or for the source to power on. */
  done: boolean;
  waitMs: number;
  deleted: DeletedObjects[];
  events: StepEvent[];
  /** State to keep until the next cancel pass (a warm VM's snapshot creation seen settled). */
  runtime?: VmRuntime;
}

/**
 * The per-VM cold migration: one handler per phase, each idempotent, each returning what to do next
 * (next phase, wait, fail) and the state to persist with it. No database, no queue, no clock of its
 * own: the caller persists, schedules and passes the time.
 */
export class VmItinerary {
  private readonly warm: WarmPhases;

  constructor(
    private readonly source: MigrationSource,
    private readonly target: TargetCluster,
    private readonly settings: ItinerarySettings,
    private readonly clock: () => number = Date.now,
  ) {
    this.warm = new WarmPhases(source, target, settings, clock);
  }

  async advance(step: VmStep): Promise<StepResult> {
    let outcome: PhaseOutcome;
    try {
      outcome = await this.run(step);
    } catch (error) {
      // Misfits between spec and builders, name clashes and requests the cluster refuses for
      // good (an unknown field, an invalid object, a webhook's denial) are the operator's to
      // fix: fail now instead of retrying what cannot succeed.
      if (
        error instanceof ManifestBuildError ||
        error instanceof TargetConflictError ||
        error instanceof TargetRejectedError
      ) {
        outcome = fail(error.message);
      } else {
        throw error;
      }
    }
    const result: StepResult = { ...outcome, phase: step.phase };
    const { decision } = outcome;
    if (decision.kind === 'next') {
      const powerState = outcome.powerStateBefore ?? step.powerStateBefore;
      const after = decision.goto ?? phaseAfter(step.phase, step.spec, powerState);
      if (after === null) result.finished = true;
      else result.nextPhase = after;
      if (decision.needsCopySlots) result.needsCopySlots = true;
    }
    return result;
  }

  private run(step: VmStep): Promise<PhaseOutcome> {
    switch (step.phase) {
      case 'Preflight':
        return this.preflight(step);
      case 'StorePowerState':
        return this.storePowerState(step);
      case 'PowerOffSource':
        return this.powerOffSource(step);
      case 'WaitForPowerOff':
        return this.waitForPowerOff(step);
      case 'CreateDataVolumes':
        return this.createDataVolumes(step);
      case 'CopyDisks':
      case 'Finalize':
        return this.copyDisks(step);
      case 'ConvertGuest':
        return this.convertGuest(step);
      case 'CreateVM':
        return this.createVm(step);
      case 'WaitForVMReady':
        return this.waitForVmReady(step);
      case 'Completed':
        return this.completed(step);
      case 'CreateInitialSnapshot':
        return this.warm.createInitialSnapshot(step);
      case 'CreateSnapshot':
        return this.warm.createSnapshot(step);
      case 'CreateFinalSnapshot':
        return this.warm.createFinalSnapshot(step);
      case 'WaitForInitialSnapshot':
      case 'WaitForSnapshot':
      case 'WaitForFinalSnapshot':
        return this.warm.waitForSnapshot(step);
      case 'StoreInitialSnapshotDeltas':
      case 'StoreSnapshotDeltas':
        return this.warm.storeSnapshotDeltas(step);
      case 'CopyingPaused':
        return this.warm.copyingPaused(step);
      case 'RemovePreviousSnapshot':
      case 'RemovePenultimateSnapshot':
      case 'RemoveFinalSnapshot':
        return this.warm.removeSnapshot(step);
      case 'WaitForPreviousSnapshotRemoval':
      case 'WaitForPenultimateSnapshotRemoval':
      case 'WaitForFinalSnapshotRemoval':
        return this.warm.waitForSnapshotRemoval(step);
      case 'AddCheckpoint':
        return this.warm.addCheckpoint(step, false);
      case 'AddFinalCheckpoint':
        return this.warm.addCheckpoint(step, true);
    }
  }

  private sourceRef(step: VmStep): string {
    if (!step.runtime.sourceRef)
      throw new Error(`VM ${step.spec.vmKey} has no source reference; Preflight did not run`);
    return step.runtime.sourceRef;
  }

  private async preflight(step: VmStep): Promise<PhaseOutcome> {
    const { spec } = step;
    if (this.settings.vddkInitImage.trim() === '') {
      return fail(
        'no VDDK init image is configured (set VDDK_INIT_IMAGE to the image holding the VDDK library)',
      );
    }
    if (spec.convertGuest && !this.settings.virtV2vImage) {
      return fail('the guest must be converted but no virt-v2v image is configured (set VIRT_V2V_IMAGE)');
    }
    for (const nic of spec.vm.nics) {
      if (nic.network === null) continue;
      if (!Object.hasOwn(spec.networkMap, nic.network)) {
        return fail(
          `NIC "${nic.label}" is on network "${nic.network}", which the plan's network map does not cover`,
        );
      }
    }
    for (const disk of spec.disks) {
      if (!Object.hasOwn(spec.storageMap, disk.datastore)) {
        return fail(
          `disk "${disk.label}" is on datastore "${disk.datastore}", which the plan's storage map does not cover`,
        );
      }
    }
    const served = await this.source.thumbprint();
    if (!sameThumbprint(served, this.settings.vcenter.thumbprint)) {
      return fail(
        `vCenter now presents a certificate with thumbprint ${served}, not the configured ${this.settings.vcenter.thumbprint}; ` +
          'check VSPHERE_THUMBPRINT before any credentials are handed to the importer',
      );
    }
    const found = await this.source.findVmByInstanceUuid(spec.instanceUuid);
    if (!found)
      return fail(`VM "${spec.name}" (instance UUID ${spec.instanceUuid}) no longer exists in vCenter`);
    const live = new Map(found.disks.map((disk) => [disk.backingFile, disk]));
    for (const disk of spec.disks) {
      const current = live.get(disk.backingFile);
      if (!current) {
        return fail(
          `disk "${disk.label}" (${disk.backingFile}) is no longer attached to the VM in vCenter; re-plan the wave`,
        );
      }
      if (current.capacityBytes > disk.capacityBytes) {
        return fail(
          `disk "${disk.label}" (${disk.backingFile}) grew to ${current.capacityBytes} bytes since the plan ` +
            `(${disk.capacityBytes}); re-plan the wave`,
        );
      }
      live.delete(disk.backingFile);
    }
    if (live.size > 0) {
      return fail(
        `vCenter reports disks the plan does not have: ${[...live.keys()].join(', ')}; re-plan the wave`,
      );
    }
    const owner = ownerLabelsOf(step.executionId, spec.vmKey);
    const existing = await this.target.getVirtualMachine(spec.targetNamespace, spec.targetName);
    if (existing && !isOwnedBy(existing.labels, owner)) {
      return fail(
        `VirtualMachine ${spec.targetNamespace}/${spec.targetName} already exists in the cluster; the target name is taken`,
      );
    }
    const macs = new Set(
      spec.vm.nics
        .map((nic) => nic.mac?.toLowerCase())
        .filter((mac): mac is string => typeof mac === 'string' && mac !== ''),
    );
    if (macs.size > 0) {
      const clash = macClash(macs, owner, await this.target.listVirtualMachines());
      if (clash) return fail(clash);
    }
    if (isWarm(spec)) {
      const problem = await this.warm.preflightProblem(step, found.ref);
      if (problem !== null) return fail(problem);
    }
    const runtime: VmRuntime = { ...step.runtime, sourceRef: found.ref };
    if (found.biosUuid) runtime.biosUuid = found.biosUuid;
    if (found.instanceUuid) runtime.instanceUuid = found.instanceUuid;
    if (found.host) {
      runtime.hostInventoryPath = found.host.inventoryPath;
      if (found.host.timeZone) runtime.hostTimeZone = found.host.timeZone;
    }
    if (found.guestNetwork) runtime.guestNetwork = found.guestNetwork;
    if (found.hasTpm !== undefined) runtime.hasTpm = found.hasTpm;
    if (found.nestedHv !== undefined) runtime.nestedHv = found.nestedHv;
    const diskUuids = Object.fromEntries(
      found.disks
        .filter(
          (disk): disk is typeof disk & { uuid: string } => typeof disk.uuid === 'string' && disk.uuid !== '',
        )
        .map((disk) => [disk.backingFile, disk.uuid]),
    );
    if (Object.keys(diskUuids).length > 0) runtime.diskUuids = diskUuids;
    const events: StepEvent[] = [
      { kind: 'info', message: `source VM ${found.ref} found, ${found.powerState}` },
    ];
    if (spec.preference) {
      runtime.preference = await this.findPreference(spec.targetNamespace, spec.preference);
      if (runtime.preference === null) {
        events.push({
          kind: 'warning',
          message:
            `preference "${spec.preference}" exists neither in namespace ${spec.targetNamespace} nor cluster-wide; ` +
            'the VM is created without one (its CPU, memory, firmware and devices are set explicitly)',
        });
      }
    }
    return next({ runtime, events });
  }

  /** Forklift's lookup: a namespaced preference of that name first, then a cluster-wide one. */
  private async findPreference(namespace: string, name: string): Promise<VmRuntime['preference']> {
    if (await this.target.preferenceExists('VirtualMachinePreference', namespace, name)) {
      return { name, kind: 'VirtualMachinePreference' };
    }
    if (await this.target.preferenceExists('VirtualMachineClusterPreference', namespace, name)) {
      return { name, kind: 'VirtualMachineClusterPreference' };
    }
    return null;
  }

  private async storePowerState(step: VmStep): Promise<PhaseOutcome> {
    if (step.powerStateBefore !== null) return next();
    const { powerState } = await this.source.state(this.sourceRef(step));
    return next({
      powerStateBefore: powerState,
      events: [{ kind: 'info', message: `source power state: ${powerState}` }],
    });
  }

  private async powerOffSource(step: VmStep): Promise<PhaseOutcome> {
    const ref = this.sourceRef(step);
    if (step.runtime.shutdownRequestedAt || step.runtime.hardPowerOffAt) return next();
    const { powerState, toolsRunning } = await this.source.state(ref);
    if (powerState === 'poweredOff') return next();
    const now = new Date(this.clock()).toISOString();
    if (powerState === 'poweredOn' && toolsRunning) {
      await this.source.shutdownGuest(ref);
      return next({
        runtime: { ...step.runtime, shutdownRequestedAt: now },
        events: [{ kind: 'info', message: 'guest shutdown requested through VMware Tools' }],
      });
    }
    if (!step.spec.allowHardPowerOff) {
      return fail(
        powerState === 'suspended'
          ? 'the source VM is suspended and cannot shut down gracefully; the plan does not allow a hard power-off'
          : 'VMware Tools is not running in the guest, so it cannot be shut down gracefully; the plan does not allow a hard power-off',
      );
    }
    await this.source.powerOff(ref);
    return next({
      runtime: { ...step.runtime, hardPowerOffAt: now },
      events: [
        {
          kind: 'warning',
          message: `hard power-off (${powerState}, Tools ${toolsRunning ? 'running' : 'not running'})`,
        },
      ],
    });
  }

  private async waitForPowerOff(step: VmStep): Promise<PhaseOutcome> {
    const ref = this.sourceRef(step);
    const { powerState } = await this.source.state(ref);
    if (powerState === 'poweredOff') {
      return next({
        runtime: {
          ...step.runtime,
          sourceOffAt: step.runtime.sourceOffAt ?? new Date(this.clock()).toISOString(),
        },
        events: [{ kind: 'info', message: 'source VM is powered off' }],
      });
    }
    const since =
      Date.parse(step.runtime.shutdownRequestedAt ?? step.runtime.hardPowerOffAt ?? '') ||
      step.phaseStartedAt;
    const waited = this.clock() - since;
    if (waited < this.settings.timings.shutdownTimeoutMs) return wait(this.settings.timings.pollMs);
    if (step.spec.allowHardPowerOff && !step.runtime.hardPowerOffAt) {
      await this.source.powerOff(ref);
      return wait(this.settings.timings.pollMs, {
        runtime: { ...step.runtime, hardPowerOffAt: new Date(this.clock()).toISOString() },
        events: [
          { kind: 'warning', message: `guest did not shut down within ${seconds(waited)}; hard power-off` },
        ],
      });
    }
    return fail(
      `the guest did not shut down within ${seconds(waited)} and is still ${powerState}` +
        (step.spec.allowHardPowerOff ? '' : '; the plan does not allow a hard power-off'),
    );
  }

  private async createDataVolumes(step: VmStep): Promise<PhaseOutcome> {
    const spec = migrationSpecOf(step, this.settings);
    await this.target.ensureSecret(buildCredentialsSecret(spec, this.settings.credentials));
    const events: StepEvent[] = [];
    const previous = new Map(step.disks.map((disk) => [disk.index, disk]));
    const now = new Date(this.clock()).toISOString();
    const disks = initialDisks(step.spec, now);
    let removing = false;
    const byName = new Map(disks.map((disk) => [disk.dataVolume, disk]));
    for (const dataVolume of buildDataVolumes(spec)) {
      const disk = byName.get(dataVolume.metadata.name);
      if (!disk)
        throw new Error(`DataVolume ${dataVolume.metadata.name} is not one of the VM's planned disks`);
      const index = disks.indexOf(disk);
      const before = previous.get(disk.index);
      let existing: DataVolumeState | null;
      if (before === undefined) {
        // A disk the VM has no record of (its first pass): create it at once, and look at what
        // is there only when the cluster answers that it exists (this step ran before a crash).
        const ensured = await this.target.ensureDataVolume(dataVolume);
        if (ensured.created) {
          events.push({ kind: 'info', message: `DataVolume ${dataVolume.metadata.name} created` });
          continue;
        }
        existing = ensured.object;
      } else {
        existing = await this.target.getDataVolume(dataVolume.metadata.namespace, dataVolume.metadata.name);
      }
      const firstCheckpoint = dataVolume.spec.checkpoints?.[0]?.current;
      if (
        existing &&
        firstCheckpoint !== undefined &&
        existing.checkpoints?.[0]?.current !== firstCheckpoint
      ) {
        // A retried warm VM starts its pre-copies over: the last attempt's import goes.
        await this.target.deleteDataVolume(dataVolume.metadata.namespace, dataVolume.metadata.name);
        events.push({
          kind: 'info',
          message: `DataVolume ${dataVolume.metadata.name} of an earlier attempt deleted to import again`,
        });
        removing = true;
        continue;
      }
      if (existing?.phase === 'Failed') {
        // A retry: the failed import is replaced, finished ones are kept and not copied again.
        await this.target.deleteDataVolume(dataVolume.metadata.namespace, dataVolume.metadata.name);
        events.push({
          kind: 'info',
          message: `failed DataVolume ${dataVolume.metadata.name} deleted to import again`,
        });
        removing = true;
        continue;
      }
      if (existing?.phase === 'Succeeded' && before) {
        disks[index] = { ...before, released: false };
        continue;
      }
      // CDI's garbage collection may have removed a finished DataVolume: its PVC is the copy.
      if (
        !existing &&
        before?.phase === 'Succeeded' &&
        (await this.target.pvcImportSucceeded(dataVolume.metadata.namespace, dataVolume.metadata.name))
      ) {
        disks[index] = { ...before, released: false };
        continue;
      }
      // Ours already (ensure checked its labels), copying or copied.
      if (before === undefined) continue;
      const { created } = await this.target.ensureDataVolume(dataVolume);
      if (created) events.push({ kind: 'info', message: `DataVolume ${dataVolume.metadata.name} created` });
    }
    if (removing) return wait(this.settings.timings.pollMs, { disks, events });
    return next({ disks, events });
  }

  private async copyDisks(step: VmStep): Promise<PhaseOutcome> {
    const { spec } = step;
    const nowMs = this.clock();
    const now = new Date(nowMs).toISOString();
    const events: StepEvent[] = [];
    const released: number[] = [];
    const disks: DiskCopyState[] = [];
    const restartLimit = this.settings.importerRestartLimit ?? DEFAULT_IMPORTER_RESTART_LIMIT;
    const copiedElsewhere = new Map(
      spec.disks.filter((disk) => disk.copiedBy).map((disk) => [disk.index, disk.copiedBy as string]),
    );
    let failure: string | null = null;
    // A warm VM copies one checkpoint per pass through CopyDisks (Finalize: the last one).
    const checkpoint: CheckpointCopy | null = this.warm.checkpointOf(step);
    for (const current of step.disks) {
      if (current.released) {
        disks.push(current);
        continue;
      }
      const copier = copiedElsewhere.get(current.index);
      const dv = await this.target.getDataVolume(spec.targetNamespace, current.dataVolume);
      const disk: DiskCopyState = { ...current };
      disks.push(disk);
      const finished = checkpoint
        ? await this.warm.checkpointCopied(step, checkpoint, dv, current.dataVolume)
        : dv?.phase === 'Succeeded' ||
          (!dv && (await this.target.pvcImportSucceeded(spec.targetNamespace, current.dataVolume)));
      if (finished) {
        disk.phase = dv?.phase ?? 'Succeeded';
        // CDI reports a delta's progress against the whole disk: where it ended is the delta's size.
        // (Succeeded writes 100%: then the last figure seen during the copy is the best there is.)
        disk.progressPct = checkpoint?.delta
          ? Math.max(
              dv?.phase === 'Succeeded' ? 0 : (dv?.progressPct ?? 0),
              disk.runMaxPct ?? 0,
              disk.progressPct,
            )
          : 100;
        disk.bytesCopied = disk.capacityBytes;
        disk.finishedAt = now;
        disk.released = true;
        // A shared disk another VM copies took no slot of this VM's.
        if (copier === undefined) released.push(disk.index);
        events.push({
          kind: 'info',
          message:
            copier !== undefined
              ? `shared disk "${disk.label}" copied by VM ${copier}`
              : checkpoint?.delta
                ? `disk "${disk.label}": changes up to ${checkpoint.current} copied`
                : `disk "${disk.label}" copied (${disk.capacityBytes} bytes)`,
        });
        continue;
      }
      if (!dv) {
        if (copier !== undefined) {
          failure ??= this.stalled(disk, nowMs, 'not created yet by the VM that copies it');
          continue;
        }
        failure ??= `DataVolume ${spec.targetNamespace}/${current.dataVolume} (disk "${current.label}") disappeared during the copy`;
        continue;
      }
      const invalidClaim = claimNotValid(dv);
      if (invalidClaim !== null && copier === undefined) {
        const datastore = spec.disks.find((planned) => planned.index === current.index)?.datastore ?? '';
        const storageClass = spec.storageMap[datastore]?.storageClass;
        disk.message = `ErrClaimNotValid: ${invalidClaim}`;
        failure ??=
          `disk "${disk.label}" (DataVolume ${dv.name}) cannot get a PVC on storage class "${storageClass ?? 'unknown'}": ` +
          `CDI reports ErrClaimNotValid: ${invalidClaim}; give the storage map an access mode (and volume mode) ` +
          `for datastore "${datastore}", or complete that class's StorageProfile (claimPropertySets)`;
        continue;
      }
      const message = importerMessage(dv);
      disk.phase = dv.phase;
      disk.message = message;
      if (dv.restartCount > disk.restartCount) {
        events.push({
          kind: 'warning',
          message: `importer of disk "${disk.label}" restarted (restart ${dv.restartCount})${message ? `: ${message}` : ''}`,
        });
        disk.restartCount = dv.restartCount;
        // The new importer copies from 0%: the stall clock restarts with it, and the old maximum
        // no longer says anything about this run.
        disk.runMaxPct = 0;
        disk.lastProgressAt = now;
        if (dv.progressPct === null) {
          disk.progressPct = 0;
          disk.bytesCopied = 0;
        }
      }
      if (dv.phase === 'Failed') {
        failure ??= `import of disk "${disk.label}" (DataVolume ${dv.name}) failed: ${message ?? 'the importer gave no reason'}`;
        continue;
      }
      if (copier === undefined && dv.restartCount > restartLimit) {
        failure ??=
          `import of disk "${disk.label}" (DataVolume ${dv.name}) failed: the importer restarted ${dv.restartCount} times ` +
          `(limit ${restartLimit}); last message: ${message ?? 'none'}`;
        continue;
      }
      const pct = dv.progressPct;
      if (pct !== null) {
        // What CDI reports now, even below an earlier run's figure: never ahead of the real copy.
        disk.progressPct = pct;
        // A delta's percentage is of the changed blocks: the disk as a whole stays copied.
        if (!checkpoint?.delta) disk.bytesCopied = Math.floor((disk.capacityBytes * pct) / 100);
        if (pct > (disk.runMaxPct ?? current.progressPct)) {
          disk.runMaxPct = pct;
          disk.lastProgressAt = now;
        }
      }
      const stall = this.stalled(
        disk,
        nowMs,
        `DataVolume phase ${dv.phase ?? 'unknown'}${message ? `; ${message}` : ''}`,
      );
      if (stall !== null) failure ??= stall;
    }
    if (failure !== null) return fail(failure, { disks, events, releasedDisks: released });
    if (disks.every((disk) => disk.released)) {
      if (!checkpoint) return next({ disks, events, releasedDisks: released });
      const stage = this.warm.stageCopied(step, step.runtime, disks);
      return next({
        disks,
        runtime: stage.runtime,
        events: [...events, ...stage.events],
        releasedDisks: released,
      });
    }
    return wait(this.settings.timings.copyPollMs, { disks, events, releasedDisks: released });
  }

  /** The failure message when the copy has not moved for the stall timeout, else null. */
  private stalled(disk: DiskCopyState, nowMs: number, detail: string): string | null {
    const still = nowMs - Date.parse(disk.lastProgressAt ?? disk.startedAt ?? new Date(nowMs).toISOString());
    if (still <= this.settings.timings.copyStallTimeoutMs) return null;
    return `copy of disk "${disk.label}" stalled: no progress for ${seconds(still)} at ${disk.progressPct}% (${detail})`;
  }

  private async convertGuest(step: VmStep): Promise<PhaseOutcome> {
    const image = this.settings.virtV2vImage;
    if (!image) return fail('no virt-v2v image is configured (set VIRT_V2V_IMAGE)');
    const spec = migrationSpecOf(step, this.settings);
    const names = vmObjectNames(spec);
    const existing = await this.target.getPod(names.namespace, names.guestConversionPod);
    const runtime = { ...step.runtime };
    if (existing?.terminating) {
      // The pod of an earlier attempt (a retry after a failure or a timeout) is still in its
      // grace period: its phase is not this attempt's, and its name is taken until it is gone.
      // Its clock is not this attempt's either: the timeout counts from the new pod.
      delete runtime.conversionStartedAt;
      return wait(this.settings.timings.pollMs, { runtime });
    }
    let phase = existing?.phase ?? null;
    let message = existing?.message ?? null;
    const events: StepEvent[] = [];
    if (!existing) {
      const pvcs = [];
      // A shared disk another VM copies is converted (if at all) by that VM's pod, which holds it.
      const copiedHere = new Set(step.spec.disks.filter((disk) => !disk.copiedBy).map((disk) => disk.index));
      for (const disk of step.disks.filter((candidate) => copiedHere.has(candidate.index))) {
        const volumeMode =
          (await this.target.pvcVolumeMode(names.namespace, disk.dataVolume)) ?? 'Filesystem';
        pvcs.push({ name: disk.dataVolume, volumeMode });
      }
      const pod = buildGuestConversionPod(spec, pvcs, { image, vcenterUser: this.settings.credentials.user });
      const ensured = await this.target.ensurePod(pod);
      phase = ensured.object.phase;
      message = ensured.object.message;
      // A retry's new pod starts a new clock (the earlier attempt's may have timed out).
      if (ensured.created || !runtime.conversionStartedAt)
        runtime.conversionStartedAt = new Date(this.clock()).toISOString();
      events.push({
        kind: 'info',
        message: `guest conversion pod ${pod.metadata.name} created (virt-v2v-in-place)`,
      });
    }
    if (phase === 'Succeeded')
      return next({ runtime, events: [...events, { kind: 'info', message: 'guest converted' }] });
    if (phase === 'Failed')
      return fail(`guest conversion failed: ${message ?? 'the pod gave no reason'}`, { runtime, events });
    const since = Date.parse(runtime.conversionStartedAt ?? '') || step.phaseStartedAt;
    if (this.clock() - since > this.settings.timings.conversionTimeoutMs) {
      return fail(
        `guest conversion did not finish within ${seconds(this.settings.timings.conversionTimeoutMs)}`,
        { runtime },
      );
    }
    // The conversion runs for minutes; the executor's Pod watch wakes the VM when it ends.
    return wait(this.settings.timings.copyPollMs, { runtime, events });
  }

  private async createVm(step: VmStep): Promise<PhaseOutcome> {
    const spec = migrationSpecOf(step, this.settings);
    const names = vmObjectNames(spec);
    const vm = buildVirtualMachine(
      spec,
      step.spec.disks.map((disk) => ({ metadata: { name: disk.dataVolume } })),
    );
    let ensured: Awaited<ReturnType<TargetCluster['ensureVirtualMachine']>>;
    try {
      ensured = await this.target.ensureVirtualMachine(vm);
    } catch (error) {
      if (error instanceof TargetRejectedError && MAC_ALLOCATION_DENIED.test(error.detail)) {
        return fail(await this.macDenial(step, vm, error));
      }
      throw error;
    }
    const patch = buildOwnerReferencePatch({ metadata: { name: vm.metadata.name, uid: ensured.object.uid } });
    const deleted: string[] = [];
    // A shared disk stays owned by the VM that copied it: a merge patch here would take it away.
    for (const disk of step.spec.disks.filter((candidate) => !candidate.copiedBy)) {
      const dv = await this.target.getDataVolume(names.namespace, disk.dataVolume);
      await this.target.patchPvcOwner(names.namespace, dv?.claimName ?? disk.dataVolume, patch);
      // As Forklift: the VM references the PVC, and a DataVolume left behind over a PVC it no
      // longer controls is flagged by CDI on every reconcile. Gone already when CDI collected it.
      if (dv) {
        await this.target.deleteDataVolume(names.namespace, disk.dataVolume);
        deleted.push(disk.dataVolume);
      }
    }
    return next({
      runtime: {
        ...step.runtime,
        vmUid: ensured.object.uid,
        vmCreatedAt: step.runtime.vmCreatedAt ?? new Date(this.clock()).toISOString(),
      },
      events: [
        {
          kind: 'info',
          message:
            `VirtualMachine ${names.namespace}/${vm.metadata.name} ${ensured.created ? 'created' : 'found'} (runStrategy ${vm.spec.runStrategy}); disks now owned by it` +
            (deleted.length > 0 ? `; DataVolumes ${deleted.join(', ')} deleted, their PVCs kept` : ''),
        },
      ],
    });
  }

  /**
   * kubemacpool refused the VM because another VM took one of its MACs after Preflight checked:
   * say which MAC and which VM, from a fresh list (the refusal names neither).
   */
  private async macDenial(
    step: VmStep,
    vm: ReturnType<typeof buildVirtualMachine>,
    error: TargetRejectedError,
  ): Promise<string> {
    const macs = new Set(
      vm.spec.template.spec.domain.devices.interfaces
        .map((entry) => entry.macAddress?.toLowerCase())
        .filter((mac): mac is string => typeof mac === 'string' && mac !== ''),
    );
    const owner = ownerLabelsOf(step.executionId, step.spec.vmKey);
    const clash = macClash(macs, owner, await this.target.listVirtualMachines({ fresh: true }));
    const refused = `the cluster refused VirtualMachine ${vm.metadata.namespace}/${vm.metadata.name}: ${error.detail}`;
    return clash
      ? `${clash} (taken after Preflight checked); ${refused}`
      : `${refused} (no other VirtualMachine holds its MACs ${[...macs].join(', ')} now; retry the VM)`;
  }

  private async waitForVmReady(step: VmStep): Promise<PhaseOutcome> {
    const { spec } = step;
    const vm = await this.target.getVirtualMachine(spec.targetNamespace, spec.targetName);
    if (!vm)
      return fail(
        `VirtualMachine ${spec.targetNamespace}/${spec.targetName} disappeared before it was ready`,
      );
    if (vm.ready) return next({ events: [{ kind: 'info', message: 'VirtualMachine is ready' }] });
    const waited = this.clock() - step.phaseStartedAt;
    if (waited > this.settings.timings.vmReadyTimeoutMs) {
      return fail(
        `VirtualMachine did not become ready within ${seconds(waited)} (status ${vm.printableStatus ?? 'unknown'})`,
      );
    }
    return wait(this.settings.timings.pollMs);
  }

  private async completed(step: VmStep): Promise<PhaseOutcome> {
    const names = vmObjectNames(migrationSpecOf(step, this.settings));
    // The credentials are only needed by the importer and the conversion pod: none is left behind.
    await this.target.deleteSecret(names.namespace, names.credentialsSecret);
    if (step.spec.convertGuest) await this.target.deletePod(names.namespace, names.guestConversionPod);
    return next({ events: [{ kind: 'info', message: 'migration completed' }] });
  }

  /**
   * After a failure: the credentials go, copies still running or failed are deleted (their slots
   * are given back, and CDI's populator claims and importer pods go with them), finished copies
   * stay so a retry does not copy them again.
   */
  async afterFailure(step: VmStep): Promise<StepEvent[]> {
    const { spec } = step;
    const names = vmObjectNames(migrationSpecOf(step, this.settings));
    const events: StepEvent[] = [];
    await this.target.deleteSecret(names.namespace, names.credentialsSecret);
    const copiedElsewhere = new Set(spec.disks.filter((disk) => disk.copiedBy).map((disk) => disk.index));
    for (const disk of step.disks) {
      if (disk.released || copiedElsewhere.has(disk.index)) continue;
      const dv = await this.target.getDataVolume(spec.targetNamespace, disk.dataVolume);
      if (dv && dv.phase !== 'Succeeded') {
        await this.target.deleteDataVolume(spec.targetNamespace, disk.dataVolume);
        events.push({
          kind: 'info',
          message: `${dv.phase === 'Failed' ? 'failed' : 'unfinished'} copy ${disk.dataVolume} deleted`,
        });
      }
    }
    if (spec.convertGuest) await this.target.deletePod(names.namespace, names.guestConversionPod);
    // No snapshot is left behind (Forklift's removeLastWarmSnapshot): a retry starts the pre-copies over.
    if (isWarm(spec) && step.runtime.sourceRef) {
      const removal = await this.warm.removeOurSnapshots(step.runtime.sourceRef);
      events.push(...removal.events);
      if (removal.pending > 0)
        events.push({ kind: 'info', message: `removal of ${removal.pending} snapshot(s) started` });
    }
    return events;
  }

  /** Removes what this execution created for the VM and powers the source back on if it was on. */
  async cancel(step: VmStep): Promise<CancelOutcome> {
    const { spec } = step;
    const owner = ownerLabelsOf(step.executionId, spec.vmKey);
    const events: StepEvent[] = [];
    // The claims this VM's DataVolumes fill: CDI's populator claims and importer pods hang off them.
    const claims = spec.disks.filter((disk) => !disk.copiedBy).map((disk) => disk.dataVolume);
    const deleted = await this.target.deleteOwned(spec.targetNamespace, owner, claims);
    if (deleted.length > 0) {
      events.push({
        kind: 'info',
        message: `deleted ${deleted.map((object) => `${object.kind} ${object.name}`).join(', ')}`,
      });
    }
    const remaining = await this.target.countOwned(spec.targetNamespace, owner, claims);
    if (remaining > 0) return { done: false, waitMs: this.settings.timings.pollMs, deleted, events };
    const snapshots = await this.warm.cancelSnapshots(step);
    events.push(...snapshots.events);
    if (!snapshots.done) {
      return {
        done: false,
        waitMs: this.settings.timings.pollMs,
        deleted,
        events,
        runtime: snapshots.runtime,
      };
    }
    if (step.powerStateBefore === 'poweredOn' && step.runtime.sourceRef) {
      const { powerState } = await this.source.state(step.runtime.sourceRef);
      if (powerState !== 'poweredOn') {
        await this.source.powerOn(step.runtime.sourceRef);
        events.push({ kind: 'info', message: 'source VM powered back on' });
      }
    }
    return { done: true, waitMs: 0, deleted, events };
  }
}
