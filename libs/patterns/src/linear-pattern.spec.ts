import { describe, expect, it } from 'vitest';
import {
  compileLinearPattern,
  linearPatternProblem,
  MAX_CAPTURE_PROGRAM_SIZE,
  PatternRefusedError,
} from './index.js';

/** The inputs that make a backtracking engine take exponential time: a long run, then a mismatch. */
const HOSTILE_NAME = `${'a'.repeat(5_000)}!`;

describe('compileLinearPattern', () => {
  it('runs patterns that stall a backtracking engine in linear time', () => {
    // On V8's RegExp each of these takes longer than the test timeout on HOSTILE_NAME (the
    // first freezes for hours); on the linear-time engine they answer at once.
    for (const source of ['((a+)+)+$', '(a|a)*b', '(a*)*b', '(a|aa)+$', '(.*a){20}!b']) {
      const pattern = compileLinearPattern(source);
      const started = performance.now();
      expect(pattern.test(HOSTILE_NAME), source).toBe(false);
      expect(pattern.exec(HOSTILE_NAME), source).toBeNull();
      // Generous bound: about 1,000 times what it takes here, so it cannot flake.
      expect(performance.now() - started, source).toBeLessThan(5_000);
    }
  });

  it('keeps the JavaScript semantics the patterns were written for', () => {
    expect(compileLinearPattern('-old$').test('web-01-OLD')).toBe(false);
    expect(compileLinearPattern('-old$', { caseInsensitive: true }).test('web-01-OLD')).toBe(true);
    expect(compileLinearPattern('^vCLS([-_\\s(]|$)', { caseInsensitive: true }).test('vcls-1a2b')).toBe(true);
    expect(compileLinearPattern('caf\\u00e9\\/x').test('a café/x')).toBe(true);
    expect(compileLinearPattern('^([a-z]+)-\\d+$').exec('web-07')).toEqual({
      match: 'web-07',
      groups: ['web'],
    });
    expect(compileLinearPattern('^(?<app>[a-z]+)(-x)?').exec('db-1')).toEqual({
      match: 'db',
      groups: ['db', undefined],
    });
    // Escaped backslashes and classes are not mistaken for backreferences or lookaround.
    expect(compileLinearPattern('\\\\1').test('C:\\1')).toBe(true);
    expect(compileLinearPattern('[(?=]x').test('=x')).toBe(true);
  });

  it('refuses backreferences and lookaround, saying why', () => {
    for (const source of ['(a)\\1', '(?<n>a)\\k<n>']) {
      expect(linearPatternProblem(source), source).toMatch(/^backreferences .* need a backtracking engine/);
    }
    for (const source of ['(?=a)b', '(?!prod)', '(?<=x)y', '(?<!x)y']) {
      expect(linearPatternProblem(source), source).toMatch(/^lookahead and lookbehind .* are not supported/);
    }
    expect(() => compileLinearPattern('(a)\\1')).toThrow(PatternRefusedError);
  });

  it('holds patterns whose capture groups are read to a tighter program size', () => {
    const asPrefix = { maxProgramSize: MAX_CAPTURE_PROGRAM_SIZE };
    // Submatch extraction costs program size x name length: (.*a){20} is fine for test() only.
    expect(linearPatternProblem('(.*a){20}')).toBeNull();
    expect(linearPatternProblem('(.*a){20}', asPrefix)).toMatch(
      /compiles to \d+ instructions and the limit is 48/,
    );
    expect(linearPatternProblem('^([a-z]+)-', asPrefix)).toBeNull();
    expect(compileLinearPattern('^([a-z]+)-(\\d+)', asPrefix).exec('web-042')?.groups).toEqual([
      'web',
      '042',
    ]);
  });

  it('refuses syntax errors, empty, oversized and too complex patterns', () => {
    expect(linearPatternProblem('(unclosed')).toMatch(
      /^invalid regular expression for the linear-time engine/,
    );
    expect(linearPatternProblem('')).toBe('it is empty');
    expect(linearPatternProblem('a'.repeat(1_001))).toBe('it is 1001 characters long; the limit is 1000');
    expect(linearPatternProblem('((a{100}){100}){100}')).toMatch(/invalid repeat count/);
    expect(linearPatternProblem('(.{0,1000}){1000}')).toMatch(/expression too large/);
    expect(linearPatternProblem('(.{0,100}){10}$')).toMatch(
      /^it is too complex: it compiles to \d+ instructions and the limit is 500/,
    );
  });
});
