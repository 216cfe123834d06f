import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  type AssessmentSummary,
  type CountedToBasis,
  type Disposition,
  NO_CLUSTER,
  type VmAssessment,
} from '#libs/assessment';
import type { Page } from './inventory-store.js';
import { containsLikePattern } from './like-pattern.js';
import { SqlConditions } from './sql-conditions.js';

export interface AssessmentRecord {
  id: string;
  inventoryId: string;
  policyHash: string;
  assessedAt: string;
  /** The instant ages were counted to; null for assessments made before it was recorded. */
  countedTo: string | null;
  countedToBasis: CountedToBasis | null;
  createdAt: string;
  summary: AssessmentSummary;
}

export interface AssessmentVmFilter {
  disposition?: Disposition | undefined;
  concern?: string | undefined;
  effort?: string | undefined;
  search?: string | undefined;
  inScope?: boolean | undefined;
  /** True: the VMs that can move warm; false: those that cannot (or were assessed before it was checked). */
  warmReady?: boolean | undefined;
  /** A cluster name; `(no cluster)` finds the VMs the export places in none. */
  cluster?: string | undefined;
  /** An OS family (`rhel`, `windows`, ...). */
  os?: string | undefined;
}

/** The columns the assessment table filters on, whose distinct values the filter lists offer. */
export const ASSESSMENT_VM_FACETS = ['disposition', 'effort', 'concern', 'cluster', 'os'] as const;
export type AssessmentVmFacet = (typeof ASSESSMENT_VM_FACETS)[number];
/** Each facet's distinct values with the number of VMs having them, most frequent first. */
export type AssessmentVmFacets = Record<AssessmentVmFacet, Array<{ value: string; count: number }>>;

/**
 * The value each facet filters on, as `listVms` compares it: a VM counts once per concern id, and
 * a VM in no cluster under `(no cluster)`. Only these expressions reach SQL.
 */
const FACET_VALUES: Record<AssessmentVmFacet, string> = {
  disposition: 'disposition',
  effort: 'effort',
  concern: 'unnest(concern_ids)',
  cluster: 'coalesce(cluster, $2)',
  os: 'os_family',
};

export const ASSESSMENT_VM_SORT_KEYS = ['name', 'disposition', 'effort', 'score', 'os', 'concerns'] as const;
export type AssessmentVmSortKey = (typeof ASSESSMENT_VM_SORT_KEYS)[number];
/** A sort key, `-` first for descending. */
export type AssessmentVmSort = AssessmentVmSortKey | `-${AssessmentVmSortKey}`;

/** Only these expressions reach ORDER BY: the sort key never becomes SQL text itself. */
const SORT_EXPRESSIONS: Record<AssessmentVmSortKey, string> = {
  name: 'name',
  disposition: 'disposition',
  // Effort reads low < medium < high, not alphabetically.
  effort: "array_position(ARRAY['low', 'medium', 'high'], effort)",
  score: 'score',
  os: 'os_family',
  concerns: 'cardinality(concern_ids)',
};

function orderBy(sort: AssessmentVmSort | undefined): string {
  if (!sort) return 'ordinal';
  const descending = sort.startsWith('-');
  const key = (descending ? sort.slice(1) : sort) as AssessmentVmSortKey;
  // The export's order breaks ties, in both directions, so paging through equal keys is stable.
  return `${SORT_EXPRESSIONS[key]} ${descending ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}, ordinal`;
}

/** The SQL condition of a filter of the assessment's VMs, with its parameters ($1 the assessment). */
function vmConditions(
  assessmentId: string,
  filter: AssessmentVmFilter,
): { where: string; params: unknown[] } {
  const conditions = new SqlConditions('assessment_id = ?', assessmentId);
  if (filter.disposition) conditions.add('disposition = ?', filter.disposition);
  if (filter.effort) conditions.add('effort = ?', filter.effort);
  if (filter.concern) conditions.add('? = ANY(concern_ids)', filter.concern);
  if (filter.search) conditions.add(`name ILIKE ? ESCAPE '\\'`, containsLikePattern(filter.search));
  if (filter.cluster === NO_CLUSTER) conditions.addLiteral('cluster IS NULL');
  else if (filter.cluster) conditions.add('cluster = ?', filter.cluster);
  if (filter.os) conditions.add('os_family = ?', filter.os);
  if (filter.inScope !== undefined)
    conditions.addLiteral(filter.inScope ? 'out_of_scope IS NULL' : 'out_of_scope IS NOT NULL');
  if (filter.warmReady !== undefined)
    conditions.addLiteral(filter.warmReady ? 'warm_ready IS TRUE' : 'warm_ready IS NOT TRUE');
  return { where: conditions.where, params: conditions.params };
}

/** One VM as a row of the assessment table (see `listVmRows`). */
export interface AssessmentVmRow {
  vmKey: string;
  name: string;
  disposition: Disposition;
  /** The disposition a person set, when one did (it is also `disposition`). */
  overriddenTo: Disposition | null;
  effort: VmAssessment['effort'];
  score: number;
  osFamily: string;
  osName: string | null;
  concerns: number;
}

export interface VmOverride {
  disposition: Disposition;
  comment: string;
  by: string | null;
  at: string;
}

export interface StoredPolicy {
  name: string;
  document: unknown;
  policyHash: string;
  updatedAt: string;
  updatedBy: string | null;
}

const BATCH_SIZE = 1000;

function toRecord(row: Record<string, unknown>): AssessmentRecord {
  return {
    id: String(row.id),
    inventoryId: String(row.inventory_id),
    policyHash: String(row.policy_hash),
    assessedAt: new Date(row.assessed_at as string).toISOString(),
    countedTo: row.counted_to ? new Date(row.counted_to as string).toISOString() : null,
    countedToBasis: (row.counted_to_basis as CountedToBasis | null) ?? null,
    createdAt: new Date(row.created_at as string).toISOString(),
    summary: row.summary as AssessmentSummary,
  };
}

/** Owns every query on assessments, their VMs, overrides and stored policies. */
export class AssessmentStore {
  constructor(private readonly dataSource: DataSource) {}

  async save(input: {
    inventoryId: string;
    policy: unknown;
    policyHash: string;
    assessedAt: Date;
    countedTo?: { at: string; basis: CountedToBasis } | null;
    summary: AssessmentSummary;
    vms: VmAssessment[];
  }): Promise<string> {
    const id = randomUUID();
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO assessments (id, inventory_id, policy, policy_hash, summary, assessed_at, counted_to, counted_to_basis)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          id,
          input.inventoryId,
          JSON.stringify(input.policy),
          input.policyHash,
          JSON.stringify(input.summary),
          input.assessedAt,
          input.countedTo?.at ?? null,
          input.countedTo?.basis ?? null,
        ],
      );
      for (let start = 0; start < input.vms.length; start += BATCH_SIZE) {
        const batch = input.vms.slice(start, start + BATCH_SIZE).map((vm, index) => ({
          vm_key: vm.vmKey,
          ordinal: start + index,
          name: vm.name,
          disposition: vm.disposition,
          out_of_scope: vm.outOfScope,
          effort: vm.effort,
          score: vm.score,
          concern_ids: vm.concerns.map((concern) => concern.id),
          os_family: vm.os.family,
          warm_ready: vm.warm.ready,
          data: vm,
        }));
        // The cluster comes from the inventory's VM: the verdict does not repeat it.
        await manager.query(
          `INSERT INTO assessment_vms (assessment_id, vm_key, ordinal, name, disposition, out_of_scope, effort, score, concern_ids, os_family, warm_ready, cluster, data)
           SELECT $1, r.vm_key, r.ordinal, r.name, r.disposition, r.out_of_scope, r.effort, r.score,
             ARRAY(SELECT json_array_elements_text(r.concern_ids)), r.os_family, r.warm_ready, iv.cluster, r.data
           FROM json_to_recordset($2::json) AS r(vm_key text, ordinal int, name text, disposition text,
             out_of_scope text, effort text, score int, concern_ids json, os_family text, warm_ready boolean, data jsonb)
           LEFT JOIN inventory_vms iv ON iv.inventory_id = $3 AND iv.vm_key = r.vm_key`,
          [id, JSON.stringify(batch), input.inventoryId],
        );
      }
    });
    return id;
  }

  async get(id: string): Promise<(AssessmentRecord & { policy: unknown }) | null> {
    const rows = await this.dataSource.query(
      'SELECT id, inventory_id, policy_hash, assessed_at, counted_to, counted_to_basis, created_at, summary, policy FROM assessments WHERE id = $1',
      [id],
    );
    return rows[0] ? { ...toRecord(rows[0]), policy: rows[0].policy } : null;
  }

  async listForInventory(inventoryId: string): Promise<AssessmentRecord[]> {
    const rows = await this.dataSource.query(
      `SELECT id, inventory_id, policy_hash, assessed_at, counted_to, counted_to_basis, created_at, summary FROM assessments
       WHERE inventory_id = $1 ORDER BY created_at DESC, id`,
      [inventoryId],
    );
    return rows.map(toRecord);
  }

  async latestForInventory(inventoryId: string): Promise<AssessmentRecord | null> {
    return (await this.listForInventory(inventoryId))[0] ?? null;
  }

  async listVms(
    assessmentId: string,
    filter: AssessmentVmFilter,
    offset: number,
    limit: number,
    sort?: AssessmentVmSort,
  ): Promise<Page<VmAssessment>> {
    const { where, params } = vmConditions(assessmentId, filter);
    const total = await this.countVms(where, params);
    const rows: Array<{ data: VmAssessment }> = await this.dataSource.query(
      `SELECT data FROM assessment_vms WHERE ${where} ORDER BY ${orderBy(sort)} LIMIT ${Number(limit)} OFFSET ${Number(offset)}`,
      params,
    );
    return { total, offset, limit, items: rows.map((row) => row.data) };
  }

  /**
   * The same VMs, filters, order and paging as `listVms`, each as the row of a table: its columns
   * and a few fields of the verdict, not the whole verdict (~2 KB a VM).
   */
  async listVmRows(
    assessmentId: string,
    filter: AssessmentVmFilter,
    offset: number,
    limit: number,
    sort?: AssessmentVmSort,
  ): Promise<Page<AssessmentVmRow>> {
    const { where, params } = vmConditions(assessmentId, filter);
    const total = await this.countVms(where, params);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT vm_key, name, disposition, data->'override'->>'disposition' AS overridden_to, effort, score,
         os_family, data->'os'->>'osName' AS os_name, cardinality(concern_ids) AS concerns
       FROM assessment_vms WHERE ${where} ORDER BY ${orderBy(sort)} LIMIT ${Number(limit)} OFFSET ${Number(offset)}`,
      params,
    );
    return {
      total,
      offset,
      limit,
      items: rows.map((row) => ({
        vmKey: String(row.vm_key),
        name: String(row.name),
        disposition: row.disposition as Disposition,
        overriddenTo: (row.overridden_to as Disposition | null) ?? null,
        effort: (row.effort as VmAssessment['effort']) ?? null,
        score: Number(row.score),
        osFamily: String(row.os_family ?? ''),
        osName: (row.os_name as string | null) ?? null,
        concerns: Number(row.concerns ?? 0),
      })),
    };
  }

  private async countVms(where: string, params: unknown[]): Promise<number> {
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM assessment_vms WHERE ${where}`,
      params,
    );
    return total;
  }

  /** The distinct values of every facet among the assessment's VMs, counted in one pass of SQL. */
  async vmFacets(assessmentId: string): Promise<AssessmentVmFacets> {
    const selects = ASSESSMENT_VM_FACETS.map(
      (facet) =>
        // A VM counts once per value, even were a concern id listed twice in its verdict.
        `SELECT '${facet}' AS facet, value, count(DISTINCT vm_key)::int AS count
         FROM (SELECT vm_key, ${FACET_VALUES[facet]} AS value FROM assessment_vms WHERE assessment_id = $1) AS facet_values
         WHERE value IS NOT NULL GROUP BY value`,
    );
    const rows: Array<{ facet: AssessmentVmFacet; value: string; count: number }> =
      await this.dataSource.query(`${selects.join(' UNION ALL ')} ORDER BY facet, count DESC, value`, [
        assessmentId,
        NO_CLUSTER,
      ]);
    const facets: AssessmentVmFacets = { disposition: [], effort: [], concern: [], cluster: [], os: [] };
    for (const row of rows) facets[row.facet].push({ value: row.value, count: row.count });
    return facets;
  }

  async allVms(assessmentId: string): Promise<VmAssessment[]> {
    const rows: Array<{ data: VmAssessment }> = await this.dataSource.query(
      'SELECT data FROM assessment_vms WHERE assessment_id = $1 ORDER BY ordinal',
      [assessmentId],
    );
    return rows.map((row) => row.data);
  }

  async getVm(assessmentId: string, vmKey: string): Promise<VmAssessment | null> {
    const rows: Array<{ data: VmAssessment }> = await this.dataSource.query(
      'SELECT data FROM assessment_vms WHERE assessment_id = $1 AND vm_key = $2',
      [assessmentId, vmKey],
    );
    return rows[0]?.data ?? null;
  }

  /** Rewrites one VM's stored verdict (after an override) and the assessment's summary. */
  async replaceVm(assessmentId: string, vm: VmAssessment, summary: AssessmentSummary): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE assessment_vms SET disposition = $3, effort = $4, score = $5, concern_ids = $6, data = $7
         WHERE assessment_id = $1 AND vm_key = $2`,
        [
          assessmentId,
          vm.vmKey,
          vm.disposition,
          vm.effort,
          vm.score,
          vm.concerns.map((c) => c.id),
          JSON.stringify(vm),
        ],
      );
      await manager.query('UPDATE assessments SET summary = $2 WHERE id = $1', [
        assessmentId,
        JSON.stringify(summary),
      ]);
    });
  }

  async overridesFor(inventoryId: string): Promise<Map<string, VmOverride>> {
    const rows = await this.dataSource.query(
      'SELECT vm_key, disposition, comment, set_by, set_at FROM vm_overrides WHERE inventory_id = $1',
      [inventoryId],
    );
    return new Map(
      rows.map((row: Record<string, unknown>) => [
        String(row.vm_key),
        {
          disposition: row.disposition as Disposition,
          comment: String(row.comment),
          by: (row.set_by as string | null) ?? null,
          at: new Date(row.set_at as string).toISOString(),
        },
      ]),
    );
  }

  async setOverride(inventoryId: string, vmKey: string, override: VmOverride | null): Promise<void> {
    if (!override) {
      await this.dataSource.query('DELETE FROM vm_overrides WHERE inventory_id = $1 AND vm_key = $2', [
        inventoryId,
        vmKey,
      ]);
      return;
    }
    await this.dataSource.query(
      `INSERT INTO vm_overrides (inventory_id, vm_key, disposition, comment, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (inventory_id, vm_key) DO UPDATE SET disposition = $3, comment = $4, set_by = $5, set_at = $6`,
      [inventoryId, vmKey, override.disposition, override.comment, override.by, override.at],
    );
  }

  async getPolicy(name: string): Promise<StoredPolicy | null> {
    const rows = await this.dataSource.query(
      'SELECT name, document, policy_hash, updated_at, updated_by FROM policies WHERE name = $1',
      [name],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      name: row.name,
      document: row.document,
      policyHash: row.policy_hash,
      updatedAt: new Date(row.updated_at).toISOString(),
      updatedBy: row.updated_by ?? null,
    };
  }

  async putPolicy(name: string, document: unknown, policyHash: string, by: string | null): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO policies (id, name, document, policy_hash, updated_at, updated_by) VALUES ($1, $2, $3, $4, now(), $5)
       ON CONFLICT (name) DO UPDATE SET document = $3, policy_hash = $4, updated_at = now(), updated_by = $5`,
      [randomUUID(), name, JSON.stringify(document), policyHash, by],
    );
  }
}
