import { describe, expect, it } from 'vitest';
import { ManifestBuildError } from './migration-spec.js';
import { isDns1123Label } from './naming.js';
import { boundedName, buildLabels, isLabelValue, toLabelValue, vmObjectNames } from './object-names.js';
import { inventoryVm, migrationSpec } from './testing/migration-fixture.js';

describe('toLabelValue', () => {
  it('keeps values that are already valid label values', () => {
    expect(toLabelValue('0b6f1d6e-4a51-4c8e-9a0e-3f7d2c1b0a99')).toBe('0b6f1d6e-4a51-4c8e-9a0e-3f7d2c1b0a99');
    expect(toLabelValue('Web_01.prod')).toBe('Web_01.prod');
    expect(toLabelValue('')).toBe('');
  });

  it('sanitizes a vCenter VM key and tags it with a hash so it stays unique', () => {
    const value = toLabelValue('vc01.example.com/vm-101');
    expect(value).toMatch(/^vc01\.example\.com-vm-101-[0-9a-f]{10}$/);
    expect(isLabelValue(value)).toBe(true);
    expect(toLabelValue('vc01.example.com-vm-101')).toBe('vc01.example.com-vm-101');
    expect(value).not.toBe(toLabelValue('vc01.example.com-vm-101'));
  });

  it('bounds long values to 63 characters, deterministically, without a non-alphanumeric end', () => {
    const long = `${'a'.repeat(80)}/${'b'.repeat(20)}`;
    const value = toLabelValue(long);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(isLabelValue(value)).toBe(true);
    expect(toLabelValue(long)).toBe(value);
    expect(toLabelValue(`${long}x`)).not.toBe(value);
  });

  it('falls back to the hash alone when nothing of the value is usable', () => {
    const value = toLabelValue('虚拟机/サーバー');
    expect(value).toMatch(/^[0-9a-f]{10}$/);
    expect(toLabelValue('---')).toMatch(/^[0-9a-f]{10}$/);
  });
});

describe('buildLabels', () => {
  it('labels plan, wave, execution and VM with valid values', () => {
    const labels = buildLabels(migrationSpec());
    expect(labels).toEqual({
      'app.kubernetes.io/managed-by': 'flotilla',
      'flotilla.io/plan': '0b6f1d6e-4a51-4c8e-9a0e-3f7d2c1b0a99',
      'flotilla.io/wave': '2',
      'flotilla.io/execution': '7e57c0de-1234-4abc-8def-0123456789ab',
      'flotilla.io/vm': toLabelValue('vc01.example.com/vm-101'),
    });
    for (const value of Object.values(labels)) expect(isLabelValue(value)).toBe(true);
  });
});

describe('object names', () => {
  it('derives every name from the target VM name', () => {
    const names = vmObjectNames(migrationSpec());
    expect(names.virtualMachine).toBe('web-01');
    expect(names.namespace).toBe('migrated');
    expect(names.dataVolume(0)).toBe('web-01-disk-0');
    expect(names.dataVolume(12)).toBe('web-01-disk-12');
    expect(names.credentialsSecret).toBe('web-01-vddk');
    expect(names.guestConversionPod).toBe('web-01-v2v');
  });

  it('sanitizes the source name the way Forklift does when no target name was planned', () => {
    const named = (name: string, moref = 'vm-739') =>
      vmObjectNames(migrationSpec({ vm: inventoryVm({ name, moref }) })).virtualMachine;
    // Forklift's ChangeVmName keeps dots (a DNS-1123 subdomain) and transliterates nothing.
    expect(named('SQL_Server 2019.prod')).toBe('sql-server-2019.prod');
    expect(named('T-NG-01.usfq.edu.ec')).toBe('t-ng-01.usfq.edu.ec');
    expect(named('.a..b-.')).toBe('a.b');
    expect(named('Café-01')).toBe('caf-01');
    expect(named('サーバー 検証')).toBe('vm-739');
    expect(named(`${'a'.repeat(60)}.bcdef`)).toBe(`${'a'.repeat(60)}.bc`);
  });

  it('keeps names of long VMs at most 63 characters, distinct and stable', () => {
    const targetName = `app-${'x'.repeat(59)}`;
    expect(targetName.length).toBe(63);
    const names = vmObjectNames(migrationSpec({ targetName }));
    const other = vmObjectNames(migrationSpec({ targetName: `app-${'x'.repeat(58)}y` }));
    for (const name of [
      names.dataVolume(0),
      names.dataVolume(15),
      names.credentialsSecret,
      names.guestConversionPod,
    ]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(isDns1123Label(name)).toBe(true);
    }
    expect(names.dataVolume(3)).toMatch(/-disk-3$/);
    expect(names.dataVolume(0)).not.toBe(other.dataVolume(0));
    expect(vmObjectNames(migrationSpec({ targetName })).dataVolume(0)).toBe(names.dataVolume(0));
  });

  it('bounds any base and suffix to a DNS-1123 label', () => {
    const name = boundedName(`${'a'.repeat(60)}-`, '-disk-100');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(isDns1123Label(name)).toBe(true);
    expect(boundedName('web-01', '-disk-0')).toBe('web-01-disk-0');
  });

  it('uses a given credentials Secret name', () => {
    expect(vmObjectNames(migrationSpec({ credentialsSecretName: 'wave-2-vcenter' })).credentialsSecret).toBe(
      'wave-2-vcenter',
    );
  });

  it('refuses a planned target name or namespace Kubernetes would reject, naming the VM', () => {
    expect(() => vmObjectNames(migrationSpec({ targetName: 'Web_01' }))).toThrow(ManifestBuildError);
    expect(() => vmObjectNames(migrationSpec({ targetName: 'Web_01' }))).toThrow(/VM "web-01".*"Web_01"/);
    expect(() => vmObjectNames(migrationSpec({ targetNamespace: 'Migrated' }))).toThrow(
      /namespace "Migrated"/,
    );
    expect(() => vmObjectNames(migrationSpec({ credentialsSecretName: 'Bad Name' }))).toThrow(
      /Secret name "Bad Name"/,
    );
  });
});
