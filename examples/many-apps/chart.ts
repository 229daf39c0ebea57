/**
 * Three applications from the constructs of lib/, the way a team with many runs them: two
 * (`shop`, `blog`) share the namespace `apps`; a third (`wiki`) has `team-b` to itself for
 * its web tier and `team-b-data` for its database.
 * Each application is one call of {@link application}; every object name derives from its
 * instance name, the namespace-wide policies (default-deny, DNS egress) are rendered once
 * per namespace and shared, and each application's allows name only its own pods, so no
 * application can open another's database port (test/many-apps.test.ts evaluates the
 * rendered NetworkPolicies over every pod and port).
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AppConfig } from '../../lib/app-config';
import { RestrictedNamespace } from '../../lib/namespace';
import { NetworkPolicies, Peer } from '../../lib/network-policies';
import { PostgresBackup } from '../../lib/postgres-backup';
import { PostgresDatabase } from '../../lib/postgres-database';
import { WebIngress } from '../../lib/web-ingress';
import { WebTier } from '../../lib/web-tier';

/** A PostgreSQL image with Patroni (images/postgres-patroni/Dockerfile), for databases with replicas. */
const PATRONI_IMAGE = 'registry.example.com/refarch/postgres-patroni:17.11-4.1.5';

/** What differs between the applications. */
export interface ApplicationOptions {
  /** Instance name: every object of the application is named after it. */
  readonly name: string;
  readonly namespace: string;
  /**
   * Namespace of the database and its backups.
   * @default - `namespace`
   */
  readonly databaseNamespace?: string;
  readonly image: string;
  readonly host: string;
  /** @default 1 */
  readonly databaseReplicas?: number;
  /** @default - the official image (one replica), PATRONI_IMAGE (more) */
  readonly databaseImage?: string;
  /** Where Patroni reaches the API server (with replicas). @default - kind's control plane */
  readonly kubernetesApi?: { readonly cidrs: string[]; readonly port: number };
}

/** One application: database, its backups, config wired to the database by type, web tier, Ingress, policies. */
export function application(scope: Construct, options: ApplicationOptions) {
  const { name, namespace } = options;
  const dbNamespace = options.databaseNamespace ?? namespace;
  const replicas = options.databaseReplicas ?? 1;
  // The database makes its own AppConfig, `<name>-db-config`, and reads the Secret
  // `<name>-db-credentials`, which must hold `db.secretKeys` (with replicas: 2 also the
  // replication and superuser passwords).
  const db = new PostgresDatabase(scope, `${name}-db`, {
    namespace: dbNamespace, name: `${name}-db`, databaseName: name, user: name, replicas,
    ...(options.databaseImage !== undefined ? { image: options.databaseImage } : replicas > 1 ? { image: PATRONI_IMAGE } : {}),
    ...(replicas > 1 ? { kubernetesApi: options.kubernetesApi ?? { cidrs: ['198.19.100.0/24'], port: 6443 } } : {}),
  });
  const backup = new PostgresBackup(scope, `${name}-backup`, { database: db });
  // DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_SSLMODE from the database; the password from its
  // Secret (from a copy `<name>-credentials` when the database runs in another namespace).
  const config = new AppConfig(scope, `${name}-config`, { namespace, name, database: db.connection, settings: { LOG_LEVEL: 'info', APP_TITLE: name } });
  const web = new WebTier(scope, `${name}-web`, { namespace, name, image: options.image, config, secretEnv: { DB_PASSWORD: db.passwordKey } });
  const ingress = new WebIngress(scope, `${name}-ingress`, { namespace, name, host: options.host, backend: web });
  // One NetworkPolicies per application; the namespace's default-deny and DNS egress are
  // shared. Each policy goes to the namespace of the pods it selects.
  const policies = new NetworkPolicies(scope, `${name}-policies`, { namespace });
  if (dbNamespace !== namespace) new NetworkPolicies(scope, `${name}-db-policies`, { namespace: dbNamespace });
  policies.allow(Peer.namespace('traefik'), web, web.ports.http);
  policies.allow(web, db, db.ports.postgresql);
  return { db, backup, config, web, ingress, policies };
}

/** The images and the cluster of {@link ManyAppsChart}: placeholders by default, local builds in the e2e stage. */
export interface ManyAppsProps {
  /** @default - registry.example.com/<app>:<version> */
  readonly webImage?: string;
  /** @default - the official image; PATRONI_IMAGE for blog's two members */
  readonly databaseImage?: string;
  /** @default 2 */
  readonly blogDatabaseReplicas?: number;
  /** @default - kind's control plane */
  readonly kubernetesApi?: { readonly cidrs: string[]; readonly port: number };
}

/** Three applications in three namespaces: two share `apps`; `wiki` has its web tier in `team-b`, its database in `team-b-data`. */
export class ManyAppsChart extends Chart {
  public readonly apps: ReturnType<typeof application>[];

  constructor(scope: Construct, id: string, props: ManyAppsProps = {}) {
    super(scope, id, { disableResourceNameHashes: true });
    const images = (app: string, version: string) => ({
      image: props.webImage ?? `registry.example.com/${app}:${version}`,
      ...(props.databaseImage !== undefined ? { databaseImage: props.databaseImage } : {}),
      ...(props.kubernetesApi !== undefined ? { kubernetesApi: props.kubernetesApi } : {}),
    });
    new RestrictedNamespace(this, 'apps', { name: 'apps' });
    new RestrictedNamespace(this, 'team-b', { name: 'team-b' });
    new RestrictedNamespace(this, 'team-b-data', { name: 'team-b-data' });
    this.apps = [
      application(this, { name: 'shop', namespace: 'apps', ...images('shop', '1.4.2'), host: 'shop.example.com' }),
      application(this, { name: 'blog', namespace: 'apps', ...images('blog', '2.0.1'), host: 'blog.example.com', databaseReplicas: props.blogDatabaseReplicas ?? 2 }),
      application(this, { name: 'wiki', namespace: 'team-b', databaseNamespace: 'team-b-data', ...images('wiki', '0.9.0'), host: 'wiki.example.com' }),
    ];
  }
}
