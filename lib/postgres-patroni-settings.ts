/**
 * The checks of Patroni's settings on a PostgresDatabase (replicas above 1): the image,
 * the three distinct roles, synchronous replication, the failover timing and the Kubernetes
 * API address the members' egress policy allows. PostgresDatabase calls it before it
 * renders PatroniMembers (postgres-patroni.ts).
 */
import { DEFAULT_REPLICATION_PASSWORD_KEY, DEFAULT_SUPERUSER_PASSWORD_KEY, PostgresDatabaseProps } from './postgres-database-props';
import { DEFAULT_POSTGRES_IMAGE, DEFAULT_REPLICATION_USER, POSTGRES_SUPERUSER } from './postgres-image';
import { DEFAULT_FAILOVER_TIMING, FailoverTiming, SynchronousReplication } from './postgres-patroni-config';
import { validateDistinctRoles } from './postgres-roles';
import { ValidationError, validateCidr, validateInteger, validateOneOf, validatePort, validatePostgresIdentifier } from './prop-checks';

/**
 * Patroni's settings of a {@link PostgresDatabase} with replicas above 1, checked, with
 * their defaults. `f` names a prop for errors; `userKey` is the config key of the app's role.
 */
export function validatePatroniSettings(props: PostgresDatabaseProps, f: (prop: string) => string, appUser: string, userKey: string) {
  if (props.image === undefined || props.image === DEFAULT_POSTGRES_IMAGE) {
    throw new ValidationError(f('image'), props.image ?? DEFAULT_POSTGRES_IMAGE,
      'Must be an image with Patroni when replicas is above 1 (the official image has none): build images/postgres-patroni/Dockerfile, push it and set image (docs/data-tier.md).');
  }
  const replicationUser = validatePostgresIdentifier(f('replicationUser'), props.replicationUser ?? DEFAULT_REPLICATION_USER, 'role');
  // Patroni's superuser, the replication role and the application's role: three roles.
  validateDistinctRoles([
    { field: 'POSTGRES_SUPERUSER (postgres-image.ts)', purpose: 'Patroni\'s superuser', name: POSTGRES_SUPERUSER },
    { field: f('replicationUser'), purpose: 'the replication user', name: replicationUser },
    { field: f(`config setting ${userKey}`), purpose: 'the app\'s user', name: appUser },
  ]);
  const synchronous: SynchronousReplication = validateOneOf(f('synchronousReplication'), props.synchronousReplication ?? 'off', ['off', 'on', 'strict'] as const);
  const given: FailoverTiming = props.failover ?? {};
  if (typeof given !== 'object' || given === null) throw new ValidationError(f('failover'), given, 'Must be an object, e.g. { "ttlSeconds": 20 }.');
  const unknown = Object.keys(given).find((k) => !(k in DEFAULT_FAILOVER_TIMING));
  if (unknown !== undefined) throw new ValidationError(f(`failover.${unknown}`), (given as Record<string, unknown>)[unknown], `Unknown setting: failover takes ${Object.keys(DEFAULT_FAILOVER_TIMING).join(', ')}.`);
  const timing = {
    ttlSeconds: validateInteger(f('failover.ttlSeconds'), given.ttlSeconds ?? DEFAULT_FAILOVER_TIMING.ttlSeconds, 10, 300),
    loopWaitSeconds: validateInteger(f('failover.loopWaitSeconds'), given.loopWaitSeconds ?? DEFAULT_FAILOVER_TIMING.loopWaitSeconds, 1, 60),
    retryTimeoutSeconds: validateInteger(f('failover.retryTimeoutSeconds'), given.retryTimeoutSeconds ?? DEFAULT_FAILOVER_TIMING.retryTimeoutSeconds, 3, 120),
  };
  if (timing.loopWaitSeconds + 2 * timing.retryTimeoutSeconds > timing.ttlSeconds) {
    throw new ValidationError(f('failover'), timing,
      'Must satisfy loopWaitSeconds + 2 * retryTimeoutSeconds <= ttlSeconds: a leader that cannot reach the API must demote itself before its lock expires and another member takes over.');
  }
  const api = props.kubernetesApi;
  if (api === undefined || api === null || typeof api !== 'object' || !Array.isArray(api.cidrs) || api.cidrs.length === 0) {
    throw new ValidationError(f('kubernetesApi.cidrs'), api?.cidrs,
      'Required with replicas above 1: the Kubernetes API server\'s own addresses, which Patroni\'s egress policy allows (NetworkPolicies see them after the Service IP is translated), '
      + 'e.g. ["172.18.0.2/32"]; `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes` lists them.');
  }
  api.cidrs.forEach((cidr, i) => validateCidr(f(`kubernetesApi.cidrs[${i}]`), cidr));
  const kubernetesApi = { cidrs: [...api.cidrs], port: validatePort(f('kubernetesApi.port'), api.port ?? 6443) };
  const replicationPasswordKey = props.replicationPasswordKey ?? DEFAULT_REPLICATION_PASSWORD_KEY;
  const superuserPasswordKey = props.superuserPasswordKey ?? DEFAULT_SUPERUSER_PASSWORD_KEY;
  return { replicationUser, replicationPasswordKey, superuserPasswordKey, timing, synchronous, kubernetesApi };
}
