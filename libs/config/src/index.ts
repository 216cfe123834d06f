export {
  type ApiSettings,
  type CliSettings,
  ConfigurationError,
  type CopyLimitsConfig,
  describeConfig,
  type ExecutorAppConfig,
  type ExecutorSettings,
  type FlotillaApp,
  type FlotillaConfig,
  type LogLevel,
  loadConfig,
  parseSentinels,
} from './config.js';
