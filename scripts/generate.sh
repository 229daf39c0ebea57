#!/usr/bin/env bash
# `npm run generate`: regenerates every committed file that is derived from another, in
# dependency order, and lists the ones that changed. The tests that find one of these
# files stale name this command.
#   imports/k8s.ts                      from schemas/ (npm run import)
#   lib/time-zones.ts                   from Go's tz database (scripts/generate-time-zones.ts)
#   config/settings.schema.json, its validator config/settings-validator.js (Ajv standalone
#   code) and the settings table of docs/configuration.md
#                                       from lib/'s props types (npm run schema:settings)
#   plugins/refarch-policy/src/rule-index.js
#                                       from the files of src/rules/ (write-rule-index.js)
#   dist/                               from config/ and lib/ (npm run synth)
#   docs/architecture-<env>.svg and -config.svg
#                                       from dist/ (npm run diagram)
#   the policy rules tables of docs/quality-gates.md and plugins/refarch-policy/README.md
#                                       from the rule catalog (rules-table.js --write)
#   docs/bad-input.md                   from test/bad-input-cases.ts, each case run through
#                                       the real command (scripts/bad-input-table.ts)
# Not here, because they are not derived from the repository alone: the captured OpenAPI
# schemas (schemas/capture.sh, real API servers) and docs/benchmarks.md (npm run bench,
# measurements). The bench's Helm/Kustomize renders and its copies of the database
# scripts are not committed: `npm run bench:render` makes them when it runs.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
# A real password must never reach the committed dist/ (synth refuses it anyway).
unset DB_PASSWORD
export CDK8S_CHECK_UPGRADE=false

# What the steps may write, hashed before and after to list what they changed.
derived=(imports/k8s.ts lib/time-zones.ts config/settings.schema.json config/settings-validator.js plugins/refarch-policy/src/rule-index.js README.md dist docs plugins/refarch-policy/README.md)
sums() { find "${derived[@]}" -type f -exec sha256sum {} + | sort -k2; }
before=$(sums)
step() { printf '== %s\n' "$1"; shift; "$@"; }
step "imports/k8s.ts (npm run import)" npm run --silent import
step "lib/time-zones.ts (scripts/generate-time-zones.ts)" node --import tsx scripts/generate-time-zones.ts
step "settings schema, its validator and the settings table (npm run schema:settings)" npm run --silent schema:settings
step "policy rule index (plugins/refarch-policy/write-rule-index.js)" node plugins/refarch-policy/write-rule-index.js
step "dist/ (npm run synth)" npm run --silent synth
step "diagrams (npm run diagram)" npm run --silent diagram
step "policy rules tables (plugins/refarch-policy/rules-table.js --write)" node plugins/refarch-policy/rules-table.js --write
step "docs/bad-input.md (scripts/bad-input-table.ts: runs every case)" node --import tsx scripts/bad-input-table.ts
changed=$( { diff <(echo "$before") <(sums) || true; } | sed -n 's/^[<>] [0-9a-f]*  //p' | sort -u)
if [ -n "$changed" ]; then
  echo "generate: changed (review dist/ with npm run diff, then commit):"
  while read -r f; do echo "  $f"; done <<<"$changed"
else
  echo "generate: everything derived was already up to date"
fi
