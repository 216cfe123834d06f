export type VmNameMatcher = (name: string) => boolean;

const REGEX_LITERAL = /^\/(.+)\/([imsu]*)$/;
const REGEX_SPECIALS = /[.+^${}()|[\]\\]/g;
/** User patterns run against thousands of names; a cap keeps pathological ones short. */
const MAX_PATTERN_LENGTH = 200;

/**
 * Compiles one entry of a grouping rule: `/regex/flags`, a glob with `*` and `?`, or an exact
 * VM name. Returns null when the pattern cannot be compiled.
 */
export function compileVmNamePattern(pattern: string): VmNameMatcher | null {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) return null;
  const literal = REGEX_LITERAL.exec(pattern);
  if (literal) {
    try {
      const regex = new RegExp(literal[1], literal[2]);
      return (name) => regex.test(name);
    } catch {
      return null;
    }
  }
  if (pattern.includes('*') || pattern.includes('?')) {
    const source = pattern.replace(REGEX_SPECIALS, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    const regex = new RegExp(`^${source}$`);
    return (name) => regex.test(name);
  }
  return (name) => name === pattern;
}
