export {
  compileLinearPattern,
  type LinearPattern,
  type LinearPatternMatch,
  type LinearPatternOptions,
  linearPatternProblem,
  MAX_CAPTURE_PROGRAM_SIZE,
  MAX_PATTERN_LENGTH,
  MAX_PROGRAM_SIZE,
  PatternRefusedError,
  quoteLiteral,
} from './linear-pattern.js';
