/**
 * How an application reaches its database, as a type: what a PostgresDatabase and an
 * ExternalDatabase both expose (`db.connection`), and what AppConfig turns into the
 * app's DB_HOST, DB_PORT, DB_NAME, DB_USER and DB_SSLMODE settings (its `database` prop).
 * Nothing here is a hand-written string that could go stale when the database is renamed,
 * moved to another namespace or given TLS: rename the database and the settings follow.
 * A database of your own satisfies {@link IDatabaseConnection} with five fields.
 */

/** libpq's sslmode values. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** Where and as whom an application connects: what a database construct exposes as `connection`. */
export interface IDatabaseConnection {
  /** Host name the application connects to (a Service's cluster DNS name for the constructs of lib/). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Name of the database. */
  readonly databaseName: string;
  /** Role the application logs in as. */
  readonly user: string;
  /** libpq sslmode matching the server: 'verify-full' when it has TLS, 'disable' when it has none. */
  readonly sslMode: SslMode;
  /**
   * Host of read-only replicas, for an application that reads there while the primary is away.
   * @default - none
   */
  readonly readHost?: string | undefined;
  /**
   * The Secret and key holding the user's password, when the database construct knows it:
   * AppConfig's `database` then reads the password from there (a Secret is read in its own
   * namespace only: an application in another namespace needs a copy, see AppConfig).
   * @default - none: give AppConfig a Secret of its own
   */
  readonly passwordSecret?: { readonly namespace: string; readonly name: string; readonly key: string } | undefined;
}

/** The setting names {@link connectionSettings} writes (the demo app's, and libpq-like). */
export const CONNECTION_SETTING_KEYS = {
  host: 'DB_HOST', port: 'DB_PORT', databaseName: 'DB_NAME', user: 'DB_USER', sslMode: 'DB_SSLMODE', readHost: 'DB_READ_HOST',
} as const;

/** The settings an application reads its connection from: DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_SSLMODE (and DB_READ_HOST). */
export function connectionSettings(connection: IDatabaseConnection): Record<string, string> {
  const k = CONNECTION_SETTING_KEYS;
  return {
    [k.host]: connection.host,
    [k.port]: String(connection.port),
    [k.databaseName]: connection.databaseName,
    [k.user]: connection.user,
    [k.sslMode]: connection.sslMode,
    ...(connection.readHost !== undefined ? { [k.readHost]: connection.readHost } : {}),
  };
}

/** The cluster DNS name of a Service: what applications in any namespace connect to. */
export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}
