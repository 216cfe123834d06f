import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type {
  AbandonOutcome,
  EditOutcome,
  ExecutionView,
  ExecutionVmView,
  ImportEditsOutcome,
  ImportResult,
  PlanView,
} from '#libs/application';
import type { VmAssessment } from '#libs/assessment';
import type {
  ApiTokenRecord,
  AssessmentRecord,
  AuditEntry,
  ExecutionEventRecord,
  InventoryDetail,
  PlanSummaryRecord,
  VmListItem,
} from '#libs/persistence';
import { apiToken, auditEntry } from './access.schemas.js';
import { assessmentRecord, vmAssessment } from './assessments.schemas.js';
import { documentSchema, SchemaValidationPipe } from './contract.js';
import { abandonOutcome, executionEvent, executionView, executionVm } from './executions.schemas.js';
import { importResult, inventoryDetail, vmListItem } from './inventories.schemas.js';
import { editOutcome, editsBody, importEditsOutcome, planSummary, planView } from './plans.schemas.js';

/**
 * Same field names both ways: a field a service adds to an answer without adding it to the schema (or
 * the reverse) fails the type check. The controllers' return types already check the field types.
 */
type SameFields<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : { onlyInService: Exclude<keyof A, keyof B>; onlyInSchema: Exclude<keyof B, keyof A> };

const answersMatchTheirSchemas: Array<true> = [
  true satisfies SameFields<ExecutionView, z.output<typeof executionView>>,
  true satisfies SameFields<ExecutionVmView, z.output<typeof executionVm>>,
  true satisfies SameFields<AbandonOutcome['leftBehind'], z.output<typeof abandonOutcome>['leftBehind']>,
  true satisfies SameFields<ExecutionEventRecord, z.output<typeof executionEvent>>,
  true satisfies SameFields<PlanView, z.output<typeof planView>>,
  true satisfies SameFields<PlanView['waves'][number], z.output<typeof planView>['waves'][number]>,
  true satisfies SameFields<EditOutcome, z.output<typeof editOutcome>>,
  true satisfies SameFields<PlanSummaryRecord, z.output<typeof planSummary>>,
  true satisfies SameFields<ImportEditsOutcome, z.output<typeof importEditsOutcome>>,
  true satisfies SameFields<ImportResult, z.output<typeof importResult>>,
  true satisfies SameFields<InventoryDetail, z.output<typeof inventoryDetail>>,
  true satisfies SameFields<VmListItem, z.output<typeof vmListItem>>,
  true satisfies SameFields<AssessmentRecord, z.output<typeof assessmentRecord>>,
  true satisfies SameFields<VmAssessment, z.output<typeof vmAssessment>>,
  true satisfies SameFields<ApiTokenRecord, z.output<typeof apiToken>>,
  true satisfies SameFields<AuditEntry, z.output<typeof auditEntry>>,
];

describe('the API contract', () => {
  it('lists the answers whose fields are checked against their schema', () => {
    expect(answersMatchTheirSchemas).toHaveLength(16);
  });

  it('publishes a named schema once, as a component the routes refer to', () => {
    const thing = z.object({ size: z.number() }).meta({ id: 'ContractSpecThing' });
    const list = documentSchema(z.array(thing), 'output');
    expect(list).toEqual({ type: 'array', items: { $ref: '#/components/schemas/ContractSpecThing' } });
    expect(documentSchema(thing, 'output')).toEqual({ $ref: '#/components/schemas/ContractSpecThing' });
  });

  it('names the request form of a schema apart when defaults make it differ, and what refers to it', () => {
    const inner = z.object({ size: z.number().default(1) }).meta({ id: 'ContractSpecInner' });
    const outer = z.object({ inner }).meta({ id: 'ContractSpecOuter' });
    expect(documentSchema(outer, 'input')).toEqual({ $ref: '#/components/schemas/ContractSpecOuterInput' });
    expect(documentSchema(outer, 'output')).toEqual({ $ref: '#/components/schemas/ContractSpecOuter' });
  });

  it('refuses two different schemas under one name', () => {
    documentSchema(z.object({ a: z.string() }).meta({ id: 'ContractSpecTwice' }), 'output');
    expect(() =>
      documentSchema(z.object({ b: z.string() }).meta({ id: 'ContractSpecTwice' }), 'output'),
    ).toThrow(/Two different API schemas are named ContractSpecTwice/);
  });

  it('answers invalid input with the field and the closest union branch', () => {
    const pipe = new SchemaValidationPipe(editsBody, 'edit');
    expect(pipe.transform({ kind: 'add-wave' })).toEqual({ kind: 'add-wave' });
    expect(() => pipe.transform({ kind: 'move-vm', vmKey: 'vc/vm-1' })).toThrow(
      /Invalid edit: toWave: Invalid input: expected number/,
    );
    expect(() => pipe.transform([{ kind: 'move-vm', vmKey: 'vc/vm-1', toWave: 0 }])).toThrow(/0\.toWave/);
  });
});
