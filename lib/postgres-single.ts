/**
 * The pod of a single-instance {@link PostgresDatabase} (replicas 1): the official image,
 * unchanged, following its contract (POSTGRES_USER, POSTGRES_PASSWORD_FILE, POSTGRES_DB,
 * PGDATA, uid/gid 999); with TLS, the scripts that require it (single.sh and the image's
 * initdb hook). The pod spec itself comes from postgres-pod.ts, as for Patroni's members.
 */
import * as k8s from './k8s';
import { AppConfig } from './app-config';
import { configHash } from './config-hash';
import { PostgresDatabaseProps, TLS_DIR } from './postgres-database-props';
import { SCRIPTS_HASH_ANNOTATION } from './postgres-patroni';
import { PGDATA, PostgresPodOptions, execProbe } from './postgres-pod';
import { SCRIPTS_DIR, tlsServerArgs } from './postgres-scripts';
import { ValidationError } from './prop-checks';

/** What the single instance's pod is made of (checked by PostgresDatabase). */
export interface SingleInstanceInput {
  readonly name: string;
  readonly port: number;
  readonly labels: Record<string, string>;
  readonly image: string;
  readonly resources: k8s.ResourceRequirements;
  readonly config: AppConfig;
  readonly userKey: string;
  readonly databaseKey: string;
  readonly passwordKey: string;
  readonly tlsMount: k8s.VolumeMount[];
  readonly tlsVolume: k8s.Volume[];
  /**
   * The TLS scripts (TLS is on), by file name.
   * @default - no TLS: the image as it is
   */
  readonly scripts?: Record<string, string> | undefined;
}

/** The official image as is: pg_isready probes; with TLS, the scripts that require it. `f` names a prop for errors. */
export function singleInstancePod(props: PostgresDatabaseProps, f: (prop: string) => string, c: SingleInstanceInput): PostgresPodOptions {
  for (const key of ['replicationUser', 'replicationPasswordKey', 'superuserPasswordKey', 'synchronousReplication', 'failover', 'kubernetesApi'] as const) {
    if (props[key] !== undefined) throw new ValidationError(f(key), props[key], 'Only applies with replicas above 1 (replicas is 1). Remove it or raise replicas.');
  }
  // The password as a read-only file (POSTGRES_PASSWORD_FILE), not an env var.
  const credentials = c.config.secretMount({ keys: [c.passwordKey] });
  // pg_isready needs no credentials: it only asks whether the server accepts connections.
  // TCP on 127.0.0.1 rather than the socket, so the probe fails while the image's
  // entrypoint runs its socket-only bootstrap server during initdb.
  const pgIsReady = ['pg_isready', '--host=127.0.0.1', `--port=${c.port}`, '--timeout=3', `--username=${c.config.setting(c.userKey)}`];
  let tls: Pick<PostgresPodOptions, 'command' | 'args' | 'volumeMounts' | 'volumes' | 'annotations'> = { volumeMounts: [], volumes: [], annotations: {} };
  if (c.scripts !== undefined) {
    const scriptsName = `${c.name}-scripts`;
    tls = {
      command: ['bash', `${SCRIPTS_DIR}/single.sh`],
      args: tlsServerArgs(TLS_DIR),
      annotations: { [SCRIPTS_HASH_ANNOTATION]: configHash(c.scripts) },
      volumeMounts: [
        { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true },
        // The image runs the files here once, on the first start of an empty volume.
        { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
        ...c.tlsMount,
      ],
      volumes: [
        { name: 'scripts', configMap: { name: scriptsName, defaultMode: 0o444 } },
        { name: 'initdb', configMap: { name: scriptsName, items: [{ key: 'initdb-single.sh', path: '10-refarch-tls.sh' }], defaultMode: 0o444 } },
        ...c.tlsVolume,
      ],
    };
  }
  return {
    labels: c.labels, serviceAccountName: c.name, apiToken: false, image: c.image, port: c.port, patroniPort: false, resources: c.resources,
    command: tls.command, args: tls.args, annotations: tls.annotations,
    env: [
      c.config.settingEnv('POSTGRES_USER', c.userKey),
      c.config.settingEnv('POSTGRES_DB', c.databaseKey),
      { name: 'POSTGRES_PASSWORD_FILE', value: credentials.filePath(c.passwordKey) },
      { name: 'PGDATA', value: PGDATA },
      { name: 'PGPORT', value: String(c.port) },
      ...(c.scripts === undefined ? [] : [{ name: 'REFARCH_TLS_DIR', value: TLS_DIR }]),
    ],
    startupProbe: execProbe(pgIsReady, 5, 60),
    // Liveness asks less than readiness: only whether the server still listens. With
    // pg_isready here too, a server that answers slowly (overload, a long checkpoint)
    // or refuses connections while it replays WAL would be restarted, which only makes
    // that worse; readiness already takes it out of the Service.
    livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('postgresql') }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
    readinessProbe: execProbe(pgIsReady, 5, 3),
    volumeMounts: [credentials.volumeMount, ...tls.volumeMounts],
    volumes: [credentials.volume, ...tls.volumes],
  };
}
