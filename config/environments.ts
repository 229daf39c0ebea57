/**
 * The environments synthesized into dist/, one `<name>.k8s.yaml` each.
 *
 * dev:  kind or minikube on a laptop. Small requests, 2 web replicas, renders a dev-only Secret.
 *       Front door: an Ingress (IngressClass traefik), which every local setup serves
 *       without installing the Gateway API CRDs first.
 * prod: a real cluster. 3-10 web replicas under an HPA, TLS, larger storage, and a
 *       Secret that must already exist: no secret value is ever rendered for prod.
 *       Front door: the Gateway API (a Gateway of its own with an HTTPS listener that
 *       terminates TLS, an HTTPRoute, plain HTTP redirected to HTTPS); no Ingress.
 *       Both front doors default to Traefik (docs/front-door.md explains the choice).
 *       PostgreSQL: three Patroni-managed members (a leader, two streaming replicas, one
 *       of them synchronous) with automatic failover, TLS from the Secret postgres-tls,
 *       nightly pg_dump backups.
 *
 * dev keeps one plain-text PostgreSQL pod of the official image (no TLS, no Patroni, no
 * backups) so it starts fast on a laptop; the e2e suite turns them on with --set.
 *
 * `npm run synth` checks these against config/settings.schema.json (generated from
 * ReferenceArchitectureProps) before any construct runs, so a misspelled key fails there.
 */
import { ReferenceArchitectureProps } from '../lib/reference-architecture';

/**
 * DEV ONLY. Rendered into dist/dev.k8s.yaml when DB_PASSWORD is not set at synth
 * time. Fixed rather than random, because a password that changed on every synth would
 * lock the app out of a database initialized with the previous one.
 */
export const DEV_ONLY_DEFAULT_PASSWORD = 'dev-only-insecure-password';

/** Builds the environment configurations; `env` supplies DB_PASSWORD for dev. */
export function environments(env: NodeJS.ProcessEnv = process.env): Record<string, ReferenceArchitectureProps> {
  return {
    dev: {
      namespace: 'refarch-dev',
      environment: 'dev',
      web: {
        image: 'refarch-guestbook:0.1.0',
        replicas: 2,
        logLevel: 'debug',
        title: 'Guestbook (dev)',
      },
      // Front door: the Ingress with its defaults (IngressClass traefik, host refarch.localtest.me).
      // The Gateway API instead: --set dev.gateway.enabled=true --set dev.ingress.enabled=false.
      database: {
        image: 'postgres:17.11-trixie',
        storage: '1Gi',
      },
      credentials: {
        secretName: 'guestbook-db-credentials',
        password: env.DB_PASSWORD || DEV_ONLY_DEFAULT_PASSWORD,
      },
    },
    prod: {
      namespace: 'refarch-prod',
      environment: 'prod',
      // Refuses a rendered password and images without a registry host or a digest.
      production: true,
      web: {
        // PLACEHOLDER: registry.example.com does not exist and the digest is not of a real
        // image. Push app/ to your own registry and put its name and digest here.
        image: 'registry.example.com/refarch/guestbook:0.1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000',
        autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilization: 70 },
        logLevel: 'info',
        title: 'Guestbook',
        resources: {
          cpuRequest: '250m', cpuLimit: '1',
          memoryRequest: '256Mi', memoryLimit: '512Mi',
          ephemeralStorageRequest: '128Mi', ephemeralStorageLimit: '512Mi',
        },
      },
      // The Gateway API front door; the Ingress stays available (ingress.enabled: true, also both during a migration).
      ingress: { enabled: false },
      gateway: { enabled: true, host: 'guestbook.example.com', tlsSecretName: 'guestbook-tls' },
      database: {
        // PLACEHOLDER: registry.example.com does not exist and the digest is not of a real
        // image. Build images/postgres-patroni/Dockerfile (FROM the official
        // postgres:17.11-trixie, pinned there by digest), push it to your registry and put
        // its name and digest here (docs/data-tier.md, "The Patroni image").
        image: 'registry.example.com/refarch/postgres-patroni:17.11-4.1.5@sha256:0000000000000000000000000000000000000000000000000000000000000000',
        storage: '20Gi',
        // Three members: with one node lost, a leader and a synchronous replica remain.
        replicas: 3,
        synchronousReplication: 'on',
        // PLACEHOLDER: your API server's own addresses (not the Service IP), which
        // Patroni's egress policy allows: `kubectl get endpointslices -n default
        // -l kubernetes.io/service-name=kubernetes`. 192.0.2.0/24 is a documentation range.
        kubernetesApi: { cidrs: ['192.0.2.10/32'], port: 6443 },
        // kubectl -n refarch-prod create secret generic postgres-tls --type=kubernetes.io/tls
        //   --from-file=tls.crt --from-file=tls.key --from-file=ca.crt   (README: TLS to the database)
        tls: { secretName: 'postgres-tls' },
        backup: { schedule: '0 3 * * *', keep: 7, storage: '20Gi' },
        resources: {
          cpuRequest: '500m', cpuLimit: '2',
          memoryRequest: '1Gi', memoryLimit: '2Gi',
          ephemeralStorageRequest: '256Mi', ephemeralStorageLimit: '2Gi',
        },
      },
      // Created out of band: kubectl -n refarch-prod create secret generic guestbook-db-credentials
      //   --from-literal=password=... --from-literal=replication-password=... --from-literal=superuser-password=...
      credentials: { secretName: 'guestbook-db-credentials' },
    },
  };
}
