/**
 * Checks a CronJob schedule exactly as the API server does: `validateScheduleFormat` in
 * k8s.io/kubernetes/pkg/apis/batch/validation (ValidateCronJob) calls
 * `cron.ParseStandard` of github.com/robfig/cron/v3 (the parser the CronJob controller
 * runs too) and refuses any schedule containing "TZ" (the time zone goes in `timeZone`).
 * So a schedule is accepted here if and only if the cluster accepts it: a typo fails the
 * synth, and nothing the controller takes is refused (`@every 90m`, `*\/100`, `?`).
 *
 * ParseStandard, in short: a descriptor (`@yearly`, `@annually`, `@monthly`, `@weekly`,
 * `@daily`, `@midnight`, `@hourly`, `@every <Go duration>`) or exactly five fields split
 * on Unicode white space; each field a comma list (empty items ignored) of `*`, `?`,
 * `N`, `N-M` or a name, each with an optional `/step`. test/upstream-oracle.test.ts
 * compares this file with the real parser.
 */
import { ValidationError } from './prop-checks';

/** The descriptors ParseStandard knows besides `@every <duration>` (robfig/cron v3 parseDescriptor). */
export const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names allowed instead of numbers (lowercase), the first one meaning `min`. */
  readonly names?: readonly string[] | undefined;
}

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const ALLOWED = 'Must be a cron schedule as the CronJob controller reads it (robfig/cron v3 ParseStandard): 5 fields '
  + '"minute(0-59) hour(0-23) day-of-month(1-31) month(1-12 or jan-dec) day-of-week(0-6 or sun-sat)", each *, ?, N, N-M or a list a,b, '
  + `with an optional /step (e.g. "0 3 * * *" for 03:00 every day), or one of ${CRON_DESCRIPTORS.join(', ')}, "@every <duration>" (e.g. "@every 90m").`;

/** Why `schedule` is refused by the API server, or undefined when it is accepted. */
export function cronScheduleProblem(schedule: string): string | undefined {
  if (schedule.length === 0) return 'it is empty';
  // validateScheduleFormat: the time zone belongs in spec.timeZone, never in the schedule.
  if (schedule.includes('TZ')) return 'it contains "TZ": set the time zone with timeZone, not TZ= or CRON_TZ= in the schedule';
  if (schedule.startsWith('@')) {
    if ((CRON_DESCRIPTORS as readonly string[]).includes(schedule)) return undefined;
    if (schedule.startsWith('@every ')) {
      const problem = goDurationProblem(schedule.slice('@every '.length));
      return problem === undefined ? undefined : `"@every" needs a Go duration such as 90m, 1h30m or 45s; ${problem}`;
    }
    return `it is not a known descriptor (${CRON_DESCRIPTORS.join(', ')}, "@every <duration>"; exactly, no extra spaces)`;
  }
  const fields = goFields(schedule);
  if (fields.length !== 5) return `it has ${fields.length} field(s), not exactly 5`;
  for (const [i, text] of fields.entries()) {
    const field = FIELDS[i]!; // five of each
    const problem = fieldProblem(text, field);
    if (problem !== undefined) return `the ${field.name} field "${text}" ${problem}`;
  }
  return undefined;
}

/** A CronJob schedule the API server accepts (see the file comment). */
export function validateCronSchedule(field: string, value: string): string {
  if (typeof value !== 'string') throw new ValidationError(field, value, ALLOWED);
  const problem = cronScheduleProblem(value);
  if (problem !== undefined) throw new ValidationError(field, value, `${ALLOWED} Here ${problem}.`);
  return value;
}

/** Go's unicode.IsSpace: what strings.Fields splits on (not JavaScript's \s: U+0085 yes, U+FEFF no). */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

function goFields(text: string): string[] {
  return text.split(GO_SPACE).filter((f) => f !== '');
}

/** Why one field is refused (robfig/cron getField and getRange), or undefined. */
function fieldProblem(text: string, f: CronField): string | undefined {
  // strings.FieldsFunc on ',': empty items are dropped, so "1,,2" and even "," are accepted.
  for (const expr of text.split(',').filter((e) => e !== '')) {
    const rangeAndStep = expr.split('/');
    const lowAndHigh = rangeAndStep[0]!.split('-'); // split returns at least one item
    let start: number;
    let end: number;
    if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
      // The rest of the range is ignored ("*-5" is "*").
      [start, end] = [f.min, f.max];
    } else {
      if (lowAndHigh.length > 2) return `has "${expr}" with more than one "-"`;
      const low = intOrName(lowAndHigh[0]!, f);
      if (typeof low === 'string') return low;
      start = low;
      if (lowAndHigh.length === 2) {
        const high = intOrName(lowAndHigh[1]!, f);
        if (typeof high === 'string') return high;
        end = high;
      } else {
        end = start;
      }
    }
    if (rangeAndStep.length > 2) return `has "${expr}" with more than one "/"`;
    let step = 1;
    if (rangeAndStep.length === 2) {
      const s = goAtoi(rangeAndStep[1]!);
      if (typeof s === 'string') return `has step "${rangeAndStep[1]}": ${s}`;
      step = s;
      if (lowAndHigh.length === 1) end = f.max; // "N/step" means "N-max/step"
    }
    if (start < f.min) return `starts below ${f.min}`;
    if (end > f.max) return `goes above ${f.max}${f.name === 'day of week' && end === 7 ? ' (Sunday is 0, not 7)' : ''}`;
    if (start > end) return `has range "${expr}" whose start is after its end`;
    if (step === 0) return `has step 0 in "${expr}" (a step must be positive)`;
  }
  return undefined;
}

/** robfig/cron parseIntOrName: a name (case-insensitive, Go's simple case folding) or mustParseInt. */
function intOrName(text: string, f: CronField): number | string {
  const index = f.names?.indexOf(goToLower(text)) ?? -1;
  if (index >= 0) return f.min + index;
  const n = goAtoi(text);
  return typeof n === 'string' ? `has "${text}", which is not a number from ${f.min} to ${f.max}${f.names ? ` or a name (${f.names.join(', ')})` : ''}` : n;
}

/** robfig/cron mustParseInt (strconv.Atoi, then no negative): the number, or why not. Beyond int64 is "out of range". */
function goAtoi(text: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(text)) return 'not a whole number';
  const negative = text.startsWith('-');
  const digits = text.replace(/^[+-]/, '').replace(/^0+(?=.)/, '');
  if (decimalCompare(digits, negative ? INT64_LIMIT : INT64_MAX) > 0) return 'out of range';
  if (negative && digits !== '0') return 'negative';
  return digits.length > 7 ? 1_000_000 : Number(digits); // only compared with bounds below 60
}

/** Go's strings.ToLower, per code point (simple case mapping: U+0130 becomes "i", not "i̇"). */
function goToLower(text: string): string {
  let out = '';
  for (const c of text) out += c === '\u0130' ? 'i' : (c.toLowerCase().length === c.length ? c.toLowerCase() : c);
  return out;
}

// Go's int64 nanoseconds, as decimal strings: exact without BigInt, which the ES2019 target
// of a project made by `cdk8s init` lacks. 1<<63 and 1<<63 - 1.
const INT64_LIMIT = '9223372036854775808';
const INT64_MAX = '9223372036854775807';

/** Compares two non-negative decimal strings without leading zeros. */
function decimalCompare(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** a * m + add, for a non-negative decimal string and small non-negative integers m and add. */
function decimalMulAdd(a: string, m: number, add = 0): string {
  let carry = add;
  let out = '';
  for (let i = a.length - 1; i >= 0; i--) {
    const d = Number(a[i]) * m + carry;
    out = String(d % 10) + out;
    carry = Math.floor(d / 10);
  }
  while (carry > 0) {
    out = String(carry % 10) + out;
    carry = Math.floor(carry / 10);
  }
  return out.replace(/^0+(?=.)/, '');
}

function decimalAdd(a: string, b: string): string {
  let out = '';
  let carry = 0;
  for (let i = a.length - 1, j = b.length - 1; i >= 0 || j >= 0 || carry > 0; i--, j--) {
    const d = (i >= 0 ? Number(a[i]) : 0) + (j >= 0 ? Number(b[j]) : 0) + carry;
    out = String(d % 10) + out;
    carry = d >= 10 ? 1 : 0;
  }
  return out.replace(/^0+(?=.)/, '');
}

/** Each unit as a factor (a small number times a power of ten) and 1<<63 divided by it. */
const GO_UNITS: Readonly<Record<string, { factor: number; zeros: number; max: string }>> = {
  ns: { factor: 1, zeros: 0, max: INT64_LIMIT },
  us: { factor: 1, zeros: 3, max: '9223372036854775' },
  'µs': { factor: 1, zeros: 3, max: '9223372036854775' },
  'μs': { factor: 1, zeros: 3, max: '9223372036854775' },
  ms: { factor: 1, zeros: 6, max: '9223372036854' },
  s: { factor: 1, zeros: 9, max: '9223372036' },
  m: { factor: 6, zeros: 10, max: '153722867' },
  h: { factor: 36, zeros: 11, max: '2562047' },
};

/** Why Go's time.ParseDuration refuses `s` (its grammar and its int64 nanosecond range), or undefined. */
export function goDurationProblem(s: string): string | undefined {
  const invalid = `"${s}" is not a duration`;
  const overflow = `${invalid} (out of range)`;
  let rest = s;
  if (rest.startsWith('-') || rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return undefined;
  if (rest === '') return invalid;
  let total = '0';
  while (rest !== '') {
    if (!/^[.0-9]/.test(rest)) return invalid;
    const m = /^([0-9]*)(?:\.([0-9]*))?([^.0-9]*)([\s\S]*)$/.exec(rest)!;
    // Every group but the fraction always takes part in the match.
    const [whole, fraction, unit, tail] = [m[1]!, m[2], m[3]!, m[4]!];
    const hasDot = rest.length > whole.length && rest[whole.length] === '.';
    if (whole === '' && !(hasDot && fraction !== '')) return invalid; // no digits (".s")
    let v = '0';
    for (const digit of whole) { // leadingInt
      if (decimalCompare(v, '922337203685477580') > 0) return overflow;
      v = decimalMulAdd(v, 10, Number(digit));
      if (decimalCompare(v, INT64_LIMIT) > 0) return overflow;
    }
    if (unit === '') return `"${s}" has no unit (ns, us, ms, s, m, h)`;
    const u = GO_UNITS[unit];
    if (u === undefined) return `"${s}" has the unknown unit "${unit}" (ns, us, ms, s, m, h)`;
    if (decimalCompare(v, u.max) > 0) return overflow;
    v = decimalMulAdd(v, u.factor);
    if (v !== '0') v += '0'.repeat(u.zeros);
    // leadingFraction: the digits that fit before overflow count, the rest are skipped.
    let f = '0';
    let scale = 1;
    let stopped = false;
    for (const digit of fraction ?? '') {
      if (stopped) continue;
      if (decimalCompare(f, '922337203685477580') > 0) { stopped = true; continue; }
      const y = decimalMulAdd(f, 10, Number(digit));
      if (decimalCompare(y, INT64_LIMIT) > 0) { stopped = true; continue; }
      f = y;
      scale *= 10;
    }
    if (f !== '0') {
      // float64(f) * (float64(unit) / scale), truncated: below one unit, so exact as a Number.
      v = decimalAdd(v, String(Math.trunc(Number(f) * ((u.factor * 10 ** u.zeros) / scale))));
      if (decimalCompare(v, INT64_LIMIT) > 0) return overflow;
    }
    total = decimalAdd(total, v);
    if (decimalCompare(total, INT64_LIMIT) > 0) return overflow;
    rest = tail;
  }
  if (!s.startsWith('-') && decimalCompare(total, INT64_MAX) > 0) return overflow;
  return undefined;
}
