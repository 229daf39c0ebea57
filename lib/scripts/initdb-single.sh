# shellcheck shell=bash
# /docker-entrypoint-initdb.d hook of a single-instance database with TLS: the image's
# entrypoint sources it once, after initdb, on the first start of an empty volume (so it
# must not `exit`).
# shellcheck source=lib.sh
. /opt/refarch/lib.sh
refarch_write_hba
