/**
 * The multi-node kind cluster's files (cluster/kind/, docs/kind-cluster.yaml), offline:
 * the shipped kind config, docker's confinement settings, the node image's manifests, and
 * the runc wrapper run for real on an OCI spec.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments, parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), 'utf8');

/** Is this IPv4 address (or the network of a CIDR) inside 198.18.0.0/15? */
function inRange(addr: string): boolean {
  const ip = addr.split('/')[0];
  if (!net.isIPv4(ip)) return false;
  const [a, b] = ip.split('.').map(Number);
  return a === 198 && (b === 18 || b === 19);
}

describe('docs/kind-cluster.yaml', () => {
  const config = parse(read('docs/kind-cluster.yaml'));

  test('one control plane and two workers, each in its own zone', () => {
    const roles = config.nodes.map((n: any) => n.role);
    expect(roles).toEqual(['control-plane', 'worker', 'worker']);
    const zones = config.nodes.map((n: any) => n.labels?.['topology.kubernetes.io/zone']);
    expect(zones.every((z: unknown) => typeof z === 'string' && z.length > 0)).toBe(true);
    expect(new Set(zones).size).toBe(3);
  });

  test('ingress ready: the control plane is labelled and publishes 80/443 on 127.0.0.1 only', () => {
    const cp = config.nodes[0];
    expect(cp.labels['ingress-ready']).toBe('true');
    const ports = cp.extraPortMappings.map((m: any) => [m.containerPort, m.hostPort, m.listenAddress]);
    expect(ports).toEqual([[80, 80, '127.0.0.1'], [443, 443, '127.0.0.1']]);
    for (const n of config.nodes.slice(1)) expect(n.extraPortMappings).toBeUndefined();
  });
});

describe('cluster/kind/daemon.json (docker confinement)', () => {
  const d = JSON.parse(read('cluster/kind/daemon.json'));

  test('every address docker hands out is inside 198.18.0.0/15, and DNS never reaches the host resolvers', () => {
    expect(inRange(d.bip)).toBe(true);
    expect(inRange(d['fixed-cidr'])).toBe(true);
    expect(d['default-address-pools'].length).toBeGreaterThan(0);
    for (const p of d['default-address-pools']) expect(inRange(p.base)).toBe(true);
    // an empty list would mean "the host's resolvers"
    expect(d.dns.length).toBeGreaterThan(0);
    for (const s of d.dns) expect(inRange(s)).toBe(true);
  });

  test('no NAT, no forwarding, no iptables rules of its own, ports on loopback, no mirrors, the runc wrapper', () => {
    expect(d).toMatchObject({ 'ip-masq': false, 'ip-forward': false, 'iptables': false, 'ip': '127.0.0.1', 'userland-proxy': true });
    expect(d['registry-mirrors']).toEqual([]);
    expect(d['insecure-registries']).toEqual([]);
    expect(d.runtimes[d['default-runtime']].path).toBe('/usr/local/libexec/refarch/runc-nosysresource');
  });

  test('the kind network and the cluster subnets of common.sh are inside the range', () => {
    const common = read('cluster/kind/common.sh');
    for (const v of ['KIND_SUBNET', 'KIND_GATEWAY', 'KIND_POD_SUBNET', 'KIND_SERVICE_SUBNET', 'DOCKER_BIP']) {
      const m = new RegExp(`^${v}=(\\S+)$`, 'm').exec(common);
      expect(m).not.toBeNull();
      expect(inRange(m![1])).toBe(true);
    }
    expect(common).toMatch(/^LOOPBACK_PROXY=http:\/\/127\.0\.0\.1:\d+$/m);
  });
});

describe('the node image manifests', () => {
  const nodeImage = read('cluster/kind/node-image.sh');
  const manifests = ['cluster/kind/node/default-cni.yaml', 'cluster/kind/node/default-storage.yaml', 'cluster/kind/addons.yaml'];

  test.each(manifests)('%s: every container image is preloaded or loaded locally and never pulled', (file) => {
    const docs = parseAllDocuments(read(file).replace(/@@[A-Z_]+@@/g, 'refarch.local/placeholder:1')).map((d) => d.toJS());
    const containers = docs.flatMap((o: any) => {
      const spec = o?.spec?.template?.spec;
      return spec ? [...(spec.initContainers ?? []), ...spec.containers] : [];
    });
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) {
      expect(c.imagePullPolicy).toBe('Never');
      expect(c.image).toMatch(/^refarch\.local\//);
    }
  });

  test('kube-router routes without overlay and never masquerades pod egress; its CNI config has no ipMasq', () => {
    const docs = parseAllDocuments(read('cluster/kind/node/default-cni.yaml')).map((d) => d.toJS());
    const ds = docs.find((o: any) => o.kind === 'DaemonSet');
    const args: string[] = ds.spec.template.spec.containers[0].args;
    expect(args).toEqual(expect.arrayContaining(['--enable-pod-egress=false', '--enable-overlay=false', '--run-firewall=true', '--run-router=true']));
    const cni = JSON.parse(docs.find((o: any) => o.kind === 'ConfigMap').data['cni-conf.json']);
    expect(cni.plugins[0]).toMatchObject({ type: 'bridge', ipMasq: false });
  });

  test('the CoreDNS of the add-ons has no upstream forward', () => {
    const cm = parseAllDocuments(read('cluster/kind/addons.yaml')).map((d) => d.toJS()).find((o: any) => o?.kind === 'ConfigMap' && o.metadata.name === 'coredns');
    expect(cm.data.Corefile).toContain('kubernetes');
    expect(cm.data.Corefile).not.toMatch(/\bforward\b|\bproxy\b/);
  });

  test('the node containerd pulls through a closed loopback proxy and runs runc through the wrapper', () => {
    expect(read('cluster/kind/node/containerd-proxy.conf')).toMatch(/HTTPS_PROXY=http:\/\/127\.0\.0\.1:\d+/);
    const toml = read('cluster/kind/node/containerd-config.toml');
    expect(toml).toMatch(/BinaryName = "\/usr\/local\/sbin\/runc-nosysresource"/);
    expect(toml).toMatch(/restrict_oom_score_adj = true/);
    expect(nodeImage).toContain('containerd-proxy.conf');
  });
});

const haveJq = spawnSync('jq', ['--version']).status === 0;
(haveJq ? describe : describe.skip)('cluster/kind/runc-nosysresource.sh', () => {
  const wrapper = path.join(ROOT, 'cluster/kind/runc-nosysresource.sh');
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-runc-test-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the wrapper with a stand-in runc that records its arguments. */
  function runWrapper(args: string[]): { status: number | null; argv: string } {
    const fake = path.join(dir, 'fake-runc');
    fs.writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(path.join(dir, 'argv'))}\n`, { mode: 0o755 });
    const r = spawnSync('sh', [wrapper, ...args], { env: { ...process.env, REFARCH_REAL_RUNC: fake }, encoding: 'utf8' });
    return { status: r.status, argv: fs.existsSync(path.join(dir, 'argv')) ? fs.readFileSync(path.join(dir, 'argv'), 'utf8') : '' };
  }
  const caps = (list: string[]) => ({ bounding: list, effective: list, permitted: list, inheritable: list });

  test('create --bundle: CAP_SYS_RESOURCE leaves every capability set of the spec, the rest stays; runc gets the same arguments', () => {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', process: { args: ['sh'], capabilities: caps(['CAP_CHOWN', 'CAP_SYS_RESOURCE', 'CAP_NET_ADMIN']) } }));
    const args = ['--root', '/run/x', '--log-format', 'json', 'create', '--bundle', dir, '--pid-file', path.join(dir, 'pid'), 'ctr1'];
    const r = runWrapper(args);
    expect(r.status).toBe(0);
    expect(r.argv.trim().split('\n')).toEqual(args);
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    for (const set of Object.values(spec.process.capabilities)) expect(set).toEqual(['CAP_CHOWN', 'CAP_NET_ADMIN']);
    expect(spec.process.args).toEqual(['sh']);
  });

  test('exec --process FILE: the process file loses CAP_SYS_RESOURCE', () => {
    const proc = path.join(dir, 'process.json');
    fs.writeFileSync(proc, JSON.stringify({ args: ['ls'], capabilities: caps(['CAP_SYS_RESOURCE', 'CAP_KILL']) }));
    expect(runWrapper(['exec', '--process', proc, '--detach', 'ctr1']).status).toBe(0);
    expect(JSON.parse(fs.readFileSync(proc, 'utf8')).capabilities.bounding).toEqual(['CAP_KILL']);
  });

  test('a spec without capabilities and other commands pass through untouched', () => {
    const spec = JSON.stringify({ process: { args: ['true'] } });
    fs.writeFileSync(path.join(dir, 'config.json'), spec);
    expect(runWrapper(['create', '-b', dir, 'c']).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8').trim()).toBe(JSON.stringify(JSON.parse(spec)));
    const r = runWrapper(['state', 'c']);
    expect(r.status).toBe(0);
    expect(r.argv.trim().split('\n')).toEqual(['state', 'c']);
  });
});

describe('cluster/kind/lock.sh (one cluster at a time; a lock whose holder is gone is taken over)', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-lock-'));
    fs.mkdirSync(path.join(dir, 'state', 'run'), { recursive: true });
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const lock = () => path.join(dir, 'lock');
  /** Above Linux's largest pid_max (2^22): no process has it. */
  const NO_SUCH_PID = 999_999_999;
  /** A lock as up.sh writes it, held by another checkout's up.sh of this PID. */
  const plant = (pid: number) => {
    fs.mkdirSync(lock());
    fs.writeFileSync(path.join(lock(), 'kind'), `kind cluster refarch, cluster/kind/up.sh pid ${pid}, 2026-12-07T14:21:00+00:00\ncheckout /elsewhere/ci-clone\n`);
  };
  /** A live process that stands for something (sleep 30), its PID. */
  const live = (args: string[]) => {
    const c = spawn(args[0], args.slice(1), { stdio: 'ignore' });
    children.push(c);
    return c.pid as number;
  };
  const takeLock = () => spawnSync('bash', ['-c', '. cluster/kind/common.sh && . cluster/kind/lock.sh && take_lock && echo "fresh=${LOCK_FRESH:-0}"'], {
    cwd: ROOT, encoding: 'utf8', timeout: 30_000,
    env: { ...process.env, REFARCH_KIND_STATE_DIR: path.join(dir, 'state'), REFARCH_CLUSTER_LOCK: lock(), REFARCH_LOCK_WAIT: '4', REFARCH_LOCK_POLL: '1' },
  });
  const holder = () => fs.readFileSync(path.join(lock(), 'kind'), 'utf8');

  test('a free lock is taken and names this checkout', () => {
    const r = takeLock();
    expect(r.stdout).toContain('lock taken');
    expect(r.stdout).toContain('fresh=1');
    expect(holder()).toContain(`checkout ${ROOT}\n`);
  });

  test("a dead holder (its up.sh PID gone, no dockerd running) loses the lock after two looks", () => {
    plant(NO_SUCH_PID);
    const r = takeLock();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/the lock's holder is gone .*checkout \/elsewhere\/ci-clone/);
    expect(r.stdout).toContain('fresh=1');
    expect(holder()).toContain(`checkout ${ROOT}\n`);
  });

  test("a holder whose up.sh still runs keeps it: the waiter gives up naming the lock", () => {
    const script = path.join(dir, 'cluster', 'kind', 'up.sh');
    fs.mkdirSync(path.dirname(script), { recursive: true });
    fs.writeFileSync(script, 'sleep 30\n');
    plant(live(['bash', script]));
    const r = takeLock();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the cluster lock ${lock()} stayed busy for 4s`);
    expect(holder()).toContain('checkout /elsewhere/ci-clone');
  });

  test("a holder whose up.sh has exited but whose dockerd (recorded PID and binary) runs keeps it", () => {
    plant(NO_SUCH_PID);
    const pid = live(['sleep', '30']);
    fs.writeFileSync(path.join(dir, 'state', 'run', 'dockerd.pid'), `${pid}\n`);
    fs.writeFileSync(path.join(dir, 'state', 'run', 'dockerd.exe'), `${fs.realpathSync(`/proc/${pid}/exe`)}\n`);
    const r = takeLock();
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain('holder is gone');
    expect(holder()).toContain('checkout /elsewhere/ci-clone');
  });
});
