/**
 * The official `postgres` image's contract, shared by the constructs that run it or
 * connect to it: one home for each of these defaults.
 *
 * Copying a PostgreSQL construct into another project? Copy this file with it.
 */

/** The image the database and its backups default to (pg_dump must be at least the server's major version). */
export const DEFAULT_POSTGRES_IMAGE = 'postgres:16.4-bookworm';

/** The server's port, the default of every construct and setting that names it. */
export const DEFAULT_POSTGRES_PORT = 5432;

/** uid and gid of the image's `postgres` user. */
export const POSTGRES_UID = 999;
