export {
  DEFAULT_EMBEDDED_DIR,
  type DatabaseKind,
  type DatabaseOptions,
  describeDatabaseUrl,
  type FlotillaDatabase,
  openDatabase,
  pendingMigrations,
  runMigrationsLocked,
} from './data-source.js';
export { flotillaEntities } from './entities.js';
export {
  type InventoryDetail,
  type InventoryRecord,
  InventoryStore,
  type Page,
  type VmListFilter,
  type VmListItem,
} from './inventory-store.js';
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
  type AssessmentRecord,
  AssessmentStore,
  type AssessmentVmFilter,
  type StoredPolicy,
  type VmOverride,
} from './assessment-store.js';
export {
  type PlanContent,
  type PlanRecord,
  PlanStore,
  type PlanSummaryRecord,
  PlanVersionConflictError,
  type WaveApproval,
  type WaveStatus,
} from './plan-store.js';
