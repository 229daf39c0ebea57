#!/usr/bin/env node
// Reads `kube-score score --output-format json` on stdin, drops the findings listed in the
// suppressions file (argument 1), prints the rest and the suppressions used, and exits 1 on
// any remaining finding (warning or critical) or on a suppression that matched nothing.
'use strict';
const fs = require('fs');

const suppressions = fs.readFileSync(process.argv[2], 'utf8').split('\n')
  .map((line) => line.trim()).filter((line) => line && !line.startsWith('#'))
  .map((line) => {
    const m = /^(\S+)\s+(\S+)\/(\S+)\s+(.+)$/.exec(line);
    if (!m) throw new Error(`${process.argv[2]}: cannot parse "${line}" (want: <check id> <Kind>/<name> <reason>)`);
    return { check: m[1], kind: m[2], name: m[3], reason: m[4], used: 0 };
  });

const objects = JSON.parse(fs.readFileSync(0, 'utf8'));
const findings = [];
for (const o of objects) {
  const kind = o.type_meta.kind;
  const name = o.object_meta.name;
  for (const c of o.checks) {
    if (c.skipped || c.grade > 5) continue; // 10 ok, 7 almost ok, 5 warning, 1 critical
    const s = suppressions.find((x) => x.check === c.check.id && (x.kind === '*' || x.kind === kind) && (x.name === '*' || x.name === name));
    if (s) { s.used++; continue; }
    const where = `${o.file_name.replace(`${process.cwd()}/`, '')}:${o.file_row} ${kind} ${o.object_meta.namespace}/${name}`;
    for (const comment of c.comments ?? [{ summary: c.check.comment }]) {
      findings.push(`${c.grade === 1 ? 'CRITICAL' : 'WARNING'} ${where}: ${c.check.id}: ${comment.path ? `(${comment.path}) ` : ''}${comment.summary}${comment.description ? ` - ${comment.description}` : ''}`);
    }
  }
}
for (const f of findings) console.log(f);
for (const s of suppressions) {
  console.log(`${s.used > 0 ? 'suppressed' : 'STALE suppression (matched nothing)'}: ${s.check} on ${s.kind}/${s.name} (${s.used}x): ${s.reason}`);
}
const stale = suppressions.filter((s) => s.used === 0).length;
console.log(`kube-score: ${findings.length} finding(s), ${suppressions.length - stale} suppression(s) used, ${stale} stale, ${objects.length} objects scored`);
process.exit(findings.length > 0 || stale > 0 ? 1 : 0);
