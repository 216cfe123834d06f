import { describe, expect, it } from 'vitest';
import { defaultPolicy } from './default-policy.js';
import { PolicyError, parsePolicy, policyHash, policyToYaml, validatePolicy } from './policy.js';

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof PolicyError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('policy', () => {
  it('ships a default policy that passes its own schema unchanged', () => {
    expect(validatePolicy(defaultPolicy)).toEqual(defaultPolicy);
  });

  it('reads a short YAML override on top of the default', () => {
    const policy = parsePolicy(
      [
        'version: 1',
        'thresholds:',
        '  poweredOffDays: 30',
        'rules:',
        '  cbt-disabled: { enabled: false, severity: info }',
        'storage:',
        '  defaultClass: fast-rbd',
        '  datastores:',
        '    - name: ds-gold',
        '      storageClass: gold',
        '    - pattern: "^nfs-"',
        '      storageClass: nfs-csi',
      ].join('\n'),
      'site.yaml',
    );
    expect(policy.thresholds.poweredOffDays).toBe(30);
    expect(policy.thresholds.oldSnapshotDays).toBe(defaultPolicy.thresholds.oldSnapshotDays);
    expect(policy.rules['cbt-disabled'].enabled).toBe(false);
    expect(policy.rules['rdm-disk']).toEqual(defaultPolicy.rules['rdm-disk']);
    expect(policy.storage.datastores).toHaveLength(2);
    expect(policy.guestOs).toEqual(defaultPolicy.guestOs);
  });

  it('loads a stored policy that lacks settings a later build added, from the default', () => {
    const stored = structuredClone(defaultPolicy) as unknown as {
      rules: Record<string, unknown>;
      transfer?: unknown;
    };
    delete stored.rules['no-network'];
    delete stored.transfer;
    const policy = validatePolicy(stored, 'stored policy');
    expect(policy.rules['no-network']).toEqual(defaultPolicy.rules['no-network']);
    expect(policy.transfer).toEqual(defaultPolicy.transfer);
  });

  it('reads JSON too', () => {
    const policy = parsePolicy(
      JSON.stringify({ version: 1, transfer: { perDiskMiBps: 150, perHostMiBps: 300 } }),
      'p.json',
    );
    expect(policy.transfer).toEqual({ perDiskMiBps: 150, perHostMiBps: 300 });
  });

  it('round-trips the default through YAML with the same hash', () => {
    const again = parsePolicy(policyToYaml(defaultPolicy), 'default.yaml');
    expect(again).toEqual(defaultPolicy);
    expect(policyHash(again)).toBe(policyHash(defaultPolicy));
  });

  describe('errors', () => {
    it('names the file and the path of a value of the wrong type', () => {
      const text = 'version: 1\nthresholds:\n  poweredOffDays: "ninety"\n';
      expect(issuesOf(() => parsePolicy(text, 'site.yaml'))).toEqual([
        'policy.thresholds.poweredOffDays: expected number, received string',
      ]);
      expect(() => parsePolicy(text, 'site.yaml')).toThrow(
        /^site\.yaml: invalid policy: policy\.thresholds\.poweredOffDays: expected number/,
      );
    });

    it('reports every problem at once', () => {
      const text = 'version: 1\nthresholds:\n  maxDisks: 1.5\nsizing:\n  headroomPercent: 95\n';
      expect(issuesOf(() => parsePolicy(text))).toEqual([
        'policy.thresholds.maxDisks: expected integer, received 1.5',
        'policy.sizing.headroomPercent: must be at most 90',
      ]);
    });

    it('rejects unknown keys, so a typo does not silently keep the default', () => {
      expect(issuesOf(() => parsePolicy('version: 1\nthresholds:\n  poweredOfDays: 30\n'))).toEqual([
        "policy.thresholds: unknown key 'poweredOfDays'",
      ]);
      expect(
        issuesOf(() =>
          parsePolicy('version: 1\nrules:\n  no-such-rule: { enabled: true, severity: info }\n'),
        ),
      ).toEqual(["policy.rules: unknown key 'no-such-rule'"]);
    });

    it('rejects an unknown severity with the allowed values', () => {
      expect(
        issuesOf(() => parsePolicy('version: 1\nrules:\n  tpm: { enabled: true, severity: fatal }\n')),
      ).toEqual([
        'policy.rules.tpm.severity: expected one of "critical", "warning", "info", received "fatal"',
      ]);
    });

    it('rejects a pattern that is not a regular expression, with its index', () => {
      const [issue] = issuesOf(() =>
        parsePolicy('version: 1\nretire:\n  namePatterns: ["-old$", "(unclosed"]\n'),
      );
      expect(issue).toMatch(/^policy\.retire\.namePatterns\[1\]: invalid regular expression/);
    });

    it('refuses backreferences and lookaround, which only a backtracking engine runs, saying why', () => {
      const issues = issuesOf(() =>
        parsePolicy(
          'version: 1\nretire:\n  namePatterns: ["(old)\\\\1", "^(?!prod)"]\noutOfScope:\n  clusterServiceVmPatterns: ["(?<=x)vCLS"]\n',
        ),
      );
      expect(issues).toEqual([
        expect.stringMatching(/^policy\.retire\.namePatterns\[0\]: backreferences/),
        expect.stringMatching(/^policy\.retire\.namePatterns\[1\]: lookahead and lookbehind/),
        expect.stringMatching(/^policy\.outOfScope\.clusterServiceVmPatterns\[0\]: lookahead and lookbehind/),
      ]);
    });

    it('requires the version and refuses other versions', () => {
      expect(issuesOf(() => parsePolicy('thresholds:\n  poweredOffDays: 30\n'))).toEqual([
        'policy.version: required (this build reads version 1)',
      ]);
      expect(issuesOf(() => parsePolicy('version: 2\n'))).toEqual([
        'policy.version: expected one of 1, received 2',
      ]);
    });

    it('reports YAML syntax errors with their line', () => {
      const [issue] = issuesOf(() => parsePolicy('version: 1\nthresholds: [\n', 'bad.yaml'));
      expect(issue).toMatch(/^line \d+, column \d+: /);
    });

    it('rejects a document that is not a mapping', () => {
      expect(issuesOf(() => parsePolicy('- 1\n- 2\n'))).toEqual([
        'policy: expected a mapping (object) at the top level',
      ]);
    });

    it('rejects a datastore mapping with both or neither of name and pattern', () => {
      const text = 'version: 1\nstorage:\n  datastores:\n    - storageClass: gold\n';
      expect(issuesOf(() => parsePolicy(text))).toEqual([
        'policy.storage.datastores[0]: give exactly one of name or pattern',
      ]);
    });

    it('keeps a __proto__ key a key, and rejects it', () => {
      expect(
        issuesOf(() => parsePolicy('version: 1\nthresholds:\n  __proto__: { polluted: true }\n')),
      ).toEqual(["policy.thresholds: unknown key '__proto__'"]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('policyHash', () => {
    it('is the same whatever the key order', () => {
      expect(policyHash(reverseKeys(defaultPolicy) as typeof defaultPolicy)).toBe(policyHash(defaultPolicy));
      expect(policyHash(defaultPolicy)).toMatch(/^[0-9a-f]{64}$/);
    });

    it('changes when any value changes', () => {
      const changed = { ...defaultPolicy, thresholds: { ...defaultPolicy.thresholds, poweredOffDays: 91 } };
      expect(policyHash(changed)).not.toBe(policyHash(defaultPolicy));
    });
  });
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, child]) => [key, reverseKeys(child)]),
  );
}
