import { compileLinearPattern, PatternRefusedError, quoteLiteral } from '#libs/patterns';

export type VmNameMatcher = (name: string) => boolean;

const REGEX_LITERAL = /^\/(.+)\/([imsu]*)$/;
/** User patterns run against thousands of names; a cap keeps pathological ones short. */
const MAX_PATTERN_LENGTH = 200;

/**
 * Compiles one entry of a grouping rule: `/regex/flags`, a glob with `*` and `?`, or an exact VM
 * name. Regexes and globs run on the linear-time engine (a glob with many stars backtracks
 * polynomially on V8's engine too). Throws PatternRefusedError saying why a pattern cannot be used.
 */
function compileVmNamePatternOrThrow(pattern: string): VmNameMatcher {
  if (pattern.length === 0) throw new PatternRefusedError(pattern, 'it is empty');
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternRefusedError(
      pattern,
      `it is ${pattern.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`,
    );
  }
  const literal = REGEX_LITERAL.exec(pattern);
  if (literal) {
    const flags = literal[2];
    const regex = compileLinearPattern(literal[1], {
      caseInsensitive: flags.includes('i'),
      multiline: flags.includes('m'),
      dotAll: flags.includes('s'),
    });
    return (name) => regex.test(name);
  }
  if (pattern.includes('*') || pattern.includes('?')) {
    const source = [...pattern]
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : quoteLiteral(char)))
      .join('');
    const glob = compileLinearPattern(`^${source}$`, { dotAll: true });
    return (name) => glob.test(name);
  }
  return (name) => name === pattern;
}

/** As compileVmNamePatternOrThrow, or null when the pattern cannot be used. */
export function compileVmNamePattern(pattern: string): VmNameMatcher | null {
  try {
    return compileVmNamePatternOrThrow(pattern);
  } catch (error) {
    if (error instanceof PatternRefusedError) return null;
    throw error;
  }
}

/** Why a grouping-rule entry cannot be used, or null when it can. */
export function vmNamePatternProblem(pattern: string): string | null {
  try {
    compileVmNamePatternOrThrow(pattern);
    return null;
  } catch (error) {
    if (error instanceof PatternRefusedError) return error.reason;
    throw error;
  }
}
