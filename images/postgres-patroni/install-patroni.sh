#!/bin/bash
# Installs Patroni into a venv at /opt/patroni from the hash-pinned requirements in DIR
# (requirements.txt, build-requirements.txt). Runs as root during an image build, with
# Debian's python3 and python3-venv already installed: by the Dockerfile here (pip reads
# PyPI) and by cluster/images.sh for the local clusters (PIP_NO_INDEX=1 and
# PIP_FIND_LINKS point pip at wheels downloaded beforehand, so that build needs no network).
#   install-patroni.sh DIR
set -euo pipefail
dir=${1:?usage: install-patroni.sh DIR}
venv=/opt/patroni
pip=("$venv/bin/pip" --no-cache-dir --disable-pip-version-check --no-input)

python3 -m venv "$venv"
# Every file pip installs must match a hash in the lists: nothing is resolved on the fly.
"${pip[@]}" install --require-hashes -r "$dir/build-requirements.txt"
"${pip[@]}" install --require-hashes --no-build-isolation -r "$dir/requirements.txt"
# setuptools only built ydiff from source; Patroni does not need it at run time.
"${pip[@]}" uninstall --yes setuptools
"${pip[@]}" check
"$venv/bin/patroni" --version
"$venv/bin/patronictl" version >/dev/null
# psycopg 3 in pure Python loads the image's libpq (PostgreSQL's own client library).
"$venv/bin/python" -c 'import psycopg; print("psycopg", psycopg.__version__, "libpq", psycopg.pq.version())'
