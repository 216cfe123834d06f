export { AccessService, sameSecret } from './access.service.js';
export { type AssessmentOutcome, AssessmentService, DEFAULT_POLICY_NAME } from './assessment.service.js';
export { notFound, type UserErrorKind, UserFacingError, unfinishedExecutions } from './errors.js';
export {
  type AbandonOutcome,
  type DiskProgressView,
  EXECUTOR_STALE_AFTER_MS,
  ExecutionService,
  type ExecutionView,
  type ExecutionVmView,
  REDIS_REQUIRED_MESSAGE,
} from './execution.service.js';
export { ExecutionEventFeed, type ExecutionFeedListener } from './execution-event-feed.js';
export {
  finishExecutionIfDone,
  leftoversOf,
  UNTOUCHED_PHASES,
  type VmLeftovers,
} from './execution-outcome.js';
export {
  type EnqueueOptions,
  type ExecutionQueue,
  isStepJob,
  nudgeJobId,
  STEP_JOB_PREFIX,
  startJobId,
  stepJobId,
} from './execution-queue.js';
export { ExecutionRunner, ExecutionRunnerFactory, type ExecutionRunnerOptions } from './execution-runner.js';
export { InventoryService } from './inventory.service.js';
export {
  type ImportLimits,
  type ImportOptions,
  type ImportResult,
  InventoryImportService,
} from './inventory-import.service.js';
export {
  FINISHED_IMPORT_KEPT_MS,
  type ImportJob,
  type ImportProgress,
  type ImportStage,
  InventoryImportJobs,
} from './inventory-import-jobs.js';
export {
  type EditOutcome,
  PlanningService,
  type PlanView,
  type ReviewedWave,
  type StoredPlan,
} from './planning.service.js';
export { exitOnFatalErrors } from './process-watchdog.js';
export {
  type ImportEditsOutcome,
  type ImportedEditRow,
  ReportService,
  reportContentHash,
} from './report.service.js';
export {
  DEFAULT_PARSE_BUDGET,
  type ParseBudget,
  type ParseLimits,
  readWaveEditsInSandbox,
  WAVE_REPORT_PARSE_BUDGET,
} from './upload-parse-sandbox.js';
export { BOARD_VIOLATIONS_LISTED, type WaveBoard, WaveBoardCache } from './wave-board.js';
export {
  buildWaveExecutionSpecs,
  DEFAULT_EXECUTION_OPTIONS,
  type ExecutionOptions,
  newExecutionVm,
} from './wave-execution-spec.js';
export {
  type ManifestTarget,
  type WaveManifestFile,
  WaveManifestService,
  type WaveManifests,
} from './wave-manifest.service.js';
export {
  RENDER_EXECUTION_ID,
  type RenderedManifest,
  type RenderSettings,
  renderWaveManifests,
} from './wave-manifests.js';
