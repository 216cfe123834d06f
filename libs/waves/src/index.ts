/**
 * Wave planning: move groups, constrained waves, network and storage maps, manual edits.
 *
 * Pure functions over an inventory, its assessment and plan settings. `planWaves` reads pins and
 * exclusions from `settings.manual`; after that the plan's `manual` is authoritative (edits update
 * it) and is passed back as `settings.manual` to re-plan.
 */
export {
  datastoreSourceOf,
  describeNetworkTarget,
  describeStorageTarget,
  listMapSources,
  type MapSourceEntry,
  type MapSources,
  NO_NETWORK_SOURCE,
  networkSourceOf,
  networkTargetOf,
  storageTargetOf,
  UNNAMED_DATASTORE_SOURCE,
} from './map-sources.js';
export type { DowntimeMinutes, WaveMigration } from './migration-estimate.js';
export { deriveMoveGroups } from './move-groups.js';
export { applyEdit, PlanEditError } from './plan-editor.js';
export { approvalBlockers, validatePlan } from './plan-validator.js';
export type {
  AccessMode,
  ChangeWindow,
  ExcludedStorageTarget,
  GroupDependency,
  GroupingKeyKind,
  GroupingRule,
  GroupingSettings,
  GuestConversionSettings,
  ManualEdits,
  MigrationSettings,
  MigrationType,
  NetworkMap,
  NetworkTarget,
  PilotConstraints,
  PlanConstraints,
  PlanSettings,
  PlanSettingsInput,
  PlanSettingsIssue,
  StorageClassTarget,
  StorageMap,
  StorageTarget,
  TargetNamespaces,
  VolumeMode,
  WaveOrdering,
} from './settings.js';
export {
  changeWindowSchema,
  cutoverAtOf,
  DEFAULT_MIGRATION_SETTINGS,
  isExcludedStorage,
  migrationTypeOf,
  migrationTypeResolver,
  PlanSettingsError,
  parsePlanSettings,
  planSettingsSchema,
  usesRawCopy,
} from './settings.js';
export { simulateHostTransferSeconds, type TransferThroughput } from './transfer-schedule.js';
export type {
  ExcludedVm,
  LowerBound,
  MoveGroup,
  MoveGroupKey,
  PlanEdit,
  PlanEditResult,
  PlanInput,
  Violation,
  ViolationCode,
  ViolationSeverity,
  Wave,
  WaveConcern,
  WaveConcurrency,
  WavePlan,
  WaveVm,
} from './types.js';
export { type PlanMaps, waveContentHash } from './wave-hash.js';
export { planWaves, redescribePlan } from './wave-planner.js';
