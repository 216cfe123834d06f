import { RE2JS } from 're2js';

/**
 * User-supplied patterns (grouping rules, name prefixes, policy patterns, filters) run over every
 * VM of an estate. V8's RegExp backtracks: a ten-character pattern such as `((a+)+)+$` froze the
 * whole API for minutes. RE2 (through its pure JavaScript port) matches in time linear in the
 * text, and refuses the constructs that would need backtracking instead of running them slowly.
 */

export interface LinearPatternOptions {
  /** `i`: letters match either case. */
  readonly caseInsensitive?: boolean;
  /** `m`: `^` and `$` match at line breaks too. */
  readonly multiline?: boolean;
  /** `s`: `.` matches line breaks too. */
  readonly dotAll?: boolean;
  /**
   * Cap on the compiled program (default MAX_PROGRAM_SIZE). Patterns whose capture groups are read
   * for every VM pass MAX_CAPTURE_PROGRAM_SIZE: submatch extraction costs program size × name length.
   */
  readonly maxProgramSize?: number;
}

/** What a pattern matched: the whole match and each capture group (undefined when it did not take part). */
export interface LinearPatternMatch {
  readonly match: string;
  readonly groups: readonly (string | undefined)[];
}

export interface LinearPattern {
  /** The pattern as the user wrote it (for messages and evidence). */
  readonly source: string;
  /** True when the pattern matches anywhere in `text` (like `RegExp.prototype.test`). */
  test(text: string): boolean;
  /** The first match in `text`, or null (like `RegExp.prototype.exec` without the `g` flag). */
  exec(text: string): LinearPatternMatch | null;
}

/** Long enough for any real rule; a cap keeps the compiled program (and its memory) small. */
export const MAX_PATTERN_LENGTH = 1_000;
/**
 * Matching is linear in the text but, when capture groups are read, also proportional to the
 * compiled program: `(.{0,100}){10}` compiles to 2,023 instructions and takes seconds over 10,000
 * names. The largest pattern of the default policy compiles to 100.
 */
export const MAX_PROGRAM_SIZE = 500;
/**
 * For patterns whose capture groups are read on every name (the name-prefix grouping key): at 48
 * instructions the worst we could construct reads groups from 10,000 names of 70 characters in
 * about 50 ms; `(.*a){20}` (102 instructions) needed over 200 ms. Real prefix patterns such as
 * `^([a-z]+)-` compile to about 10.
 */
export const MAX_CAPTURE_PROGRAM_SIZE = 48;

export class PatternRefusedError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(`pattern /${source}/ is refused: ${reason}`);
    this.name = 'PatternRefusedError';
  }
}

/** Compiles `source` (JavaScript regular expression syntax) for the linear-time engine, or throws PatternRefusedError. */
export function compileLinearPattern(source: string, options: LinearPatternOptions = {}): LinearPattern {
  const refusal = unsupportedConstruct(source);
  if (refusal !== null) throw new PatternRefusedError(source, refusal);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(source), flagsOf(options));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new PatternRefusedError(
      source,
      `invalid regular expression for the linear-time engine: ${message}`,
    );
  }
  const size = compiled.programSize();
  const limit = options.maxProgramSize ?? MAX_PROGRAM_SIZE;
  if (size > limit) {
    throw new PatternRefusedError(
      source,
      `it is too complex: it compiles to ${size} instructions and the limit is ${limit} (large counted repeats such as {100} multiply the size)`,
    );
  }
  return {
    source,
    test: (text) => compiled.test(text),
    exec: (text) => {
      // The DFA behind test() is much faster than submatch extraction, and most names do not match.
      if (!compiled.test(text)) return null;
      // RE2's own submatch search: about twice as fast as exec(), which builds a RegExpExecArray.
      const found: Array<string | null> | null = compiled.re2().findSubmatch(text);
      if (found === null) return null;
      return { match: found[0] ?? '', groups: found.slice(1).map((group) => group ?? undefined) };
    },
  };
}

/** Why `source` cannot be used as a pattern, or null when it compiles. For validators that collect messages. */
export function linearPatternProblem(source: string, options: LinearPatternOptions = {}): string | null {
  try {
    compileLinearPattern(source, options);
    return null;
  } catch (error) {
    if (error instanceof PatternRefusedError) return error.reason;
    throw error;
  }
}

/** Escapes `text` so that it matches itself literally. */
export function quoteLiteral(text: string): string {
  return RE2JS.quote(text);
}

function flagsOf(options: LinearPatternOptions): number {
  let flags = 0;
  if (options.caseInsensitive) flags |= RE2JS.CASE_INSENSITIVE;
  if (options.multiline) flags |= RE2JS.MULTILINE;
  if (options.dotAll) flags |= RE2JS.DOTALL;
  return flags;
}

/**
 * The constructs RE2 cannot run in linear time, found before translation: re2js's JavaScript
 * translator would otherwise turn `\k<name>` into the literal `k<name>` and change the meaning
 * silently.
 */
function unsupportedConstruct(source: string): string | null {
  if (source.length === 0) return 'it is empty';
  if (source.length > MAX_PATTERN_LENGTH) {
    return `it is ${source.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`;
  }
  let inClass = false;
  for (let index = 0; index < source.length; index++) {
    const char = source[index];
    const next = source[index + 1] ?? '';
    if (char === '\\') {
      if (/[1-9]/.test(next) || (next === 'k' && source[index + 2] === '<')) {
        return `backreferences (\\${next}…) need a backtracking engine, which a hostile pattern can stall; match the text explicitly instead`;
      }
      index++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      continue;
    }
    if (char === '(' && next === '?') {
      const lookaround = source.slice(index + 2, index + 4);
      if (
        lookaround.startsWith('=') ||
        lookaround.startsWith('!') ||
        lookaround === '<=' ||
        lookaround === '<!'
      ) {
        return `lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported by the linear-time engine; rewrite the pattern without them`;
      }
    }
  }
  return null;
}
