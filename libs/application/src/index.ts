export { type AssessmentOutcome, AssessmentService, DEFAULT_POLICY_NAME } from './assessment.service.js';
export { notFound, type UserErrorKind, UserFacingError } from './errors.js';
export {
  type DiskProgressView,
  ExecutionService,
  type ExecutionView,
  type ExecutionVmView,
  REDIS_REQUIRED_MESSAGE,
} from './execution.service.js';
export {
  type EnqueueOptions,
  type ExecutionQueue,
  isStepJob,
  nudgeJobId,
  STEP_JOB_PREFIX,
  startJobId,
  stepJobId,
} from './execution-queue.js';
export { ExecutionRunner, type ExecutionRunnerOptions } from './execution-runner.js';
export {
  type ImportLimits,
  type ImportOptions,
  type ImportResult,
  InventoryImportService,
} from './inventory-import.service.js';
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
export { DEFAULT_PARSE_BUDGET, type ParseBudget, readWaveEditsInSandbox } from './upload-parse-sandbox.js';
export {
  buildWaveExecutionSpecs,
  DEFAULT_EXECUTION_OPTIONS,
  type ExecutionOptions,
  newExecutionVm,
} from './wave-execution-spec.js';
export {
  RENDER_EXECUTION_ID,
  type RenderedManifest,
  type RenderSettings,
  renderWaveManifests,
} from './wave-manifests.js';
