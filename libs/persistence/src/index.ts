export {
  AccessStore,
  type ApiTokenRecord,
  type AuditEntry,
  hashToken,
  type Principal,
  ROLES,
  type Role,
} from './access-store.js';
export {
  ASSESSMENT_VM_FACETS,
  ASSESSMENT_VM_SORT_KEYS,
  type AssessmentRecord,
  AssessmentStore,
  type AssessmentVmFacet,
  type AssessmentVmFacets,
  type AssessmentVmFilter,
  type AssessmentVmRow,
  type AssessmentVmSort,
  type StoredPolicy,
  type VmOverride,
} from './assessment-store.js';
export {
  type CascadeCounts,
  type CascadeDeleteOutcome,
  type CascadeRoot,
  CascadeStore,
  type UnfinishedExecution,
} from './cascade-store.js';
export {
  type DatabaseKind,
  type DatabaseOptions,
  DEFAULT_EMBEDDED_DIR,
  describeDatabaseUrl,
  type FlotillaDatabase,
  openDatabase,
  pendingMigrations,
  runMigrationsLocked,
  SchemaBehindError,
} from './data-source.js';
export { flotillaEntities } from './entities.js';
export {
  ACTIVE_EXECUTION_STATUSES,
  type AdmittedVm,
  type CommittedStep,
  type CopyAdmissionPolicy,
  ExecutionAlreadyActiveError,
  type ExecutionEventRecord,
  type ExecutionRecord,
  type ExecutionStatus,
  ExecutionStore,
  type ExecutionVmRecord,
  type ExecutionVmStatus,
  type NewExecutionVm,
  type PhaseState,
  type StepCommit,
  type VmErrorRecord,
} from './execution-store.js';
export {
  type InventoryDetail,
  type InventoryRecord,
  InventoryStore,
  type Page,
  type VmListFilter,
  type VmListItem,
} from './inventory-store.js';
export {
  type PlanContent,
  type PlanHeader,
  type PlanRecord,
  PlanStore,
  type PlanSummaryRecord,
  PlanVersionConflictError,
  type WaveApproval,
  type WaveStatus,
} from './plan-store.js';
