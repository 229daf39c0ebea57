#!/usr/bin/env node
// Reads `checkov --framework kubernetes --output json` on stdin, drops the failed checks
// listed in the suppressions file (argument 1), prints the rest and the suppressions used,
// and exits 1 on any remaining failed check, on a suppression that matched nothing, on a
// file checkov could not parse, or when it checked no resource at all (a silent no-op).
'use strict';
const fs = require('fs');

const file = process.argv[2];
const suppressions = fs.readFileSync(file, 'utf8').split('\n')
  .map((line) => line.trim()).filter((line) => line && !line.startsWith('#'))
  .map((line) => {
    const m = /^(CKV2?_K8S_\d+)\s+([^\s.]+)\.([^\s.]+)\.(\S+)\s+(.+)$/.exec(line);
    if (!m) throw new Error(`${file}: cannot parse "${line}" (want: <CKV_K8S_n> <Kind>.<namespace>.<name> <reason>)`);
    return { check: m[1], kind: m[2], namespace: m[3], name: m[4], reason: m[5], used: 0 };
  });

const text = fs.readFileSync(0, 'utf8');
let reports;
try {
  reports = JSON.parse(text);
} catch (e) {
  console.log(`checkov printed no JSON report: ${text.slice(0, 500)}`);
  process.exit(1);
}
// One framework gives one report; checkov prints an array when there are several.
reports = Array.isArray(reports) ? reports : [reports];
const k8s = reports.find((r) => r.check_type === 'kubernetes');
if (!k8s) {
  console.log(`checkov ran no kubernetes checks (report types: ${reports.map((r) => r.check_type).join(', ') || 'none'})`);
  process.exit(1);
}

const matches = (want, got) => want === '*' || want === got;
const findings = [];
for (const c of k8s.results.failed_checks ?? []) {
  // resource: "<Kind>.<namespace>.<name>" (names may contain dots, the first two parts cannot).
  const [kind, namespace, ...rest] = c.resource.split('.');
  const name = rest.join('.');
  const s = suppressions.find((x) => x.check === c.check_id && matches(x.kind, kind) && matches(x.namespace, namespace) && matches(x.name, name));
  if (s) { s.used++; continue; }
  const where = `${c.file_path.replace(/^\//, '')}:${c.file_line_range?.[0] ?? '?'}`;
  findings.push(`FAILED ${where} ${kind} ${namespace}/${name}: ${c.check_id}: ${c.check_name}`);
}
for (const f of findings) console.log(f);
for (const s of suppressions) {
  console.log(`${s.used > 0 ? 'suppressed' : 'STALE suppression (matched nothing)'}: ${s.check} on ${s.kind}.${s.namespace}.${s.name} (${s.used}x): ${s.reason}`);
}
const { summary } = k8s;
const stale = suppressions.filter((s) => s.used === 0).length;
console.log(`checkov: ${findings.length} finding(s), ${suppressions.length - stale} suppression(s) used, ${stale} stale, `
  + `${summary.resource_count} resources, ${summary.passed} checks passed, ${summary.parsing_errors} parsing error(s)`);
process.exit(findings.length > 0 || stale > 0 || summary.parsing_errors > 0 || !(summary.resource_count > 0) ? 1 : 0);
