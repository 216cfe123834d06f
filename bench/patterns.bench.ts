/**
 * npm run bench:patterns — the worst patterns we could construct, each over 10,000 VM names
 * (hostile runs of one or two letters, and realistic names), on the linear-time engine every user
 * pattern goes through. Target: matching (rules, policies, filters) under 100 ms each; reading
 * capture groups (the name-prefix key, whose patterns pass the tighter MAX_CAPTURE_PROGRAM_SIZE;
 * larger ones are refused with 422) under 100 ms too. V8's RegExp needs hours for the first pattern.
 */
import { compileLinearPattern, linearPatternProblem, MAX_CAPTURE_PROGRAM_SIZE } from '#libs/patterns';

const WORST_PATTERNS = [
  '((a+)+)+$',
  '(a+)+$',
  '(a|a)*b',
  '(a|aa)+$',
  '(a*)*b',
  '(.*a){20}',
  '(.*a){20}!x',
  '(x+x+)+y',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '(\\w+\\s?)*$',
  '.*.*.*.*.*.*.*.*.*.*=',
  '[a-z]{400}',
  '(.{0,10}){10}$',
  '^(.{0,20}){10}',
  '^((a+)+)+$',
  // Exponentially many DFA states: the engine's state cache must not fall over.
  '[ab]*a[ab]{20}',
  '(a|b)*a(a|b){12}$',
];
const TARGET_MS = 100;
const EXEC_TARGET_MS = 100;

const hostileNames = Array.from({ length: 10_000 }, (_, index) =>
  index % 2 === 0
    ? `${'a'.repeat(70)}!${index}`
    : Array.from({ length: 70 }, (_, at) => ((index * 7_919 + at * at * 31) % 3 === 0 ? 'a' : 'b')).join(''),
);
const realisticNames = Array.from(
  { length: 10_000 },
  (_, index) =>
    `${['web', 'db', 'app', 'batch'][index % 4]}-${['prod', 'test'][index % 2]}-${String(index).padStart(5, '0')}.corp.example`,
);

interface Row {
  pattern: string;
  names: string;
  flags: string;
  /** Compile + test() over every name (median of 5): grouping rules, policy patterns, filters. */
  testMs: number;
  /** exec() with capture groups over every name (median of 3): the name-prefix key; -1 when refused there. */
  execMs: number;
  matched: number;
}

/** The median of a few runs: on a shared 2-core machine a single run catches scheduling and GC pauses. */
function medianMs(runs: number, work: () => void): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return Math.round((times[Math.floor(times.length / 2)] ?? 0) * 10) / 10;
}

// Warm-up: the first pattern would otherwise also pay for compiling the engine's own code.
for (const name of realisticNames) compileLinearPattern('^([a-z]+)-').exec(name);

const rows: Row[] = [];
for (const source of WORST_PATTERNS) {
  for (const caseInsensitive of [false, true]) {
    for (const [label, names] of [
      ['hostile', hostileNames],
      ['realistic', realisticNames],
    ] as const) {
      let matched = 0;
      const testMs = medianMs(5, () => {
        const pattern = compileLinearPattern(source, { caseInsensitive });
        matched = 0;
        for (const name of names) if (pattern.test(name)) matched++;
      });
      // As a name-prefix pattern it must pass the capture cap; a refused one never runs there.
      const asPrefix = { caseInsensitive, maxProgramSize: MAX_CAPTURE_PROGRAM_SIZE };
      let execMs = -1;
      if (linearPatternProblem(source, asPrefix) === null) {
        const pattern = compileLinearPattern(source, asPrefix);
        execMs = medianMs(3, () => {
          for (const name of names) pattern.exec(name);
        });
      }
      rows.push({
        pattern: source,
        names: label,
        flags: caseInsensitive ? 'i' : '',
        testMs,
        execMs,
        matched,
      });
    }
  }
}

const widest = Math.max(...rows.map((row) => row.pattern.length));
process.stdout.write(`${'pattern'.padEnd(widest)}  names      flags  test ms  exec ms  matched\n`);
for (const row of rows) {
  process.stdout.write(
    `${row.pattern.padEnd(widest)}  ${row.names.padEnd(9)}  ${row.flags.padEnd(5)}  ${String(row.testMs).padEnd(7)}  ${String(row.execMs < 0 ? 'refused' : row.execMs).padEnd(7)}  ${row.matched}\n`,
  );
}
const slowest = (key: 'testMs' | 'execMs') =>
  rows.reduce((worst, row) => (row[key] > worst[key] ? row : worst));
// Capture groups (only the name-prefix key reads them) take the bit-state backtracker or the NFA:
// linear, but proportional to program size times name length: hence the tighter program cap there.
const refusedAsPrefix = [...new Set(rows.filter((row) => row.execMs < 0).map((row) => `/${row.pattern}/`))];
process.stdout.write(
  `refused as name-prefix patterns (over ${MAX_CAPTURE_PROGRAM_SIZE} instructions): ${refusedAsPrefix.join(' ') || 'none'}\n`,
);
for (const [key, what, target] of [
  ['testMs', 'test (rules, policies, filters)', TARGET_MS],
  ['execMs', 'exec with capture groups (name-prefix key)', EXEC_TARGET_MS],
] as const) {
  const worst = slowest(key);
  process.stdout.write(
    `slowest ${what}: /${worst.pattern}/${worst.flags} over 10,000 ${worst.names} names in ${worst[key]} ms (target < ${target} ms)\n`,
  );
  if (worst[key] >= target) process.exitCode = 1;
}
