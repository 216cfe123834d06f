export { ConfigurationError, type FlotillaConfig, loadConfig } from './config.js';
