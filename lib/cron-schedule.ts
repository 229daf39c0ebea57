/**
 * Checks a CronJob schedule the way the CronJob controller parses it (standard
 * 5-field cron as robfig/cron reads it, plus its @-macros), so a typo fails the synth
 * instead of a CronJob that never runs.
 */
import { ValidationError } from './prop-checks';

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names allowed instead of numbers, the first one meaning `min`. */
  readonly names?: readonly string[];
}

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

/** A 5-field cron expression (`minute hour day-of-month month day-of-week`) or an @-macro. */
export function validateCronSchedule(field: string, value: string): string {
  const allowed = 'Must be a cron schedule: 5 fields "minute hour day-of-month month day-of-week" '
    + '(e.g. "0 3 * * *" for 03:00 every day; *, lists a,b, ranges a-b and steps */n allowed) or one of '
    + `${MACROS.join(', ')}.`;
  if (typeof value !== 'string') throw new ValidationError(field, value, allowed);
  const trimmed = value.trim();
  if (MACROS.includes(trimmed)) return value;
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5 || trimmed === '') {
    throw new ValidationError(field, value, `${allowed} Got ${trimmed === '' ? 0 : parts.length} fields.`);
  }
  parts.forEach((part, i) => {
    const problem = checkField(part, FIELDS[i]);
    if (problem) throw new ValidationError(field, value, `${allowed} The ${FIELDS[i].name} field "${part}" ${problem}.`);
  });
  return value;
}

/** Why one field is wrong, or undefined when it is fine. */
function checkField(text: string, f: CronField): string | undefined {
  for (const item of text.split(',')) {
    const [range, step, ...extra] = item.split('/');
    if (extra.length > 0) return 'has more than one "/"';
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `has step "${step}", which is not a positive integer`;
    if (step !== undefined && Number(step) > f.max - f.min + 1) return `has step ${step}, larger than its range ${f.min}-${f.max}`;
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `has range "${range}" with more than one "-"`;
    const numbers: number[] = [];
    for (const b of bounds) {
      const n = valueOf(b, f);
      if (n === undefined) {
        return `has "${b}", which is not a number from ${f.min} to ${f.max}${f.names ? ` or a name (${f.names.join(', ')})` : ''}`;
      }
      numbers.push(n);
    }
    if (numbers.length === 2 && numbers[0] > numbers[1]) return `has range "${range}" whose start is after its end`;
  }
  return undefined;
}

function valueOf(text: string, f: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= f.min && n <= f.max ? n : undefined;
  }
  const index = f.names?.indexOf(text.toUpperCase()) ?? -1;
  return index >= 0 ? f.min + index : undefined;
}
