#!/bin/bash
# Command of a single-instance database with TLS (the official image, unchanged): on an
# existing data directory, applies what initdb-single.sh applies on the first start (so
# turning TLS on for a database that holds data works), then hands over to the image's
# entrypoint.
set -euo pipefail
# shellcheck source=lib.sh
. /opt/refarch/lib.sh
if [ -s "$PGDATA/PG_VERSION" ]; then refarch_write_hba; fi
exec docker-entrypoint.sh postgres "$@"
