import { describe, expect, it } from 'vitest';
import { parsePlanSettings, planWaves, type Wave, waveContentHash } from './index.js';
import { mappedPlanInput, sizedVm, testAssessment, testNic } from './testing/synthetic-estate.js';

const vms = Array.from({ length: 4 }, (_, index) =>
  sizedVm(`vm-${index}`, [10], { nics: [testNic({ network: `net-${index % 2}` })] }, `ds-${index % 2}`),
);
const input = mappedPlanInput(
  vms,
  vms.map((vm) => testAssessment(vm)),
  { constraints: { pilot: null } },
);
const [wave] = planWaves(input).waves;
const maps = { networkMap: input.settings.networkMap, storageMap: input.settings.storageMap };

describe('waveContentHash', () => {
  it('is a stable SHA-256 that ignores order and the wave number', () => {
    const hash = waveContentHash(wave, maps);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(waveContentHash(structuredClone(wave), structuredClone(maps))).toBe(hash);
    const reordered: Wave = {
      ...wave,
      number: 7,
      vmKeys: [...wave.vmKeys].reverse(),
      vms: [...wave.vms].reverse(),
      networks: [...wave.networks].reverse(),
    };
    const reorderedMaps = {
      networkMap: Object.fromEntries(Object.entries(maps.networkMap).reverse()),
      storageMap: { 'ds-1': { storageClass: 'standard' }, 'ds-0': { storageClass: 'standard' } },
    };
    expect(waveContentHash(reordered, reorderedMaps)).toBe(hash);
  });

  it('ignores map entries the wave does not use', () => {
    const extra = {
      networkMap: { ...maps.networkMap, unused: { type: 'ignored' as const } },
      storageMap: { ...maps.storageMap, 'ds-unused': { storageClass: 'x' } },
    };
    expect(waveContentHash(wave, extra)).toBe(waveContentHash(wave, maps));
  });

  it('changes with the VMs, groups, namespaces and the map entries the wave uses', () => {
    const hash = waveContentHash(wave, maps);
    const variants: [string, Wave, typeof maps][] = [
      ['one VM fewer', { ...wave, vmKeys: wave.vmKeys.slice(1), vms: wave.vms.slice(1) }, maps],
      ['another group', { ...wave, groups: [...wave.groups, 'vm:other'] }, maps],
      ['wave namespace', { ...wave, targetNamespace: 'elsewhere' }, maps],
      [
        'a VM namespace',
        { ...wave, vms: wave.vms.map((vm, index) => (index === 0 ? { ...vm, targetNamespace: 'x' } : vm)) },
        maps,
      ],
      [
        'network target',
        wave,
        { ...maps, networkMap: { ...maps.networkMap, 'net-0': { type: 'multus', name: 'a/b' } } },
      ],
      ['network unmapped', wave, { ...maps, networkMap: { 'net-1': { type: 'pod' } } }],
      [
        'storage class',
        wave,
        { ...maps, storageMap: { ...maps.storageMap, 'ds-0': { storageClass: 'fast' } } },
      ],
      [
        'volume mode',
        wave,
        {
          ...maps,
          storageMap: { ...maps.storageMap, 'ds-0': { storageClass: 'standard', volumeMode: 'Block' } },
        },
      ],
    ];
    const hashes = variants.map(([, changed, changedMaps]) => waveContentHash(changed, changedMaps));
    for (const changed of hashes) expect(changed).not.toBe(hash);
    expect(new Set(hashes).size).toBe(variants.length);
  });

  it('changes with the VMs moved warm and the booked cutover, and not for a cold unbooked plan', () => {
    const hash = waveContentHash(wave, maps);
    const cold = parsePlanSettings({});
    expect(waveContentHash(wave, { ...maps, migration: cold.migration })).toBe(hash);
    const warmWave = { ...cold.migration, byWave: { [String(wave.number)]: 'warm' as const } };
    const oneWarm = { ...cold.migration, warmVms: [wave.vms[0].name] };
    const booked = { ...cold.migration, cutoverAt: { [String(wave.number)]: '2026-01-10T22:00:00Z' } };
    const sameInstant = {
      ...cold.migration,
      cutoverAt: { [String(wave.number)]: '2026-01-10T23:00:00+01:00' },
    };
    const hashes = [warmWave, oneWarm, booked].map((migration) =>
      waveContentHash(wave, { ...maps, migration }),
    );
    for (const changed of hashes) expect(changed).not.toBe(hash);
    expect(new Set(hashes).size).toBe(3);
    expect(waveContentHash(wave, { ...maps, migration: sameInstant })).toBe(hashes[2]);
    const otherWaveBooked = {
      ...cold.migration,
      cutoverAt: { [String(wave.number + 1)]: '2026-01-10T22:00:00Z' },
    };
    expect(waveContentHash(wave, { ...maps, migration: otherWaveBooked })).toBe(hash);
  });
});
