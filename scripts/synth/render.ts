/**
 * Settings in, checked YAML out, all in memory: the environments of config/environments.ts
 * with the `--set` overrides, checked against the settings schema, synthesized by the
 * constructs, and passed through the manifest quality gates (plugins/refarch-policy).
 * Nothing here touches the disk; scripts/synth/output.ts writes the result.
 */
import * as path from 'path';
import { DEV_ONLY_DEFAULT_PASSWORD, environments } from '../../config/environments';
import { SettingsError, applySets, checkEnvironments, parseSetArgument } from '../../config/settings';
import type { ReferenceArchitectureProps } from '../../lib/reference-architecture';
import { compose, newApp } from '../../main';
// The engine and the report, not the package's index: it also loads a YAML parser (files.js)
// that a synth, which checks the objects it writes, never needs.
import { checkPolicy } from '../../plugins/refarch-policy/src/engine';
import { formatResult } from '../../plugins/refarch-policy/src/report';
import { timed } from './timing';
import { manifestYaml } from './yaml';

/** Options of {@link render}. */
export interface RenderOptions {
  /** Environments to synthesize. @default all */
  readonly only?: readonly string[];
  /** `--set` arguments as written (`dev.web.replicas=3`), applied in order. @default none */
  readonly sets?: readonly string[];
  /** Process environment for config/environments.ts (DB_PASSWORD). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Environment definitions instead of config/environments.ts (tests). @default environments(env) */
  readonly definitions?: Readonly<Record<string, ReferenceArchitectureProps>>;
  /** Folder named in the quality gates' report. @default 'dist' */
  readonly displayDir?: string;
}

/** The synthesized files and what the checks found. */
export interface Rendered {
  /** `<env>.k8s.yaml` to its YAML. */
  readonly files: Map<string, string>;
  /** Whether every environment was synthesized (so files of removed environments may go). */
  readonly complete: boolean;
  /** The quality gates' report of rules switched off by annotation, if any. */
  readonly skipReport?: string;
  /** Secret values other than the dev-only placeholder: `file: Secret ns/name key`. */
  readonly realSecrets: string[];
}

/** Checks the settings, synthesizes the selected environments and runs the quality gates. */
export function render(options: RenderOptions = {}): Rendered {
  const all = options.definitions ?? environments(options.env ?? process.env);
  // The definitions themselves first: a typo in config/environments.ts is reported there.
  timed('settings', () => checkEnvironments(all));
  const names = [...new Set(options.only && options.only.length > 0 ? options.only : Object.keys(all))];
  for (const name of names) {
    if (!Object.hasOwn(all, name)) throw new SettingsError([`--env ${name}: unknown environment "${name}". Known environments: ${Object.keys(all).join(', ')}.`]);
  }
  const sets = (options.sets ?? []).map(parseSetArgument);
  const changed = applySets(all, sets, names);
  const selected: Record<string, ReferenceArchitectureProps> = {};
  for (const name of names) selected[name] = changed[name];
  timed('settings', () => checkEnvironments(selected, sets));

  // Plain objects again for the constructs: the schema admits only JSON data, and the
  // prototype keys were refused, so a JSON round trip loses nothing.
  const app = timed('constructs', () => compose(newApp(), JSON.parse(JSON.stringify(selected))));
  const displayDir = options.displayDir ?? 'dist';
  const files = new Map<string, string>();
  const manifests: Array<{ file: string; objects: unknown[] }> = [];
  for (const chart of app.charts) {
    const name = `${chart.node.id}.k8s.yaml`;
    // chart.toJson() validates and resolves the whole app, as App.synth() does, and
    // manifestYaml is what App.synth() writes per chart (the bytes of `cdk8s synth`), but
    // for strings that writer would put in a form kubectl misreads (./yaml.ts).
    const objects = timed('resolve', () => chart.toJson());
    files.set(name, timed('yaml', () => manifestYaml(...objects)));
    // The checks read the objects the YAML is written from, not the YAML parsed back (a
    // fifth of a synth's time): test/synth-render.test.ts proves that reading the written
    // YAML back gives these same objects, for every environment and variant.
    manifests.push({ file: path.join(displayDir, name), objects });
  }

  const checks = timed('policy', () => checkPolicy(manifests));
  if (checks.violations.length > 0) throw new Error(`manifest checks failed:\n${formatResult(checks)}`);

  const realSecrets: string[] = [];
  for (const { file, objects } of manifests) {
    for (const o of objects as Array<Record<string, any>>) {
      if (o?.kind !== 'Secret') continue;
      const values: Array<[string, string]> = [
        ...Object.entries<string>(o.data ?? {}).map(([k, v]): [string, string] => [k, Buffer.from(String(v), 'base64').toString('utf8')]),
        ...Object.entries<string>(o.stringData ?? {}).map(([k, v]): [string, string] => [k, String(v)]),
      ];
      for (const [key, value] of values) {
        if (value !== DEV_ONLY_DEFAULT_PASSWORD) realSecrets.push(`${file}: Secret ${o.metadata?.namespace ?? 'default'}/${o.metadata?.name} key ${key}`);
      }
    }
  }
  return {
    files,
    complete: names.length === Object.keys(all).length,
    skipReport: checks.skipped.length > 0 ? formatResult(checks) : undefined,
    realSecrets,
  };
}
