export {
  advanceVmJobId,
  DEFAULT_JOB_OPTIONS,
  EXECUTOR_QUEUE,
  JOB_NAMES,
  type JobName,
  type JobPayloads,
  startExecutionJobId,
} from './catalogue.js';
