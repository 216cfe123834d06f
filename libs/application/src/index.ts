export { type AssessmentOutcome, AssessmentService, DEFAULT_POLICY_NAME } from './assessment.service.js';
export { notFound, type UserErrorKind, UserFacingError } from './errors.js';
export { type ImportOptions, type ImportResult, InventoryImportService } from './inventory-import.service.js';
export { type EditOutcome, type PlanView, PlanningService, type StoredPlan } from './planning.service.js';
