export {
  DEFAULT_JOB_OPTIONS,
  EXECUTOR_QUEUE,
  isStepJob,
  JOB_NAMES,
  type JobName,
  type JobPayloads,
  nudgeJobId,
  STEP_JOB_PREFIX,
  startJobId,
  stepJobId,
} from './catalogue.js';
export { type RedisSentinelSettings, redisConnectionOptions } from './redis-connection.js';
