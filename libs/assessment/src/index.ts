export {
  type AssessInventoryOptions,
  type AssessVmOptions,
  agesCountedTo,
  assessInventory,
  assessVm,
  type VmOverride,
} from './assess.js';
export { CONCERN_IDS, type ConcernId, FORKLIFT_CONCERN_IDS } from './concern-ids.js';
export { type AssessmentContext, buildAssessmentContext } from './context.js';
export { defaultPolicy } from './default-policy.js';
export { mapGuestOs } from './guest-os.js';
export {
  type AssessmentPolicy,
  type AssessmentPolicyInput,
  assessmentPolicySchema,
  POLICY_VERSION,
  PolicyError,
  type PolicyIssue,
  parsePolicy,
  policyHash,
  policyToYaml,
  validatePolicy,
} from './policy.js';
export { CLUSTER_DEFAULT_STORAGE_CLASS, sizeVm, UNLISTED_DISKS_LABEL } from './sizing.js';
export { NO_CLUSTER, summarizeAssessment } from './summary.js';
export { estimateTransfer } from './transfer.js';
export type * from './types.js';
export { assessWarmReadiness } from './warm-readiness.js';
