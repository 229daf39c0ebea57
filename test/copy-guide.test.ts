/**
 * The copy guide's table (docs/constructs.md) lists, for each construct file, the other
 * lib/ files it needs. This keeps that list true: it must equal the file's transitive
 * relative imports, so a user who copies exactly those files gets code that compiles.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import * as YAML from 'yaml';
import { formatIssue, validateYaml } from '../schema-check/validator';
import { checkPolicy, formatResult } from '../plugins/refarch-policy';

const root = path.resolve(__dirname, '..');
const libDir = path.join(root, 'lib');

function closure(file: string, seen = new Set<string>()): Set<string> {
  const source = fs.readFileSync(path.join(libDir, file), 'utf8');
  for (const [, dep] of source.matchAll(/(?:from|import) '\.\/([a-z0-9-]+)'/g)) {
    const depFile = `${dep}.ts`;
    if (!seen.has(depFile)) {
      seen.add(depFile);
      closure(depFile, seen);
    }
  }
  return seen;
}

/** The copy guide: docs/constructs.md (the README links it). */
const section = fs.readFileSync(path.join(root, 'docs', 'constructs.md'), 'utf8');
const rows = [...section.matchAll(/^\| `(\w+)`[^|]*\| `([a-z0-9-]+\.ts)` \| ([^|]+) \|$/gm)]
  .map(([, construct, file, also]) => ({ construct, file, also: [...also.matchAll(/`([a-z0-9-]+\.ts)`/g)].map((m) => m[1]).sort() }));

test('the table lists every construct file of lib/', () => {
  expect(rows.map((r) => r.file).sort()).toEqual([
    'app-config.ts', 'external-database.ts', 'namespace.ts', 'network-policies.ts', 'postgres-backup.ts', 'postgres-database.ts', 'web-ingress.ts', 'web-tier.ts',
  ]);
});

test.each(rows.map((r) => [r.construct, r]))('%s: "Also copy" equals its transitive lib/ imports', (_name, row) => {
  expect(row.also).toEqual([...closure(row.file)].sort());
  expect(fs.readFileSync(path.join(libDir, row.file), 'utf8')).toContain(`export class ${row.construct} `);
});

test('constructs import nothing outside lib/ but cdk8s, constructs and Node; only lib/k8s.ts and lib/gateway-api.ts reach imports/', () => {
  const gates: Record<string, string> = { 'k8s.ts': '../imports/k8s', 'gateway-api.ts': '../imports/gateway.networking.k8s.io' };
  for (const file of fs.readdirSync(libDir).filter((f) => f.endsWith('.ts'))) {
    const source = fs.readFileSync(path.join(libDir, file), 'utf8');
    for (const [, spec] of source.matchAll(/from '([^']+)'/g)) {
      const allowed = ['cdk8s', 'constructs', 'crypto', 'net', 'fs', 'path', ...(gates[file] ? [gates[file]] : [])];
      expect({ file, spec, ok: spec.startsWith('./') || allowed.includes(spec) }).toEqual({ file, spec, ok: true });
    }
  }
});

/*
 * The guide, followed literally in throwaway projects. Offline: `npm install` becomes a
 * symlink to this checkout's node_modules, and REFARCH points at this checkout; every
 * other line of the guide's sh block runs as written, in `sh`.
 */
const shBlock = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
const chartBlock = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
/** The example of "Change what a construct renders", and the one command of "With cdk8s-plus". */
const customizeBlock = /```ts\n([\s\S]*?)```/.exec(section.slice(section.indexOf('## Change what a construct renders')))![1]!;
const plusBlock = /```sh\n([\s\S]*?)```/.exec(section.slice(section.indexOf('## With cdk8s-plus')))![1]!;

function guideScript(): string {
  let refarch = 0;
  let installs = 0;
  const script = shBlock.split('\n').map((line) => {
    if (/^REFARCH=/.test(line)) { refarch++; return `REFARCH='${root}'`; }
    if (/^npm install /.test(line)) { installs++; return `[ -e node_modules ] || ln -s '${path.join(root, 'node_modules')}' node_modules`; }
    return line;
  }).join('\n');
  expect({ refarch, installs }).toEqual({ refarch: 1, installs: 2 });
  return script;
}

test('the sh block copies exactly the files of the table', () => {
  const loop = /for f in ([^;]*); do/.exec(shBlock);
  expect(loop).not.toBeNull();
  const copied = loop![1].replace(/\\\n/g, ' ').trim().split(/\s+/).map((f) => `${f}.ts`);
  // lib/k8s.ts is the L1 classes themselves in a copy, not this repository's re-export.
  expect(shBlock).toContain('cp "$REFARCH/imports/k8s.ts" lib/k8s.ts\n');
  copied.push('k8s.ts');
  copied.sort();
  expect(copied).toEqual([...new Set(rows.flatMap((r) => [r.file, ...r.also]))].sort());
});

test('the sh block is plain sh: no brace expansion, arrays or [[', () => {
  expect(shBlock).not.toMatch(/\{[\w-]+,[\w-]+/);
  expect(shBlock).not.toMatch(/\[\[|\bdeclare\b|\blocal\b|\$\{[A-Za-z_]+\[/);
});

const templateDir = path.join(root, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'copy-guide-')); });
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * What `cdk8s init typescript-app` leaves behind: cdk8s-cli's own template (this
 * checkout's pinned cdk8s-cli, a cdk8s-plus-33 project), placeholders filled, and the
 * imports its post hook's `cdk8s import` writes: Kubernetes 1.25, cdk8s-cli's default.
 * No 1.25 OpenAPI schema is in schemas/, so the 1.25 import is the one cdk8s-plus-25
 * ships (lib/imports/k8s.d.ts and .js: `cdk8s import k8s@1.25.0`'s output, compiled).
 */
function cdk8sInitProject(dir: string): void {
  for (const file of fs.readdirSync(templateDir, { withFileTypes: true })) {
    if (!file.isFile()) continue;
    const text = fs.readFileSync(path.join(templateDir, file.name), 'utf8')
      .replace(/\{\{ \$base \}\}/g, 'my-project').replace(/\{\{ \w+ \}\}/g, '0.0.0');
    fs.writeFileSync(path.join(dir, file.name.replace('{{}}', '')), text);
  }
  fs.mkdirSync(path.join(dir, 'imports'));
  const plus25 = path.join(root, 'node_modules', 'cdk8s-plus-25', 'lib', 'imports');
  for (const file of ['k8s.d.ts', 'k8s.js']) fs.copyFileSync(path.join(plus25, file), path.join(dir, 'imports', file));
}

/** A hand-made project: a comment in tsconfig.json, "types" listed without node, no imports/. */
function minimalProject(dir: string): void {
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "minimal", "private": true }\n');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), [
    '{',
    '  // hand-made',
    '  "compilerOptions": { "strict": true, "target": "ES2020", "module": "commonjs", "types": [] },',
    '  "include": ["*.ts", "lib/*.ts", "imports/*.ts"]',
    '}',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'main.ts'), "import { App } from 'cdk8s';\n\nconst app = new App();\napp.synth();\n");
}

/**
 * Runs the guide's commands in `dir` (and the cdk8s-plus command with `plus`), adds shop.ts,
 * the two main.ts lines and the example of "Change what a construct renders" (customize.ts,
 * applied to the shop's web tier); `extraMain` is the project's own code, run before the synth.
 */
function followGuide(dir: string, options: { plus?: boolean; extraMain?: string } = {}): void {
  const script = options.plus ? `${guideScript()}\n${plusBlock}` : guideScript();
  const run = spawnSync('sh', ['-e', '-c', script], { cwd: dir, encoding: 'utf8' });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  fs.writeFileSync(path.join(dir, 'shop.ts'), chartBlock);
  fs.writeFileSync(path.join(dir, 'customize.ts'), customizeBlock);
  const main = fs.readFileSync(path.join(dir, 'main.ts'), 'utf8');
  expect(main.split('app.synth();')).toHaveLength(2);
  fs.writeFileSync(path.join(dir, 'main.ts'), `import { customizeWeb } from './customize';\nimport { ShopChart } from './shop';\n${main.replace('app.synth();',
    `customizeWeb(new ShopChart(app, 'shop').node.findChild('web') as import('./lib/web-tier').WebTier);\n${options.extraMain ?? ''}app.synth();`)}`);
}

// Parsed files shared by the programs of this file, keyed by content: the library files
// (cdk8s, constructs, @types, TypeScript's lib; node_modules is a symlink, so the same
// real paths), and the projects' copies of imports/k8s.ts (1.7 MB, byte for byte this
// checkout's, which the first program parses). A program sets the path of each file it
// gets, so one parsed file serves programs at different paths, one program at a time.
const sourceFiles = new Map<string, ts.SourceFile | undefined>();
/** The files of the last program `check` made, relative to its project. */
let lastProgramFiles: string[] = [];

/**
 * Type-checks the project with its own tsconfig.json and TypeScript 5.9, reporting
 * errors in the project's own files (main.ts, shop.ts, lib/; what they use of
 * imports/k8s.ts is checked through them). Two changes to keep it fast: skipLibCheck
 * (the libraries are this checkout's, checked by its own build), and the body of the
 * 1.7 MB generated imports/k8s.ts is not checked on its own (test/imports.test.ts and
 * the repository's tsc cover it).
 */
function typeCheck(dir: string, withTypesNode14 = false): string[] {
  const overrides: ts.CompilerOptions = withTypesNode14 ? { skipLibCheck: true, noEmit: true, types: ['jest'] } : { skipLibCheck: true, noEmit: true };
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(dir, 'tsconfig.json'), overrides, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  })!;
  expect(parsed.fileNames.map((f) => path.relative(dir, f))).toEqual(expect.arrayContaining(['main.ts', 'shop.ts', 'lib/web-tier.ts', 'lib/postgres-database.ts']));
  const roots = withTypesNode14 ? [...parsed.fileNames, typesNode14Stub(path.dirname(dir))] : parsed.fileNames; // beside the project, not in it
  return check(dir, roots, parsed.options, parsed.errors);
}

/** Diagnostics of the program's own files, with library files parsed once per test file. */
function check(dir: string, rootNames: string[], options: ts.CompilerOptions, configErrors: readonly ts.Diagnostic[] = []): string[] {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const given = new Set<ts.SourceFile>(); // never the same object for two files of one program
  host.getSourceFile = (fileName, languageVersion, onError) => {
    const text = ts.sys.readFile(fileName);
    if (text === undefined) return getSourceFile(fileName, languageVersion, onError);
    const key = `${JSON.stringify(languageVersion)}\0${text}`;
    let file = sourceFiles.get(key);
    if (!file || given.has(file)) {
      file = getSourceFile(fileName, languageVersion, onError);
      if (file && !sourceFiles.has(key)) sourceFiles.set(key, file);
    }
    if (file) given.add(file);
    return file;
  };
  const program = ts.createProgram({ rootNames, options, host });
  if (options.types && !options.types.includes('node')) {
    // Honest emulation: nothing may pull this checkout's @types/node back in.
    expect(program.getSourceFiles().filter((f) => f.fileName.includes('/@types/node/')).length).toBe(0);
  }
  const own = program.getSourceFiles().filter((f) => !program.isSourceFileFromExternalLibrary(f) && !f.isDeclarationFile && !f.fileName.endsWith('/imports/k8s.ts') && !f.fileName.endsWith('/lib/k8s.ts'));
  lastProgramFiles = program.getSourceFiles().map((f) => path.relative(dir, f.fileName));
  expect(own.length).toBeGreaterThan(0);
  const diagnostics = [
    ...configErrors, ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(),
    ...own.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ];
  return diagnostics.map((d) => `${d.file ? path.relative(dir, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

/** Runs main.ts the way `cdk8s synth` does (ts-node there; tsx, which only transpiles, here). */
function synthesize(dir: string): string {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  return fs.readFileSync(path.join(dir, 'dist', 'shop.k8s.yaml'), 'utf8');
}

function expectValidShop(yaml: string): void {
  const objects = YAML.parseAllDocuments(yaml).map((d) => d.toJS());
  expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
    'ConfigMap/shop-config', 'ConfigMap/shop-db-config', 'Deployment/shop', 'Ingress/shop', 'NetworkPolicy/allow-dns-egress', 'NetworkPolicy/allow-shop-ingress',
    'NetworkPolicy/allow-shop-to-shop-db-egress', 'NetworkPolicy/allow-shop-to-shop-db-ingress', 'NetworkPolicy/default-deny-all',
    'PodDisruptionBudget/shop', 'PodDisruptionBudget/shop-db', 'Service/shop', 'Service/shop-db', 'Service/shop-db-headless', 'ServiceAccount/shop', 'ServiceAccount/shop-db', 'StatefulSet/shop-db',
  ]);
  // Wired by type: the app's settings name the database; customize.ts ran.
  expect(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'shop-config').data).toEqual({
    DB_HOST: 'shop-db.shop.svc.cluster.local', DB_NAME: 'shop', DB_PORT: '5432', DB_SSLMODE: 'disable', DB_USER: 'shop', LOG_LEVEL: 'info',
  });
  const deployment = objects.find((o) => o.kind === 'Deployment');
  expect([deployment.metadata.annotations['example.com/owner'], deployment.spec.minReadySeconds]).toEqual(['team-shop', 10]);
  expect(formatResult(checkPolicy([{ file: 'shop.k8s.yaml', objects }]))).toBe('refarch-policy: 0 violations, 0 rules switched off by annotation.');
  expect(validateYaml('shop.k8s.yaml', yaml, { minors: ['1.27'] }).map(formatIssue)).toEqual([]);
}

/**
 * cdk8s init installs @types/node ^14, which brings lib es2018 and no more; this
 * checkout's @types/node 20 brings es2020 and would hide a too-old "lib". A stand-in for
 * what the constructs use of @types/node 14, written into `dir`.
 */
function typesNode14Stub(dir: string): string {
  const stub = path.join(dir, 'types-node-14-stub.d.ts');
  fs.writeFileSync(stub, [
    '/// <reference lib="es2018" />',
    "declare module 'crypto' { export function createHash(algorithm: string): { update(data: string): any; digest(encoding: 'hex'): string }; }",
    "declare module 'net' { export function isIP(input: string): number; }",
    "declare module 'fs' { export function readFileSync(path: string, encoding: 'utf8'): string; }",
    "declare module 'path' { export function join(...parts: string[]): string; }",
    'declare const __dirname: string;',
    'declare class Buffer { static from(data: string, encoding: string): { toString(encoding: string): string } }',
  ].join('\n'));
  return stub;
}

test('cdk8s init\'s lib es2016 (with the es2018 of @types/node 14) is too old for the constructs', () => {
  const options: ts.CompilerOptions = { lib: ['lib.es2016.d.ts'], types: [], target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.CommonJS, strict: true, noEmit: true, skipLibCheck: true };
  const errors = check(root, [path.join(libDir, 'app-config.ts'), typesNode14Stub(tmp)], options);
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.filter((d) => !/^lib\/app-config\.ts: Property 'fromEntries' does not exist on type 'ObjectConstructor'/.test(d))).toEqual([]);
});

test('a project made by `cdk8s init typescript-app` (its own imports: Kubernetes 1.25; tsc --init\'s strict flags): the guide runs in sh, type-checks, synthesizes valid manifests', () => {
  const project = path.join(tmp, 'project');
  fs.mkdirSync(project);
  cdk8sInitProject(project);
  const before = fs.readFileSync(path.join(project, 'imports', 'k8s.d.ts'));
  expect(before.toString()).not.toContain('unhealthyPodEvictionPolicy'); // 1.25 indeed
  // The project's own code keeps using its own (1.25) classes beside the constructs' (1.27).
  followGuide(project, {
    extraMain: "new KubeConfigMap(new Chart(app, 'own'), 'settings', { metadata: { name: 'own-settings', namespace: 'shop' }, data: { a: 'b' } });\n",
  });
  const main = fs.readFileSync(path.join(project, 'main.ts'), 'utf8');
  fs.writeFileSync(path.join(project, 'main.ts'), `import { KubeConfigMap } from './imports/k8s';\n${main}`);
  expect(fs.readFileSync(path.join(project, 'imports', 'k8s.d.ts')).equals(before)).toBe(true); // its own import is kept
  const tsconfig = JSON.parse(fs.readFileSync(path.join(project, 'tsconfig.json'), 'utf8'));
  expect(tsconfig.compilerOptions.lib).toEqual(['es2022']); // was ["es2016"]
  // What TypeScript 5.9's tsc --init adds to strict: the constructs need no change for it.
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
    ...tsconfig, compilerOptions: { ...tsconfig.compilerOptions, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true },
  }, null, 2));
  expect(typeCheck(project, true)).toEqual([]);
  expect(lastProgramFiles).toContain('imports/k8s.d.ts');
  expectValidShop(synthesize(project));
  expect(fs.readFileSync(path.join(project, 'dist', 'own.k8s.yaml'), 'utf8')).toContain('name: own-settings');
});

test('a hand-made minimal project: the guide copies the L1 classes into lib/, adds "node" to types, and the result synthesizes', () => {
  const project = path.join(tmp, 'project');
  fs.mkdirSync(project);
  minimalProject(project);
  followGuide(project);
  expect(fs.existsSync(path.join(project, 'imports'))).toBe(false); // the constructs bring their own L1 classes
  expect(fs.readFileSync(path.join(project, 'lib', 'k8s.ts'), 'utf8')).toBe(fs.readFileSync(path.join(root, 'imports', 'k8s.ts'), 'utf8'));
  expect(JSON.parse(fs.readFileSync(path.join(project, 'tsconfig.json'), 'utf8')).compilerOptions).toMatchObject({ lib: ['es2022'], types: ['node'] });
  expect(typeCheck(project)).toEqual([]);
  expectValidShop(synthesize(project));
});

/** A hand-made cdk8s-plus project: cdk8s-plus-<n> beside cdk8s and constructs. */
function plusProject(dir: string, plus: string): void {
  minimalProject(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'plus', private: true, dependencies: { [plus]: '*' } })}\n`);
}

test.each(['cdk8s-plus-27', 'cdk8s-plus-33'])('a %s project: lib/k8s.ts from cdk8s-plus as the guide says, the escape hatch compiles, the result synthesizes', (plus) => {
  const project = path.join(tmp, 'project');
  fs.mkdirSync(project);
  plusProject(project, plus);
  followGuide(project, { plus: true });
  const k8sFile = fs.readFileSync(path.join(project, 'lib', 'k8s.ts'), 'utf8');
  // The guide names cdk8s-plus-27 and says "or cdk8s-plus-33": the test takes it at its word.
  fs.writeFileSync(path.join(project, 'lib', 'k8s.ts'), k8sFile.replace('cdk8s-plus-27', plus));
  expect(fs.readFileSync(path.join(project, 'lib', 'k8s.ts'), 'utf8')).toBe(`export * from '${plus}/lib/imports/k8s';\n`);
  expect(typeCheck(project)).toEqual([]);
  expect(lastProgramFiles.filter((f) => f.endsWith(`node_modules/${plus}/lib/imports/k8s.d.ts`))).toHaveLength(1);
  expectValidShop(synthesize(project));
});

test('L1 classes older than 1.27 in lib/k8s.ts: the compiler says which version the constructs need, first', () => {
  const project = path.join(tmp, 'project');
  fs.mkdirSync(project);
  plusProject(project, 'cdk8s-plus-25');
  followGuide(project, { plus: true });
  fs.writeFileSync(path.join(project, 'lib', 'k8s.ts'), "export * from 'cdk8s-plus-25/lib/imports/k8s';\n");
  // Sorted by file as tsc prints them: lib/k8s-minimum.ts comes before the constructs.
  const errors = typeCheck(project).sort();
  expect(errors[0]).toMatch(/^lib\/k8s-minimum\.ts: Type 'true' is not assignable to type '"lib\/k8s\.ts must hold the Kubernetes 1\.27 \(or newer\) L1 classes/);
  expect(errors.slice(1).every((e) => /unhealthyPodEvictionPolicy/.test(e))).toBe(true);
});
