/**
 * A CronJob `timeZone` as the API server checks it (`validateTimeZone` in
 * k8s.io/kubernetes/pkg/apis/batch/validation): not empty, not `Local` (any case: the
 * controller's own zone is not a portable schedule), and a name time.LoadLocation finds,
 * i.e. an IANA tz database name, case-sensitive. The names are those of Go's embedded tz
 * database ({@link TIME_ZONE_NAMES}), which every kube-apiserver can load.
 */
import { ValidationError } from './prop-checks';
import { TIME_ZONE_NAMES } from './time-zones';

const KNOWN: ReadonlySet<string> = new Set(TIME_ZONE_NAMES);
const BY_LOWERCASE: ReadonlyMap<string, string> = new Map(TIME_ZONE_NAMES.map((n) => [n.toLowerCase(), n]));

/** Why the API server refuses `zone` as a timeZone, or undefined when it accepts it. */
export function timeZoneProblem(zone: string): string | undefined {
  if (zone === '') return 'it is empty (leave timeZone unset instead)';
  if (zone.toLowerCase() === 'local') return '"Local" is the controller\'s own zone, which the API server refuses: name the zone';
  if (KNOWN.has(zone)) return undefined;
  const sameButCase = BY_LOWERCASE.get(zone.toLowerCase());
  return sameButCase !== undefined ? `names are case-sensitive: did you mean "${sameButCase}"?` : 'it is not a name of the IANA tz database';
}

/** A timeZone the API server accepts: an IANA name such as "Etc/UTC" or "Europe/Berlin". */
export function validateTimeZone(field: string, value: string): string {
  const allowed = 'Must be an IANA time zone name (case-sensitive) such as "Etc/UTC", "UTC" or "Europe/Berlin", as the API server checks a CronJob timeZone; not "Local".';
  if (typeof value !== 'string') throw new ValidationError(field, value, allowed);
  const problem = timeZoneProblem(value);
  if (problem !== undefined) throw new ValidationError(field, value, `${allowed} Here ${problem}.`);
  return value;
}
