#!/usr/bin/env bash
# Restore a pg_dump from the backup volume into the primary, or list the dumps.
#
#   scripts/restore-database.sh <namespace>               list the dumps and verify their checksums
#   scripts/restore-database.sh <namespace> <dump name>   restore that dump (after checking its checksum)
#
# kubectl only: records the dump name in the ConfigMap <backup>-restore-request, creates
# a Job from the suspended CronJob <backup>-restore (restore.sh in lib/postgres-scripts.ts),
# waits for it and prints its log. Exit status: 0 when the Job succeeded.
# Settings: BACKUP_NAME (default postgres-backup), RESTORE_TIMEOUT seconds (default 900),
# KUBECTL (default kubectl).
set -euo pipefail
kubectl() { command "${KUBECTL:-kubectl}" "$@"; }

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
refuse() { echo "restore-database: $*" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
ns=$1 dump=${2:-}
backup=${BACKUP_NAME:-postgres-backup}
timeout=${RESTORE_TIMEOUT:-900}
# Every argument and setting is checked before the first kubectl call: an empty or odd one
# would otherwise reach kubectl as `-n ''` (the current context's namespace) or as an option.
is_label() { [ ${#1} -le "$2" ] && [[ $1 =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]]; }
is_label "$ns" 63 || refuse "the namespace must be a Kubernetes namespace name (1-63 lowercase letters, digits or '-', starting and ending with a letter or digit), got: '$ns'"
if [ $# -eq 2 ]; then
  # What backup.sh writes: <database>-<UTC time>.dump. Never a path, never starting with '-' or '.'.
  [ -n "$dump" ] || refuse "the dump name is empty: give a name from the list, or leave it out to list the dumps"
  if [ ${#dump} -gt 255 ] || ! [[ $dump =~ ^[A-Za-z0-9][A-Za-z0-9._-]*\.dump$ ]]; then
    refuse "the dump name must be a file name from the list (letters, digits, '.', '_' or '-', ending in .dump; no path), got: '$dump'"
  fi
fi
# The Job is named <BACKUP_NAME>-restore-<14 digits>: a Job name is at most 63 characters.
is_label "$backup" 40 || refuse "BACKUP_NAME must be the backup's name (1-40 lowercase letters, digits or '-', starting and ending with a letter or digit), got: '$backup'"
if ! [[ $timeout =~ ^[0-9]{1,5}$ ]] || [ "$((10#$timeout))" -lt 1 ] || [ "$((10#$timeout))" -gt 86400 ]; then
  refuse "RESTORE_TIMEOUT must be a number of seconds from 1 to 86400, got: '$timeout'"
fi
timeout=$((10#$timeout))

kubectl -n "$ns" get cronjob "$backup-restore" >/dev/null ||
  { echo "restore-database: no CronJob $backup-restore in namespace $ns (are backups enabled?)" >&2; exit 1; }

# The request (the dump name, empty to list) for the Job to read: replaced, not merged.
kubectl -n "$ns" create configmap "$backup-restore-request" --from-literal=dump="$dump" \
  --dry-run=client -o yaml | kubectl -n "$ns" apply -f - >/dev/null

job="$backup-restore-$(date -u +%Y%m%d%H%M%S)"
kubectl -n "$ns" create job "$job" --from=cronjob/"$backup-restore" >/dev/null
if [ -n "$dump" ]; then echo "restore-database: Job $job restores $dump"; else echo "restore-database: Job $job lists the dumps"; fi

status=""
for _ in $(seq 1 "$timeout"); do
  status=$(kubectl -n "$ns" get job "$job" -o jsonpath='{.status.succeeded}/{.status.failed}')
  case $status in 1/*) break ;; */[1-9]*) break ;; esac
  sleep 1
done
kubectl -n "$ns" logs "job/$job" --all-containers 2>&1 || true
case $status in
  1/*) echo "restore-database: Job $job succeeded"; exit 0 ;;
  */[1-9]*) echo "restore-database: Job $job FAILED (kubectl -n $ns describe job $job)" >&2; exit 1 ;;
  *) echo "restore-database: Job $job did not finish within ${timeout}s (status $status)" >&2; exit 1 ;;
esac
