import { describe, expect, it } from 'vitest';
import { KubeApiError } from './api-status.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patches.js';
import { parseQuantity } from './quantity.js';
import { matchesLabels, parseLabelSelector } from './selectors.js';
import { SimulationClock } from './simulation-clock.js';

describe('patches', () => {
  it('applies RFC 6902 move, copy, remove and array append, and fails a failing test op with 422', () => {
    const doc = { a: { b: 1 }, list: [1, 2] };
    expect(
      applyJsonPatch(doc, [
        { op: 'copy', from: '/a', path: '/c' },
        { op: 'move', from: '/a/b', path: '/d' },
        { op: 'add', path: '/list/-', value: 3 },
        { op: 'remove', path: '/list/0' },
      ]),
    ).toEqual({ a: {}, c: { b: 1 }, d: 1, list: [2, 3] });
    expect(doc).toEqual({ a: { b: 1 }, list: [1, 2] });
    const failure = (patch: Parameters<typeof applyJsonPatch>[1]) => {
      try {
        applyJsonPatch(doc, patch);
      } catch (error) {
        return error instanceof KubeApiError ? error.toStatus() : error;
      }
      return undefined;
    };
    expect(failure([{ op: 'test', path: '/a/b', value: 2 }])).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(failure([{ op: 'remove', path: '/nope/x' }])).toMatchObject({
      code: 422,
      details: { causes: [{ message: 'doc is missing path: "/nope/x": missing value' }] },
    });
  });

  it('applies RFC 7386 merge patch with null deletes and list replacement', () => {
    expect(
      applyMergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1] }, { a: null, b: { d: null, e: 4 }, l: [2] }),
    ).toEqual({
      b: { c: 2, e: 4 },
      l: [2],
    });
  });

  it('merges keyed lists and honours $patch directives in strategic merge patches', () => {
    const pod = {
      spec: {
        containers: [
          { name: 'a', image: '1' },
          { name: 'b', image: '1' },
        ],
        volumes: [{ name: 'v' }],
      },
    };
    expect(
      applyStrategicMergePatch(pod, {
        spec: {
          containers: [
            { name: 'b', $patch: 'delete' },
            { name: 'c', image: '2' },
          ],
          volumes: [{ name: 'v', emptyDir: {} }],
        },
      }),
    ).toEqual({
      spec: {
        containers: [
          { name: 'a', image: '1' },
          { name: 'c', image: '2' },
        ],
        volumes: [{ name: 'v', emptyDir: {} }],
      },
    });
  });
});

describe('selectors and quantities', () => {
  it('parses set-based and equality label selectors', () => {
    const selector = parseLabelSelector('tier in (web, db),env!=prod,!legacy,app');
    expect(matchesLabels(selector, { tier: 'web', env: 'dev', app: 'x' })).toBe(true);
    expect(matchesLabels(selector, { tier: 'web', env: 'prod', app: 'x' })).toBe(false);
    expect(matchesLabels(selector, { tier: 'web', app: 'x', legacy: 'true' })).toBe(false);
    expect(() => parseLabelSelector('bad key=1')).toThrow(/unable to parse requirement/);
    expect(() => parseLabelSelector('key=in valid')).toThrow(KubeApiError);
  });

  it('parses resource quantities', () => {
    expect(parseQuantity('20Gi')).toBe(20 * 2 ** 30);
    expect(parseQuantity('1500m')).toBe(1.5);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('2k')).toBe(2000);
    expect(parseQuantity('20 GiB')).toBeUndefined();
  });
});

describe('SimulationClock', () => {
  it('fires timers in order when advanced by hand and splits steps at participant events', () => {
    const clock = new SimulationClock({ paused: true, startTime: 0 });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 50);
    }, 100);
    const steps: [number, number][] = [];
    clock.addParticipant({
      nextEventAt: (now) => (now < 120 ? 120 : undefined),
      advance: (from, to) => steps.push([from, to]),
    });
    clock.advance(1000);
    expect(fired).toEqual(['a@100', 'c@150', 'b@200']);
    expect(steps.map(([, to]) => to)).toEqual([100, 120, 150, 200, 1000]);
    clock.stop();
  });

  it('does not move while paused and moves with the speed factor otherwise', async () => {
    const clock = new SimulationClock({ paused: true, startTime: 0, tickMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(clock.now()).toBe(0);
    clock.setSpeed(100);
    clock.resume();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(clock.now()).toBeGreaterThan(2000);
    clock.stop();
  });
});
