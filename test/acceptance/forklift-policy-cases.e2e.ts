/**
 * Forklift's own vSphere policy tests, replayed through our rule engine by the reference script in
 * `../shared/acceptance/forklift-policy-cases.mjs` against the BUILT project (`npm run build`
 * emits what it imports, including the inventory factories of libs/assessment/src/testing). The
 * script predates five of our rules and maps their Forklift ids to "no rule"; this suite reads
 * its JSON and holds us to the rows anyway: a row may fail only for such a missing mapping, and
 * then our rule must have fired where Forklift's does and stayed quiet where Forklift's does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedFile, sharedSuite } from '../support/shared-files.js';

const SCRIPT = sharedFile('acceptance', 'forklift-policy-cases.mjs');
const ROOT = resolve(import.meta.dirname, '..', '..');

/** Forklift concern id -> our concern id, for the rules the script does not know we have. */
const RULES_THE_SCRIPT_LACKS: Record<string, string> = {
  'vmware.dpm.enabled': 'dpm-enabled',
  'vmware.drs.enabled': 'drs-enabled',
  'vmware.hostname.empty': 'hostname-empty',
  'vmware.hostname.default': 'hostname-default',
  'vmware.vm_missing_ip.detected': 'missing-ip',
};
/** The Forklift policies those rules belong to (rows where Forklift expects nothing must not raise them). */
const POLICY_OF_RULE: Record<string, string> = {
  'dpm-enabled': 'dpm_enabled',
  'drs-enabled': 'drs_enabled',
  'hostname-empty': 'hostname',
  'hostname-default': 'hostname',
  'missing-ip': 'ip_state',
};

interface Row {
  policy: string;
  test: string;
  expected: Record<string, number>;
  extraText: string;
  status: string;
  reason: string;
}

const suite = sharedSuite("Forklift's vSphere policy tests through our rule engine", SCRIPT);

describe.skipIf(suite.skip)(suite.title, () => {
  it('passes every row, or fails only for a rule the script does not map and which fired as Forklift expects', () => {
    // The script imports the build; CI builds before the tests, and scripts/test.sh builds when dist is absent.
    expect(
      existsSync(join(ROOT, 'dist/libs/assessment/src/testing/index.js')),
      'run `npm run build` first',
    ).toBe(true);
    const out = join(mkdtempSync(join(tmpdir(), 'flotilla-forklift-')), 'cases.json');
    execFileSync(process.execPath, [SCRIPT, ROOT, '--json', out], { stdio: 'ignore' });
    const report = JSON.parse(readFileSync(out, 'utf8')) as { summary: Record<string, number>; rows: Row[] };
    expect(report.summary.failRuleDiffers).toBe(0);
    expect(report.rows.length).toBeGreaterThan(100);
    const problems: string[] = [];
    for (const row of report.rows) {
      const label = `${row.policy} ${row.test}`;
      const raised = new Map(
        row.extraText
          .split(', ')
          .filter(Boolean)
          .map((text) => {
            const [, id = '', count] = /^([a-z0-9-]+)\([a-z]+\)(?: count=(\d+))?$/.exec(text) ?? [];
            return [id, count === undefined ? 1 : Number(count)] as const;
          }),
      );
      if (row.status === 'fail') {
        for (const reason of row.reason.split('; ')) {
          const forkliftId = /^no Flotilla rule for (\S+)$/.exec(reason)?.[1];
          const ours = forkliftId === undefined ? undefined : RULES_THE_SCRIPT_LACKS[forkliftId];
          if (ours === undefined) problems.push(`${label}: ${reason}`);
          else if (raised.get(ours) !== row.expected[forkliftId as string])
            problems.push(
              `${label}: expected ${ours} ×${row.expected[forkliftId as string]}, raised ${row.extraText || 'nothing'}`,
            );
        }
      } else if (row.status.startsWith('pass')) {
        for (const [ours, policy] of Object.entries(POLICY_OF_RULE)) {
          const expectsIt = Object.keys(row.expected).some((id) => RULES_THE_SCRIPT_LACKS[id] === ours);
          if (row.policy === policy && !expectsIt && raised.has(ours))
            problems.push(`${label}: ${ours} raised where Forklift raises nothing`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
