/**
 * `npm run pack:constructs`: the constructs of lib/ as an installable package, an `npm pack`
 * tarball a team installs (`npm install <tarball>`) to take updates instead of re-copying
 * (docs/constructs.md, "As a package"). Offline: compiles lib/ with this checkout's
 * TypeScript and packs it with this checkout's npm.
 *
 * The package `cdk8s-refarch-constructs` holds lib/ compiled to CommonJS with declarations
 * (lib/index.js: every construct, and `k8s`, the L1 classes), lib/k8s.js and
 * lib/gateway-api.js being the generated imports themselves (as in a copy), and lib/scripts/
 * (the data tier's shell scripts, read at synth time). cdk8s and constructs are peer
 * dependencies: the project's own copies are used, so its App and the constructs agree.
 *
 * Usage: pack-constructs.ts [--out DIR]   (default build/pack; prints the tarball's path)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '..');
export const PACKAGE_NAME = 'cdk8s-refarch-constructs';

/** Builds and packs the package into `outDir`; returns the tarball's path. */
export function packConstructs(outDir = path.join(root, 'build', 'pack')): string {
  // Inside the checkout, so the compiler finds cdk8s, constructs and @types/node in its node_modules.
  fs.mkdirSync(path.join(root, 'build'), { recursive: true });
  const stage = fs.mkdtempSync(path.join(root, 'build', 'pack-stage-'));
  try {
    return packFrom(stage, outDir);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

function packFrom(stage: string, outDir: string): string {
  const src = path.join(stage, 'src');
  const pkg = path.join(stage, 'package');
  fs.mkdirSync(src, { recursive: true });
  const libDir = path.join(root, 'lib');
  for (const file of fs.readdirSync(libDir).filter((f) => f.endsWith('.ts'))) fs.copyFileSync(path.join(libDir, file), path.join(src, file));
  // As in a copy (docs/constructs.md): the L1 classes themselves, not this repository's re-exports.
  fs.copyFileSync(path.join(root, 'imports', 'k8s.ts'), path.join(src, 'k8s.ts'));
  fs.copyFileSync(path.join(root, 'imports', 'gateway.networking.k8s.io.ts'), path.join(src, 'gateway-api.ts'));

  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, lib: ['lib.es2022.d.ts'], moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, declaration: true, skipLibCheck: true,
    types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')], rootDir: src, outDir: path.join(pkg, 'lib'), newLine: ts.NewLineKind.LineFeed,
  };
  const program = ts.createProgram({ rootNames: fs.readdirSync(src).map((f) => path.join(src, f)), options });
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    throw new Error(`pack-constructs: lib/ does not compile:\n${ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' })}`);
  }
  fs.cpSync(path.join(libDir, 'scripts'), path.join(pkg, 'lib', 'scripts'), { recursive: true });

  const own = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const range = (name: string) => `^${own.dependencies[name]}`;
  fs.writeFileSync(path.join(pkg, 'package.json'), `${JSON.stringify({
    name: PACKAGE_NAME,
    version: own.version,
    description: 'The constructs of the cdk8s reference architecture (WebTier, AppConfig, PostgresDatabase, PostgresBackup, NetworkPolicies, ...), compiled',
    license: own.license,
    main: 'lib/index.js',
    types: 'lib/index.d.ts',
    files: ['lib'],
    engines: own.engines,
    peerDependencies: { cdk8s: range('cdk8s'), constructs: range('constructs') },
  }, null, 2)}\n`);
  fs.writeFileSync(path.join(pkg, 'README.md'), [
    `# ${PACKAGE_NAME}`, '',
    'The constructs of the cdk8s reference architecture, compiled. Use:', '',
    '```ts', "import { AppConfig, NetworkPolicies, Peer, PostgresDatabase, WebTier, k8s } from 'cdk8s-refarch-constructs';", '```', '',
    'The reference architecture\'s docs/constructs.md describes every construct, the wiring and the escape hatches.', '',
  ].join('\n'));

  fs.mkdirSync(outDir, { recursive: true });
  const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: pkg, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (packed.status !== 0) throw new Error(`pack-constructs: npm pack failed:\n${packed.stderr}`);
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  return path.join(outDir, filename);
}

if (require.main === module) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const tarball = packConstructs(values.out === undefined ? undefined : path.resolve(values.out));
  console.log(path.relative(process.cwd(), tarball));
}
