import 'reflect-metadata';
import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AccessService,
  AssessmentService,
  ExecutionRunnerFactory,
  ExecutionService,
  InventoryImportJobs,
  InventoryImportService,
  InventoryService,
  PlanningService,
  ReportService,
  WaveManifestService,
} from '#libs/application';
import type { FlotillaConfig } from '#libs/config';
import { createFlotillaMetrics, type FlotillaMetrics } from '#libs/observability';
import {
  AccessStore,
  AssessmentStore,
  CascadeStore,
  ExecutionStore,
  type FlotillaDatabase,
  InventoryStore,
  openDatabase,
  PlanStore,
} from '#libs/persistence';
import { flotillaMigrations } from '#migrations';
import { BullmqExecutionQueue } from './bullmq-execution-queue.js';
import { lockEmbeddedDatabase } from './embedded-database-lock.js';
import {
  EXECUTION_QUEUE,
  FLOTILLA_CONFIG,
  FLOTILLA_DATABASE,
  FLOTILLA_METRICS,
  IMPORT_LIMITS,
  type InjectionKey,
  REPORT_LOAD_BACK_LIMITS,
} from './tokens.js';

export type FlotillaProcess = 'api' | 'executor' | 'cli';

export interface CoreOptions {
  /** Which process runs the core: names its metrics and decides how the queue treats a Redis outage. */
  process?: FlotillaProcess;
  /** A database the caller opened (and closes); else the core opens it per config and closes it. */
  database?: FlotillaDatabase;
  /** Connections in the Postgres pool. */
  poolSize?: number;
  /** `none`: neither run nor check migrations (`flotilla migrate` does that itself). */
  migrationMode?: 'run' | 'verify' | 'none';
  metrics?: FlotillaMetrics;
}

/**
 * Opens the database the config names and brings its schema up to date. The embedded database is
 * locked for this process first: a second process is refused instead of silently diverging.
 */
export async function openConfiguredDatabase(
  config: FlotillaConfig,
  options: Pick<CoreOptions, 'poolSize' | 'migrationMode'> = {},
): Promise<FlotillaDatabase> {
  const embedded = !config.databaseUrl && !config.embeddedDatabaseDir.startsWith('memory://');
  const release = embedded ? lockEmbeddedDatabase(config.embeddedDatabaseDir) : () => undefined;
  try {
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      embeddedDataDir: config.embeddedDatabaseDir,
      migrations: flotillaMigrations,
      migrationMode: options.migrationMode ?? config.migrationMode,
      ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    });
    return {
      ...database,
      async close() {
        try {
          await database.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

type Token<T> = (abstract new (...args: never[]) => T) | InjectionKey<T>;

/**
 * One line per application service: its class and, in constructor order, what it is built from
 * (optional trailing parameters such as clocks may be left out).
 */
function service<P extends unknown[], T>(
  type: new (...args: P) => T,
  dependencies: { [K in keyof P]: Token<P[K]> },
): Provider {
  return {
    provide: type,
    useFactory: (...resolved: P) => new type(...resolved),
    inject: dependencies as unknown as Array<Token<unknown>>,
  };
}

/** Every store is built on the one DataSource. */
const STORES = [
  InventoryStore,
  AccessStore,
  AssessmentStore,
  PlanStore,
  ExecutionStore,
  CascadeStore,
] as const;

const SERVICES: Provider[] = [
  service(AccessService, [AccessStore, FLOTILLA_CONFIG]),
  service(ExecutionRunnerFactory, [ExecutionStore, PlanStore, EXECUTION_QUEUE]),
  service(InventoryService, [InventoryStore, CascadeStore, AccessStore]),
  service(AssessmentService, [InventoryStore, AssessmentStore, AccessStore, CascadeStore]),
  service(PlanningService, [InventoryStore, AssessmentStore, PlanStore, AccessStore, CascadeStore]),
  service(ReportService, [
    InventoryStore,
    AssessmentStore,
    PlanningService,
    AccessStore,
    REPORT_LOAD_BACK_LIMITS,
  ]),
  service(InventoryImportService, [InventoryStore, AccessStore, IMPORT_LIMITS]),
  service(InventoryImportJobs, [InventoryImportService]),
  {
    provide: WaveManifestService,
    useFactory: (
      planning: PlanningService,
      inventories: InventoryStore,
      assessments: AssessmentStore,
      config: FlotillaConfig,
    ) => new WaveManifestService(planning, inventories, assessments, config.manifestTarget),
    inject: [PlanningService, InventoryStore, AssessmentStore, FLOTILLA_CONFIG],
  },
  {
    // Without Redis the service answers 503 to every execution mutation.
    provide: ExecutionService,
    useFactory: (
      dataSource: DataSource,
      executions: ExecutionStore,
      plans: PlanStore,
      inventories: InventoryStore,
      assessments: AssessmentStore,
      access: AccessStore,
      queue: BullmqExecutionQueue | null,
      config: FlotillaConfig,
    ) =>
      new ExecutionService(
        dataSource,
        executions,
        plans,
        inventories,
        assessments,
        access,
        queue ?? undefined,
        undefined,
        undefined,
        { vddkInitImage: config.manifestTarget.vddkInitImage },
      ),
    inject: [
      DataSource,
      ExecutionStore,
      PlanStore,
      InventoryStore,
      AssessmentStore,
      AccessStore,
      EXECUTION_QUEUE,
      FLOTILLA_CONFIG,
    ],
  },
];

const CORE_OWNS_DATABASE = Symbol('CORE_OWNS_DATABASE');

/** Closes what the core opened, after the app's own shutdown hooks (last in, first out). */
@Injectable()
class CoreLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(FLOTILLA_DATABASE) private readonly database: FlotillaDatabase,
    @Inject(EXECUTION_QUEUE) private readonly queue: BullmqExecutionQueue | null,
    @Inject(CORE_OWNS_DATABASE) private readonly ownsDatabase: boolean,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue?.close().catch(() => undefined);
    if (this.ownsDatabase) await this.database.close();
  }
}

/**
 * The application core every process runs on: the config, the database, every store, every
 * application service, the metrics and the one executor queue. The API adds controllers, the
 * executor its worker, the CLI only asks it for services.
 */
@Global()
@Module({})
export class FlotillaCoreModule {
  static forRoot(config: FlotillaConfig, options: CoreOptions = {}): DynamicModule {
    const process = options.process ?? 'api';
    const providers: Provider[] = [
      { provide: FLOTILLA_CONFIG, useValue: config },
      { provide: IMPORT_LIMITS, useValue: config.importLimits },
      { provide: REPORT_LOAD_BACK_LIMITS, useValue: config.reportLoadBackLimits },
      {
        provide: FLOTILLA_METRICS,
        useFactory: () =>
          options.metrics ?? createFlotillaMetrics({ component: process === 'api' ? 'assessment' : process }),
      },
      {
        provide: FLOTILLA_DATABASE,
        useFactory: () =>
          options.database ??
          openConfiguredDatabase(config, {
            ...(options.poolSize ? { poolSize: options.poolSize } : {}),
            ...(options.migrationMode ? { migrationMode: options.migrationMode } : {}),
          }),
      },
      { provide: CORE_OWNS_DATABASE, useValue: options.database === undefined },
      {
        provide: DataSource,
        useFactory: (database: FlotillaDatabase) => database.dataSource,
        inject: [FLOTILLA_DATABASE],
      },
      ...STORES.map(
        (store): Provider => ({
          provide: store,
          useFactory: (dataSource: DataSource) => new store(dataSource),
          inject: [DataSource],
        }),
      ),
      {
        provide: EXECUTION_QUEUE,
        useFactory: () =>
          config.redisUrl
            ? new BullmqExecutionQueue(
                { ...config, redisUrl: config.redisUrl },
                { whileRedisIsAway: process === 'executor' ? 'wait' : 'fail' },
              )
            : null,
      },
      ...SERVICES,
      CoreLifecycle,
    ];
    const exported = providers
      .filter((provider) => provider !== CoreLifecycle)
      .map((provider) => (typeof provider === 'function' ? provider : provider.provide));
    return { module: FlotillaCoreModule, global: true, providers, exports: exported };
  }
}
