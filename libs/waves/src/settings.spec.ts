import { describe, expect, it } from 'vitest';
import { PlanSettingsError, parsePlanSettings } from './index.js';

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
      manual: { pins: {}, excludedVms: [], addedWaves: [] },
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
      ].sort(),
    );
    expect(issuesOf({ grouping: { keys: ['name-prefix'] } })).toEqual(['grouping.namePrefixPattern']);
    expect(issuesOf({ grouping: { namePrefixPattern: '(' } })).toEqual(['grouping.namePrefixPattern']);
    expect(() => parsePlanSettings({ constraints: { maxVmsPerWave: -1 } })).toThrow(
      /constraints\.maxVmsPerWave/,
    );
  });
});
