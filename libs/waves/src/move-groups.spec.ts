import { describe, expect, it } from 'vitest';
import { deriveMoveGroups, parsePlanSettings } from './index.js';
import type { PlanSettingsInput } from './settings.js';
import { sizedVm, testAssessment } from './testing/synthetic-estate.js';

const settings = (grouping: NonNullable<PlanSettingsInput>['grouping']) => parsePlanSettings({ grouping });
const summary = (groups: ReturnType<typeof deriveMoveGroups>) =>
  groups.map((group) => [group.name, group.key, group.vmNames.join(',')]);

describe('deriveMoveGroups', () => {
  const vms = [
    sizedVm('web-01', [10], { customAttributes: { Application: 'shop' }, vapp: 'frontend', folder: 'prod' }),
    sizedVm('web-02', [10], { customAttributes: { application: ' shop ' }, folder: 'prod' }),
    sizedVm('db-01', [10], { vapp: 'backend', folder: 'prod', resourcePool: 'Resources' }),
    sizedVm('db-02', [10], { vapp: 'backend', resourcePool: 'gold' }),
    sizedVm('batch-7', [10], { folder: 'jobs', resourcePool: 'Resources' }),
    sizedVm('lonely', [10]),
  ];
  const assessments = vms.map((vm) => testAssessment(vm));

  it('groups by the first enabled key that has a value, in preference order', () => {
    const groups = deriveMoveGroups(vms, assessments, settings({ attribute: 'Application' }));
    expect(summary(groups)).toEqual([
      ['Application=shop', 'attribute', 'web-01,web-02'],
      ['vapp:backend', 'vapp', 'db-01,db-02'],
      ['vm:batch-7', 'singleton', 'batch-7'],
      ['vm:lonely', 'singleton', 'lonely'],
    ]);
  });

  it('uses folders, resource pools (never the root pool) and name prefixes when enabled', () => {
    expect(summary(deriveMoveGroups(vms, assessments, settings({ keys: ['folder'] })))).toEqual([
      ['folder:jobs', 'folder', 'batch-7'],
      ['folder:prod', 'folder', 'db-01,web-01,web-02'],
      ['vm:db-02', 'singleton', 'db-02'],
      ['vm:lonely', 'singleton', 'lonely'],
    ]);
    expect(
      summary(deriveMoveGroups(vms, assessments, settings({ keys: ['resource-pool'] }))).slice(0, 1),
    ).toEqual([['pool:gold', 'resource-pool', 'db-02']]);
    const prefix = deriveMoveGroups(
      vms,
      assessments,
      settings({ keys: ['name-prefix'], namePrefixPattern: '^([a-z]+)-\\d+$' }),
    );
    expect(summary(prefix)).toEqual([
      ['prefix:batch', 'name-prefix', 'batch-7'],
      ['prefix:db', 'name-prefix', 'db-01,db-02'],
      ['prefix:web', 'name-prefix', 'web-01,web-02'],
      ['vm:lonely', 'singleton', 'lonely'],
    ]);
  });

  it('applies explicit rules first, with exact names, globs and regexes', () => {
    const groups = deriveMoveGroups(
      vms,
      assessments,
      settings({
        attribute: 'Application',
        rules: [
          { name: 'payments', match: ['lonely', 'db-0?'] },
          { name: 'web', match: ['/^WEB-/i'] },
        ],
      }),
    );
    expect(summary(groups)).toEqual([
      ['payments', 'rule', 'db-01,db-02,lonely'],
      ['vm:batch-7', 'singleton', 'batch-7'],
      ['web', 'rule', 'web-01,web-02'],
    ]);
  });

  it('groups 10,000 hostile names with catastrophic patterns at once (linear-time engine)', () => {
    // `((a+)+)+$` froze the API for minutes on V8's backtracking RegExp with names like these.
    const grouping = settings({
      keys: ['rules', 'name-prefix'],
      rules: [{ name: 'never', match: ['/((a+)+)+$/', '/(a|a)*b/', '*a*a*a*a*a*a*a*a*a*b'] }],
      namePrefixPattern: '^((a+)+)+$',
    });
    // One short name first: a backtracking engine spends seconds on it (and hours on the 10,000).
    const probe = performance.now();
    deriveMoveGroups([sizedVm(`${'a'.repeat(16)}!`, [1])], [], grouping);
    expect(performance.now() - probe).toBeLessThan(1_000);
    const hostile = Array.from({ length: 10_000 }, (_, index) => sizedVm(`${'a'.repeat(40)}!${index}`, [1]));
    const started = performance.now();
    const groups = deriveMoveGroups(hostile, [], grouping);
    expect(groups).toHaveLength(10_000);
    expect(groups.every((group) => group.key === 'singleton')).toBe(true);
    // Generous: about 20 times what it takes on this machine, so it cannot flake.
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('refuses grouping patterns the linear-time engine cannot run, naming the field and the reason', () => {
    expect(() => settings({ rules: [{ name: 'r', match: ['web-*', '/(a)\\1/'] }] })).toThrow(
      /grouping\.rules\.0\.match\.1 is refused: backreferences/,
    );
    expect(() => settings({ keys: ['name-prefix'], namePrefixPattern: '^(?!tmp)([a-z]+)' })).toThrow(
      /grouping\.namePrefixPattern is refused: lookahead and lookbehind/,
    );
  });

  it('always keeps VMs that share a disk together, merging their groups', () => {
    const a = sizedVm('node-a', [10], { customAttributes: { Application: 'oracle' } });
    const b = sizedVm('node-b', [10], { customAttributes: { Application: 'rac' } });
    const c = sizedVm('node-c', [10]);
    const d = sizedVm('node-d', [10]);
    const quorum = {
      ...a.disks[0],
      label: 'Hard disk 2',
      key: 2001,
      path: '[ds-1] node-a/quorum.vmdk',
      sharingMode: 'sharingMultiWriter',
    };
    a.disks.push(quorum);
    b.disks.push({ ...quorum });
    c.disks.push({ ...d.disks[0], label: 'Hard disk 2', key: 2001 });
    const all = [a, b, c, d];
    const groups = deriveMoveGroups(
      all,
      all.map((vm) => testAssessment(vm)),
      settings({ attribute: 'Application' }),
    );
    expect(
      groups.map((group) => [
        group.name,
        group.key,
        group.vmNames.join(','),
        group.mergedFrom,
        group.sharedDisks,
      ]),
    ).toEqual([
      [
        'Application=oracle',
        'attribute',
        'node-a,node-b',
        ['Application=rac'],
        ['[ds-1] node-a/quorum.vmdk'],
      ],
      ['shared-disk:node-c', 'shared-disk', 'node-c,node-d', [], ['[ds-1] node-d/node-d_0.vmdk']],
    ]);
  });

  it('reports the members that move, their highest effort and their data with shared disks once', () => {
    const a = sizedVm('a', [100], { customAttributes: { Application: 'x' } });
    const b = sizedVm('b', [50], { customAttributes: { Application: 'x' } });
    const c = sizedVm('c', [30], { customAttributes: { Application: 'x' } });
    const shared = {
      ...a.disks[0],
      label: 'Hard disk 2',
      key: 2001,
      capacityMiB: 20 * 1024,
      path: '[ds-1] a/shared.vmdk',
    };
    a.disks.push(shared);
    b.disks.push({ ...shared });
    const assessments = [
      testAssessment(a, { effort: 'medium' }),
      testAssessment(b, { effort: 'low' }),
      testAssessment(c, { disposition: 'retire', effort: 'high' }),
    ];
    const [group] = deriveMoveGroups([a, b, c], assessments, settings({ attribute: 'Application' }));
    expect(group.rehostVmKeys).toEqual([a.key, b.key]);
    expect(group.effort).toBe('medium');
    expect(group.dataMiB).toBe((100 + 50 + 20) * 1024);
  });

  it('names groups uniquely when VM names repeat across vCenters', () => {
    const one = sizedVm('app', [10]);
    const two = { ...sizedVm('app', [10], {}, 'ds-2'), key: 'vc2/app' };
    const groups = deriveMoveGroups([one, two], [], settings({}));
    expect(groups.map((group) => group.name)).toEqual(['vm:app', 'vm:app (2)']);
    expect(groups.every((group) => group.rehostVmKeys.length === 0 && group.effort === null)).toBe(true);
  });
});
