import type { MigrationInterface } from 'typeorm';
import { InventorySchema1764201600000 } from './1764201600000-InventorySchema.js';
import { AssessmentSchema1764205200000 } from './1764205200000-AssessmentSchema.js';
import { AccessSchema1764208800000 } from './1764208800000-AccessSchema.js';
import { PlanSchema1764212400000 } from './1764212400000-PlanSchema.js';
import { ExecutionSchema1764216000000 } from './1764216000000-ExecutionSchema.js';
import { ExecutionRuntime1764219600000 } from './1764219600000-ExecutionRuntime.js';
import { AuditLogNoTruncate1796298963249 } from './1796298963249-AuditLogNoTruncate.js';
import { ExportDates1796302563249 } from './1796302563249-ExportDates.js';
import { ExecutorHeartbeat1796302600000 } from './1796302600000-ExecutorHeartbeat.js';
import { AssessmentVmFacets1796305000000 } from './1796305000000-AssessmentVmFacets.js';
import { AssessmentWarmReadiness1796306400000 } from './1796306400000-AssessmentWarmReadiness.js';
import { ExecutionCutover1796310000000 } from './1796310000000-ExecutionCutover.js';
import { ExecutionNudges1796320000000 } from './1796320000000-ExecutionNudges.js';

/** Every migration, oldest first. A migration is never edited once it has landed. */
export const flotillaMigrations: Array<new () => MigrationInterface> = [
  InventorySchema1764201600000,
  AssessmentSchema1764205200000,
  AccessSchema1764208800000,
  PlanSchema1764212400000,
  ExecutionSchema1764216000000,
  ExecutionRuntime1764219600000,
  AuditLogNoTruncate1796298963249,
  ExportDates1796302563249,
  ExecutorHeartbeat1796302600000,
  AssessmentVmFacets1796305000000,
  AssessmentWarmReadiness1796306400000,
  ExecutionCutover1796310000000,
  ExecutionNudges1796320000000,
];
