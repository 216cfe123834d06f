import type { Inventory } from '#libs/inventory';
import type { AssessmentPolicy } from './policy.js';
import { addToTotals, emptySizingTotals, withWorkerNodes } from './sizing.js';
import type { AssessmentSummary, Effort, SizingTotals, VmAssessment } from './types.js';

/** Cluster key for VMs the export places in no cluster (stand-alone hosts). */
export const NO_CLUSTER = '(no cluster)';

/**
 * Counts and totals over assessed VMs. Dispositions, out-of-scope and concern counts cover every
 * VM; OS families cover VMs in scope; effort, sizing and transfer cover the VMs to rehost, since
 * that is what the target cluster must hold and what the waves must copy. Call it again after an
 * override changes a disposition.
 */
export function summarizeAssessment(
  inventory: Inventory,
  vms: readonly VmAssessment[],
  policy: AssessmentPolicy,
): AssessmentSummary {
  const clusterOf = new Map<string, string | null>();
  for (const vm of inventory.vms) clusterOf.set(vm.key, vm.cluster);
  const counts = { rehost: 0, retain: 0, retire: 0, templates: 0, outOfScope: 0 };
  const byEffort: Record<Effort, number> = { low: 0, medium: 0, high: 0 };
  const byOsFamily: Record<string, number> = {};
  const byConcern: Record<string, number> = {};
  const estate = emptySizingTotals();
  const byCluster: Record<string, SizingTotals> = {};
  let dataMiB = 0;
  let warmReady = 0;
  for (const assessment of vms) {
    counts[assessment.disposition] += 1;
    if (assessment.outOfScope !== null) counts.outOfScope += 1;
    if (assessment.outOfScope === 'template') counts.templates += 1;
    else if (assessment.outOfScope === null) increment(byOsFamily, assessment.os.family);
    // Rules raise at most one concern per id per VM, so this counts VMs.
    for (const concern of assessment.concerns) increment(byConcern, concern.id);
    if (assessment.disposition !== 'rehost') continue;
    byEffort[assessment.effort] += 1;
    // Assessments stored before warm readiness existed carry none: not ready.
    if (assessment.warm?.ready === true) warmReady += 1;
    addToTotals(estate, assessment.sizing);
    const cluster = clusterOf.get(assessment.vmKey) ?? NO_CLUSTER;
    byCluster[cluster] ??= emptySizingTotals();
    addToTotals(byCluster[cluster], assessment.sizing);
    dataMiB += assessment.transfer.dataMiB;
  }
  return {
    vms: vms.length,
    rehost: counts.rehost,
    retain: counts.retain,
    retire: counts.retire,
    templates: counts.templates,
    outOfScope: counts.outOfScope,
    byEffort,
    byOsFamily: sorted(byOsFamily),
    byConcern: sorted(byConcern),
    sizing: {
      estate: withWorkerNodes(estate, policy),
      byCluster: Object.fromEntries(
        Object.keys(byCluster)
          .sort()
          .map((cluster) => [cluster, withWorkerNodes(byCluster[cluster], policy)]),
      ),
    },
    transfer: {
      dataMiB,
      // The estate's data through one ESXi host's throughput: the serial figure, before the wave
      // planner spreads copies over hosts.
      hoursAtHostThroughput: dataMiB / policy.transfer.perHostMiBps / 3600,
    },
    warmReady,
  };
}

function increment(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]),
  );
}
