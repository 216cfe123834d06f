import { describe, expect, it } from 'vitest';
import {
  cutoverAtOf,
  migrationTypeOf,
  type PlanSettings,
  PlanSettingsError,
  parsePlanSettings,
} from './index.js';

const issuesOf = (value: unknown): string[] => {
  try {
    parsePlanSettings(value);
  } catch (error) {
    if (error instanceof PlanSettingsError) return error.issues.map((issue) => issue.path);
    throw error;
  }
  return [];
};

describe('parsePlanSettings', () => {
  it('fills every default from nothing', () => {
    expect(parsePlanSettings(undefined)).toEqual({
      constraints: {
        maxVmsPerWave: 50,
        maxDataGiBPerWave: 10_240,
        cutoverWindowHours: 8,
        perDiskMiBps: 100,
        perHostMiBps: 280,
        concurrentDisksPerHost: 10,
        maxVmsPerHost: null,
        maxVmsPerDatastore: null,
        pilot: { vms: 5, maxDataGiB: 500 },
      },
      grouping: { keys: ['rules', 'attribute', 'vapp'], rules: [], attribute: null, namePrefixPattern: null },
      dependencies: [],
      ordering: 'effort',
      networkMap: {},
      storageMap: {},
      targetNamespace: { default: 'default', byWave: {}, byGroup: {} },
      guestConversion: { rawCopy: false, rawCopyVms: [] },
      manual: { pins: {}, excludedVms: [], addedWaves: [] },
      changeWindows: {},
      migration: {
        type: 'cold',
        byWave: {},
        warmVms: [],
        coldVms: [],
        precopyIntervalMinutes: 60,
        cutoverAt: {},
        changeRatePercentPerHour: 2,
        conversionMinutes: 10,
        bootMinutes: 2,
      },
    });
    expect(parsePlanSettings({ constraints: { pilot: null } }).constraints.pilot).toBeNull();
  });

  it('names every offending field', () => {
    expect(
      issuesOf({
        constraints: { maxVmsPerWave: 0, concurrentDisksPerHost: 2.5 },
        grouping: { keys: ['name-prefix', 'vapp', 'vapp'], rules: [{ name: 'r', match: ['/([/'] }] },
        networkMap: { prod: { type: 'multus', name: 'no-namespace' }, lab: { type: 'bridge' } },
        storageMap: { ds1: { storageClass: '' }, ds2: { storageClass: 'x', accessMode: 'RWX' } },
        targetNamespace: { default: 'Bad_Name', byWave: { first: 'ok' } },
        manual: { pins: { 'vc/vm-1': 0 } },
        changeWindows: { '1': { start: 'tonight', end: '2026-01-10T06:00:00Z', zone: 'Mars/Olympus' } },
      }).sort(),
    ).toEqual(
      [
        'constraints.maxVmsPerWave',
        'constraints.concurrentDisksPerHost',
        'grouping.keys',
        'grouping.namePrefixPattern',
        'grouping.rules.0.match.0',
        'networkMap.prod.name',
        'networkMap.lab.type',
        'storageMap.ds1.storageClass',
        'storageMap.ds2.accessMode',
        'targetNamespace.default',
        'targetNamespace.byWave.first',
        'manual.pins.vc/vm-1',
        'changeWindows.1.start',
        'changeWindows.1.zone',
      ].sort(),
    );
    expect(
      issuesOf({
        storageMap: { ds: { excluded: true } },
        networkMap: { n: { type: 'ignored', reason: '' } },
      }).sort(),
    ).toEqual(['networkMap.n.reason', 'storageMap.ds.reason']);
    expect(
      issuesOf({ changeWindows: { '2': { start: '2026-01-10T06:00:00Z', end: '2026-01-10T02:00:00Z' } } }),
    ).toEqual(['changeWindows.2.end']);
  });

  it('keeps excluded disks, ignored NICs with their reason and booked windows', () => {
    const settings = parsePlanSettings({
      networkMap: { '(no network)': { type: 'ignored', reason: 'disconnected adapters' } },
      storageMap: {
        '(unnamed datastore)': { excluded: true, reason: 'not in the export' },
        ds: { storageClass: 'gold' },
      },
      changeWindows: { '1': { start: '2026-01-10T22:00:00+01:00', end: '2026-01-11T06:00:00+01:00' } },
    });
    expect(settings.networkMap['(no network)']).toEqual({ type: 'ignored', reason: 'disconnected adapters' });
    expect(settings.storageMap).toEqual({
      '(unnamed datastore)': { excluded: true, reason: 'not in the export' },
      ds: { storageClass: 'gold' },
    });
    expect(settings.changeWindows['1']).toEqual({
      start: '2026-01-10T22:00:00+01:00',
      end: '2026-01-11T06:00:00+01:00',
      zone: 'UTC',
    });
    expect(issuesOf({ grouping: { keys: ['name-prefix'] } })).toEqual(['grouping.namePrefixPattern']);
    expect(issuesOf({ grouping: { namePrefixPattern: '(' } })).toEqual(['grouping.namePrefixPattern']);
    expect(() => parsePlanSettings({ constraints: { maxVmsPerWave: -1 } })).toThrow(
      /constraints\.maxVmsPerWave/,
    );
  });

  it('names every offending migration field', () => {
    expect(
      issuesOf({
        migration: {
          type: 'hot',
          byWave: { '1': 'tepid', first: 'warm' },
          warmVms: ['/([/'],
          coldVms: [''],
          precopyIntervalMinutes: 2,
          cutoverAt: { '1': 'tomorrow' },
          changeRatePercentPerHour: 150,
        },
      }).sort(),
    ).toEqual(
      [
        'migration.type',
        'migration.byWave.1',
        'migration.byWave.first',
        'migration.warmVms.0',
        'migration.coldVms.0',
        'migration.precopyIntervalMinutes',
        'migration.cutoverAt.1',
        'migration.changeRatePercentPerHour',
      ].sort(),
    );
    expect(() => parsePlanSettings({ migration: { precopyIntervalMinutes: 1 } })).toThrow(
      /at least 5 minutes/,
    );
  });
});

describe('migrationTypeOf', () => {
  const settings = parsePlanSettings({
    migration: {
      byWave: { '2': 'warm', '3': 'cold' },
      warmVms: ['db-*', 'app-01'],
      coldVms: ['db-legacy'],
      cutoverAt: { '2': '2026-01-10T22:00:00+01:00' },
    },
  });

  it('lets coldVms win over warmVms, then the VM lists over the wave, then the wave over the plan', () => {
    expect(migrationTypeOf(settings, 1, 'web-01')).toBe('cold');
    expect(migrationTypeOf(settings, 2, 'web-01')).toBe('warm');
    expect(migrationTypeOf(settings, 3, 'db-01')).toBe('warm');
    expect(migrationTypeOf(settings, 2, 'db-legacy')).toBe('cold');
    expect(migrationTypeOf(settings, null, 'app-01')).toBe('warm');
    const warmPlan = parsePlanSettings({ migration: { type: 'warm', byWave: { '3': 'cold' } } });
    expect(migrationTypeOf(warmPlan, 1, 'web-01')).toBe('warm');
    expect(migrationTypeOf(warmPlan, 3, 'web-01')).toBe('cold');
  });

  it('moves everything cold in plans stored before the setting existed', () => {
    const { migration: _dropped, ...stored } = settings;
    expect(migrationTypeOf(stored as PlanSettings, 2, 'db-01')).toBe('cold');
    expect(cutoverAtOf(stored as PlanSettings, 2)).toBeNull();
    expect(cutoverAtOf(settings, 2)).toBe('2026-01-10T22:00:00+01:00');
    expect(cutoverAtOf(settings, 1)).toBeNull();
  });
});
