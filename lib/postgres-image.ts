/**
 * The official `postgres` image's contract and the data tier's fixed names, shared by the
 * constructs that run PostgreSQL or connect to it: one home for each of these defaults.
 *
 * Copying a PostgreSQL construct into another project? Copy this file with it.
 */

/**
 * The image the database and its backups default to (pg_dump must be at least the
 * server's major version). PostgreSQL 17 on Debian trixie: the local clusters build
 * their stand-in from trixie's own postgresql-17 (cluster/images.sh).
 */
export const DEFAULT_POSTGRES_IMAGE = 'postgres:17.11-trixie';

/** The server's port, the default of every construct and setting that names it. */
export const DEFAULT_POSTGRES_PORT = 5432;

/** uid and gid of the image's `postgres` user. */
export const POSTGRES_UID = 999;

/**
 * The roles of a Patroni-managed database (replicas above 1), in one place: Patroni's
 * superuser, the replication role and, from the settings, the application's role must be
 * three different roles.
 */
export const POSTGRES_SUPERUSER = 'postgres';
/** Default name of the replication role the members stream WAL as. */
export const DEFAULT_REPLICATION_USER = 'replicator';

/** Port of Patroni's REST API in the database pods (probes, members asking each other). */
export const PATRONI_PORT = 8008;
