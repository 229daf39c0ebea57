#!/usr/bin/env bash
# Builds the cluster's local OCI images (no registry, no Docker engine) as OCI
# image-layout tarballs, cached in $REFARCH_CACHE/images/<name>-<content key>.oci.tar
# (and .digest); cluster/kind/ loads them into the kind nodes (`kind load`) and bakes
# the component images into its node image.
#
# Every image is a single uncompressed layer written by GNU tar with fixed
# mtimes and sorted names, plus an OCI config, manifest and index.json written
# here. Identical content gives an identical digest; a changed app/ gives a new one.
#
#   cluster/images.sh            # build all
#   cluster/images.sh guestbook  # only some: pause busybox coredns traefik local-path
#                                #   postgresql postgresql-patroni guestbook, and the upgrade
#                                #   step's second builds guestbook-next postgresql-next
#                                #   postgresql-patroni-next
# (--build-only, the only mode since the single-node cluster was retired, is accepted.)
set -euo pipefail
SCRIPT_NAME=${SCRIPT_NAME:-images}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMG_CACHE=$REFARCH_CACHE/images
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [ "${1:-}" = --build-only ]; then shift; fi

# oci_pack REF ROOTFS OUT_TAR USER ENTRYPOINT_JSON ENV_JSON [EXPOSED_PORTS_JSON] [STOPSIGNAL] [CMD_JSON]
# Writes an OCI image layout tarball for REF; prints the manifest digest.
oci_pack() {
  local ref=$1 rootfs=$2 out=$3 user=$4 entry=$5 env=$6 ports=${7:-'{}'} stop=${8:-} cmd=${9:-}
  local d ldig lsize cfg cdig csize man mdig msize
  d=$(mktemp -d "$IMG_CACHE/.oci.XXXXXX")
  mkdir -p "$d/blobs/sha256"
  tar --format=gnu --sort=name --mtime=@0 --numeric-owner --exclude=./proc/* --exclude=./sys/* \
    --exclude=./dev/* -C "$rootfs" -cf "$d/layer.tar" .
  ldig=$(sha256sum "$d/layer.tar" | cut -d' ' -f1); lsize=$(stat -c %s "$d/layer.tar")
  mv "$d/layer.tar" "$d/blobs/sha256/$ldig"
  cfg=$(printf '{"architecture":"amd64","os":"linux","config":{"User":"%s","Env":%s,"Entrypoint":%s,"WorkingDir":"/","ExposedPorts":%s%s%s,"Labels":{"org.opencontainers.image.ref.name":"%s","org.opencontainers.image.vendor":"refarch (built locally by cluster/images.sh)"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"cluster/images.sh"}]}' \
    "$user" "$env" "$entry" "$ports" "${stop:+,\"StopSignal\":\"$stop\"}" "${cmd:+,\"Cmd\":$cmd}" "$ref" "$ldig")
  printf '%s' "$cfg" >"$d/cfg"
  cdig=$(sha256sum "$d/cfg" | cut -d' ' -f1); csize=$(stat -c %s "$d/cfg")
  mv "$d/cfg" "$d/blobs/sha256/$cdig"
  man=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$cdig" "$csize" "$ldig" "$lsize")
  printf '%s' "$man" >"$d/man"
  mdig=$(sha256sum "$d/man" | cut -d' ' -f1); msize=$(stat -c %s "$d/man")
  mv "$d/man" "$d/blobs/sha256/$mdig"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$mdig" "$msize" "$ref" "${ref##*:}" >"$d/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
  tar --format=gnu --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$d" \
    -cf "$out.tmp" oci-layout index.json blobs
  mv "$out.tmp" "$out"
  echo "sha256:$mdig" >"$out.digest"
  rm -rf "$d"
}

# image_built REF TAR: reports a built image and its digest.
# shellcheck disable=SC2034 # LAST_TAR: read by callers that source this file (test/data-scripts/run.sh)
image_built() { LAST_TAR=$2; info "built $1 ($(cat "$2.digest"))"; } # LAST_TAR: for callers that source this file (test/data-scripts)

# image_tar NAME: the cached tarball of image NAME (as cached_tar names it), or fails.
image_tar() {
  local f
  for f in "$IMG_CACHE/$1"-*.oci.tar; do
    [[ ${f#"$IMG_CACHE/$1"-} =~ ^[0-9a-f]+\.oci\.tar$ ]] && [ -f "$f.digest" ] && { echo "$f"; return 0; }
  done
  die "no built image $1 in $IMG_CACHE (cluster/images.sh $1)"
}

# file_sums FILE...: "<sha256> <basename>" per file, for cache keys. Content and name
# only, not the directory, so the same sources give the same key from any checkout
# (CI clones the repository to a new path on every run).
file_sums() {
  local f
  for f; do printf '%s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "${f##*/}"; done
}

# cached_tar NAME KEY: path of the cached tarball for this content key; older
# tarballs of the same image (other keys) are deleted
cached_tar() {
  local f
  for f in "$IMG_CACHE/$1"-*.oci.tar; do
    [ -e "$f" ] || continue
    [[ ${f#"$IMG_CACHE/$1"-} =~ ^[0-9a-f]+\.oci\.tar$ ]] || continue
    [ "$f" = "$IMG_CACHE/$1-$2.oci.tar" ] || rm -f "$f" "$f".*
  done
  echo "$IMG_CACHE/$1-$2.oci.tar"
}

passwd_files() { # ROOTFS: minimal /etc/passwd, /etc/group with root, nobody and nonroot 65532
  mkdir -p "$1/etc" "$1/tmp"
  chmod 1777 "$1/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$1/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$1/etc/group"
}

# static_binary_image NAME REF BINARY DEST_PATH USER ENTRYPOINT_JSON [PORTS_JSON]
static_binary_image() {
  local name=$1 ref=$2 bin=$3 dest=$4 user=$5 entry=$6 ports=${7:-'{}'} key tar root
  [ -x "$bin" ] || die "$bin missing: run cluster/build.sh first"
  key=$( { sha256sum "$bin"; echo "$ref $dest $user $entry $ports v1"; } | sha256sum | cut -c1-16)
  tar=$(cached_tar "$name" "$key")
  if [ ! -f "$tar.digest" ]; then
    root=$(mktemp -d "$IMG_CACHE/.root.XXXXXX")
    passwd_files "$root"
    install -D -m 0755 "$bin" "$root$dest"
    oci_pack "$ref" "$root" "$tar" "$user" "$entry" "[\"PATH=$DEFAULT_PATH\"]" "$ports"
    rm -rf "$root"
  fi
  image_built "$ref" "$tar"
}

img_pause() {
  local key tar root
  key=$( { file_sums "$CLUSTER_DIR/images/pause.c"; gcc --version | head -1; } | sha256sum | cut -c1-16)
  tar=$(cached_tar pause "$key")
  if [ ! -f "$tar.digest" ]; then
    root=$(mktemp -d "$IMG_CACHE/.root.XXXXXX")
    gcc -static -Os -s -o "$root/pause" "$CLUSTER_DIR/images/pause.c"
    oci_pack "$PAUSE_IMAGE" "$root" "$tar" "65535:65535" '["/pause"]' "[\"PATH=$DEFAULT_PATH\"]"
    rm -rf "$root"
  fi
  image_built "$PAUSE_IMAGE" "$tar"
}

# Debian's busybox-static; also the local-path helper and the netcheck image.
# Debian builds it without wget -T (segfaults) and without nc -z, and its ash
# always runs its own applets, bypassing PATH. So /bin/sh is Debian's dash
# (with the libc it needs), and /bin/wget and /bin/nc are small wrappers that
# add -T and -z; every other command is a busybox applet via a symlink.
img_busybox() {
  local key tar root a dash lib
  dash=$(command -v dash)
  key=$( { file_sums /bin/busybox "$dash" "$CLUSTER_DIR/images/wget-wrapper.sh" "$CLUSTER_DIR/images/nc-wrapper.sh"
    ldd "$dash" | awk '/\// {print $(NF-1)}' | xargs -r sha256sum; echo v3; } | sha256sum | cut -c1-16)
  tar=$(cached_tar busybox "$key")
  if [ ! -f "$tar.digest" ]; then
    root=$(mktemp -d "$IMG_CACHE/.root.XXXXXX")
    passwd_files "$root"
    mkdir -p "$root/bin" "$root/var/www"
    install -m 0755 /bin/busybox "$root/bin/busybox"
    for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"; done
    install -m 0755 "$dash" "$root/bin/dash"
    for lib in $(ldd "$dash" | awk '/\// {print ($3 ~ /^\//) ? $3 : $1}'); do
      install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
    done
    ln -sf dash "$root/bin/sh"
    rm "$root/bin/wget" && install -m 0755 "$CLUSTER_DIR/images/wget-wrapper.sh" "$root/bin/wget"
    rm "$root/bin/nc" && install -m 0755 "$CLUSTER_DIR/images/nc-wrapper.sh" "$root/bin/nc"
    echo '<html><body>refarch busybox httpd</body></html>' >"$root/var/www/index.html"
    oci_pack "$BUSYBOX_IMAGE" "$root" "$tar" "0:0" '["/bin/sh"]' '["PATH=/bin"]'
    rm -rf "$root"
  fi
  image_built "$BUSYBOX_IMAGE" "$tar"
}

img_coredns() {
  static_binary_image coredns "$COREDNS_IMAGE" "$COREDNS_BIN/coredns" /coredns 65532:65532 '["/coredns"]' \
    '{"53/tcp":{},"53/udp":{}}'
}
img_traefik() {
  static_binary_image traefik "$TRAEFIK_IMAGE" "$TRAEFIK_BIN/traefik" /traefik 65532:65532 '["/traefik"]' \
    '{"8000/tcp":{},"8443/tcp":{}}'
}
img_local_path() {
  static_binary_image local-path "$LOCAL_PATH_IMAGE" "$LOCAL_PATH_BIN/local-path-provisioner" \
    /usr/bin/local-path-provisioner 0:0 '["/usr/bin/local-path-provisioner"]'
}

debian_mirror() {
  local m
  m=$(grep -h -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    grep -v security | head -1 | awk '{print ($1 == "deb") ? $2 : $2}')
  echo "${m:-http://deb.debian.org/debian}"
}

# The trixie root filesystem both PostgreSQL images start from, built once and cached by
# the content of this recipe (the text of this function and the entrypoint): debootstrap
# of Debian trixie (minbase) plus postgresql-$POSTGRES_MAJOR and the parts the official
# image has (locales with en_US.UTF-8, gosu, libnss-wrapper, xz-utils, zstd, less), laid
# out as the official image lays them out (uid/gid 999, PGDATA, /var/run/postgresql,
# /docker-entrypoint-initdb.d, listen_addresses = '*' in the sample configuration). The
# Debian packages of python3 and python3-venv are downloaded in the same apt session, so
# the Patroni image installs them without the network. Prints the tarball's path; the
# packages are in <tarball>.debs/.
pg_base_rootfs() {
  local key out root mirror
  key=$( { file_sums "$CLUSTER_DIR/images/postgres-entrypoint.sh"; sed -n '/^pg_base_rootfs()/,/^}/p' "${BASH_SOURCE[0]}"
    echo "$POSTGRES_MAJOR $DEBIAN_SUITE"; } | sha256sum | cut -c1-16)
  out=$IMG_CACHE/pgbase-$key.tar
  if [ ! -f "$out" ]; then
    rm -rf "$IMG_CACHE"/pgbase-*.tar "$IMG_CACHE"/pgbase-*.tar.debs
    mirror=$(debian_mirror)
    root=$(mktemp -d "$IMG_CACHE/.pgroot.XXXXXX")
    chmod 0755 "$root" # the image's / (mktemp makes it 0700)
    info "building the PostgreSQL base: debootstrap $DEBIAN_SUITE (minbase) from $mirror + postgresql-$POSTGRES_MAJOR (a few minutes, once)" >&2
    # shellcheck disable=SC2064
    trap "umount -l '$root/proc' 2>/dev/null || true" EXIT
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$mirror" >"$IMG_CACHE/debootstrap.log" 2>&1 ||
      { tail -30 "$IMG_CACHE/debootstrap.log" >&2; die "debootstrap $DEBIAN_SUITE failed"; }
    # no service starts and no default cluster inside the image build
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 0755 "$root/usr/sbin/policy-rc.d"
    mkdir -p "$root/etc/postgresql-common"
    echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.conf"
    chroot "$root" groupadd -r -g 999 postgres
    chroot "$root" useradd -r -u 999 -g 999 -d /var/lib/postgresql -s /bin/bash postgres
    install -d -o 999 -g 999 -m 1777 "$root/var/lib/postgresql"
    rm -f "$root/etc/resolv.conf" # never write through a symlink into the host
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    mount -t proc proc "$root/proc"
    { chroot "$root" apt-get update -o Acquire::Retries=3 &&
      DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y --no-install-recommends \
        "postgresql-$POSTGRES_MAJOR" locales gosu libnss-wrapper xz-utils zstd less &&
      chroot "$root" apt-get clean &&
      DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y --no-install-recommends --download-only python3 python3-venv
    } >>"$IMG_CACHE/debootstrap.log" 2>&1 ||
      { umount -l "$root/proc"; tail -30 "$IMG_CACHE/debootstrap.log" >&2; die "installing postgresql-$POSTGRES_MAJOR failed"; }
    mkdir -p "$out.tmp.debs"
    mv "$root"/var/cache/apt/archives/*.deb "$out.tmp.debs/"
    echo 'en_US.UTF-8 UTF-8' >>"$root/etc/locale.gen"
    chroot "$root" locale-gen >>"$IMG_CACHE/debootstrap.log" 2>&1
    umount -l "$root/proc"
    trap - EXIT
    chroot "$root" apt-get clean
    # The package lists stay in the tarball (each image removes them) for the Patroni image's
    # offline `apt-get install --no-download`.
    rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info" \
      "$root/var/log/"*.log "$root/var/cache/debconf/"*-old "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
    : >"$root/etc/resolv.conf"
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'C.*' ! -name 'en*' -exec rm -rf {} + 2>/dev/null || true
    sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$root/usr/share/postgresql/$POSTGRES_MAJOR/postgresql.conf.sample"
    grep -q "^listen_addresses = '\*'" "$root/usr/share/postgresql/$POSTGRES_MAJOR/postgresql.conf.sample" || die "could not set listen_addresses in the sample configuration"
    # (/var/run is an absolute symlink to /run: always go through $root/run)
    install -d -o 999 -g 999 -m 3777 "$root/run/postgresql"
    install -d -o 999 -g 999 -m 1777 "$root/var/lib/postgresql/data"
    install -d -m 0755 "$root/docker-entrypoint-initdb.d"
    install -D -m 0755 "$CLUSTER_DIR/images/postgres-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
    tar --format=gnu --sort=name --mtime=@0 --numeric-owner --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* \
      -C "$root" -cf "$out.tmp" .
    rm -rf "$root"
    mv "$out.tmp.debs" "$out.debs"
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# The image config of both PostgreSQL images, as the official image sets it (no User: the
# entrypoint steps down from root to 999 itself; the pods run as 999 anyway).
pg_image_env() { # EXTRA_PATH
  printf '["PATH=%s/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/%s/bin","PG_MAJOR=%s","PGDATA=/var/lib/postgresql/data","LANG=en_US.utf8"]' \
    "${1:+$1:}" "$POSTGRES_MAJOR" "$POSTGRES_MAJOR"
}

# refarch.local/postgresql:17-trixie, the stand-in for the official postgres:17.x-trixie.
img_postgresql() {
  local base key tar root
  base=$(pg_base_rootfs)
  key=$( { basename "$base"; sed -n '/^img_postgresql()/,/^}/p;/^pg_image_env()/,/^}/p' "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)
  tar=$(cached_tar postgresql "$key")
  if [ ! -f "$tar.digest" ]; then
    root=$(mktemp -d "$IMG_CACHE/.pgroot.XXXXXX")
    tar -xf "$base" -C "$root" --numeric-owner
    rm -rf "$root/var/lib/apt/lists/"*
    # SIGINT like the official image's STOPSIGNAL: PostgreSQL's "fast" shutdown. On
    # SIGTERM ("smart") it waits for every client to disconnect, and the app's pool never does.
    oci_pack "$POSTGRES_IMAGE" "$root" "$tar" "" '["docker-entrypoint.sh"]' "$(pg_image_env)" '{"5432/tcp":{}}' SIGINT '["postgres"]'
    rm -rf "$root"
  fi
  image_built "$POSTGRES_IMAGE" "$tar"
}

# PyPI wheels (and the one sdist, ydiff) of images/postgres-patroni's hash-pinned
# requirements, for the trixie image's Python, downloaded on this machine into the cache:
# the image build itself then needs no network. Prints the folder.
patroni_wheels() {
  local dir=$REPO_DIR/images/postgres-patroni key out
  key=$(file_sums "$dir/requirements.txt" "$dir/build-requirements.txt" | sha256sum | cut -c1-16)
  out=$REFARCH_CACHE/pip/patroni-$key
  if [ ! -f "$out/.complete" ]; then
    rm -rf "$out"; mkdir -p "$out"
    info "downloading the Patroni requirements from PyPI (pip download --require-hashes, Python $PATRONI_PYTHON)" >&2
    # --no-deps: exactly the pinned list (it is complete: uv pip compile resolved it).
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes -d "$out" \
      --python-version "$PATRONI_PYTHON" --implementation cp --abi "cp${PATRONI_PYTHON/./}" --abi abi3 --abi none \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform linux_x86_64 \
      -r "$dir/requirements.txt" -r "$dir/build-requirements.txt" >"$out.log" 2>&1 ||
      { tail -20 "$out.log" >&2; die "pip download of the Patroni requirements failed"; }
    touch "$out/.complete"
  fi
  echo "$out"
}

# refarch.local/postgresql-patroni:17-trixie: the plain image plus images/postgres-patroni's
# recipe (Debian's python3, a venv at /opt/patroni, Patroni from hash-pinned requirements),
# run by the same install-patroni.sh as the Dockerfile, offline.
img_postgresql_patroni() {
  local base wheels dir=$REPO_DIR/images/postgres-patroni key tar root py
  base=$(pg_base_rootfs)
  wheels=$(patroni_wheels)
  key=$( { basename "$base"; basename "$wheels"; file_sums "$dir/install-patroni.sh" "$dir/Dockerfile"
    sed -n '/^img_postgresql_patroni()/,/^}/p;/^pg_image_env()/,/^}/p' "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)
  tar=$(cached_tar postgresql-patroni "$key")
  if [ ! -f "$tar.digest" ]; then
    root=$(mktemp -d "$IMG_CACHE/.pgroot.XXXXXX")
    tar -xf "$base" -C "$root" --numeric-owner
    mkdir -p "$root/tmp/patroni/wheels"
    cp "$base.debs"/*.deb "$root/var/cache/apt/archives/"
    cp "$wheels"/* "$root/tmp/patroni/wheels/"
    cp "$dir/requirements.txt" "$dir/build-requirements.txt" "$dir/install-patroni.sh" "$root/tmp/patroni/"
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 0755 "$root/usr/sbin/policy-rc.d"
    # The Dockerfile's `apt-get install python3 python3-venv`, from the packages downloaded
    # with the base; then its install-patroni.sh, with pip pointed at the wheels (no index).
    { DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y --no-install-recommends --no-download python3 python3-venv &&
      py=$(chroot "$root" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])') &&
      { [ "$py" = "$PATRONI_PYTHON" ] || { echo "the image has Python $py, the wheels are for $PATRONI_PYTHON (PATRONI_PYTHON in cluster/versions.env)"; false; }; } &&
      chroot "$root" env -i PATH="$DEFAULT_PATH" PIP_NO_INDEX=1 PIP_FIND_LINKS=/tmp/patroni/wheels \
        bash /tmp/patroni/install-patroni.sh /tmp/patroni
    } >"$IMG_CACHE/patroni-build.log" 2>&1 || { tail -30 "$IMG_CACHE/patroni-build.log" >&2; rm -rf "$root"; die "building $POSTGRES_PATRONI_IMAGE failed"; }
    chroot "$root" apt-get clean
    rm -rf "$root/tmp/patroni" "$root/usr/sbin/policy-rc.d" "$root/var/lib/apt/lists/"* "$root/var/log/"*.log
    oci_pack "$POSTGRES_PATRONI_IMAGE" "$root" "$tar" "" '["docker-entrypoint.sh"]' "$(pg_image_env /opt/patroni/bin)" \
      '{"5432/tcp":{},"8008/tcp":{}}' SIGINT '["postgres"]'
    rm -rf "$root"
  fi
  image_built "$POSTGRES_PATRONI_IMAGE" "$tar"
}

guestbook_version() {
  local v=${GUESTBOOK_VERSION:-}
  [ -n "$v" ] || v=$(sed -n 's/.*org\.opencontainers\.image\.version="\([^"]*\)".*/\1/p' "$REPO_DIR/app/Dockerfile" 2>/dev/null | head -1)
  echo "${v:-dev}"
}

# img_guestbook [VERSION]: the app, built from app/. With a VERSION other than the
# Dockerfile's, a second build (tarball guestbook-next) that reports VERSION (linked in
# with -X main.Version): different content, so a different digest, for the e2e upgrade.
img_guestbook() {
  local app=$REPO_DIR/app ver name=guestbook ldflags="-s -w" tar root hash
  if [ ! -f "$app/go.mod" ]; then warn "app/ has no go.mod yet: skipping the guestbook image"; return 0; fi
  ver=${1:-$(guestbook_version)}
  if [ "$ver" != "$(guestbook_version)" ]; then name=guestbook-next; ldflags+=" -X main.Version=$ver"; fi
  root=$(mktemp -d "$IMG_CACHE/.root.XXXXXX")
  passwd_files "$root"
  (cd "$app" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" \
    go build -trimpath -ldflags="$ldflags" -o "$root/guestbook" .) || { rm -rf "$root"; die "building app/ failed"; }
  hash=$(sha256sum "$root/guestbook" | cut -c1-12)
  tar=$(cached_tar "$name" "$hash")
  [ -f "$tar.digest" ] || oci_pack "$GUESTBOOK_IMAGE_REPO:$ver" "$root" "$tar" "65532:65532" '["/guestbook"]' \
    "[\"PATH=$DEFAULT_PATH\"]" '{"8080/tcp":{}}'
  rm -rf "$root"
  image_built "$GUESTBOOK_IMAGE_REPO:$ver" "$tar"
}
# The e2e upgrade's second web build: the same sources, another version string.
guestbook_next_version() { echo "$(guestbook_version)-next"; }

# img_postgresql_next: a second build of the PostgreSQL image for the e2e upgrade, with
# another image digest. Debian ships one PostgreSQL minor per major and release, so two
# builds of different minor versions cannot be made here; this one is the same layer
# with one more config label (org.opencontainers.image.revision=next), under
# ${POSTGRES_IMAGE}-next. The rollout then crosses two images by digest, as a minor
# upgrade's would; what it cannot prove is a change of the server binaries.
img_postgresql_next() {
  local src tar key
  src=$(image_tar postgresql)
  key=$( { cat "$src.digest"; sed -n '/^img_postgresql_next()/,/^}/p;/^oci_relabel()/,/^}/p' "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)
  tar=$(cached_tar postgresql-next "$key")
  [ -f "$tar.digest" ] || oci_relabel "$src" "$POSTGRES_IMAGE-next" "$tar" org.opencontainers.image.revision next
  image_built "$POSTGRES_IMAGE-next" "$tar"
}

# img_postgresql_patroni_next: the same for the Patroni image (the dev suite's data tier
# runs it, so its upgrade step crosses from it to this one).
img_postgresql_patroni_next() {
  local src tar key
  src=$(image_tar postgresql-patroni)
  key=$( { cat "$src.digest"; sed -n '/^img_postgresql_patroni_next()/,/^}/p;/^oci_relabel()/,/^}/p' "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)
  tar=$(cached_tar postgresql-patroni-next "$key")
  [ -f "$tar.digest" ] || oci_relabel "$src" "$POSTGRES_PATRONI_IMAGE-next" "$tar" org.opencontainers.image.revision next
  image_built "$POSTGRES_PATRONI_IMAGE-next" "$tar"
}

# oci_relabel SRC_TAR REF OUT_TAR LABEL VALUE: SRC_TAR's image under REF with one more
# config label; same layers, new config, manifest and index (so a new digest).
oci_relabel() {
  local src=$1 ref=$2 out=$3 label=$4 value=$5 d man cfg cdig csize mdig msize
  d=$(mktemp -d "$IMG_CACHE/.relabel.XXXXXX")
  tar -xf "$src" -C "$d"
  man=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$d/index.json")
  cfg=$(jq -r '.config.digest | sub("sha256:"; "")' "$d/blobs/sha256/$man")
  jq -c --arg k "$label" --arg v "$value" --arg r "$ref" \
    '.config.Labels[$k] = $v | .config.Labels["org.opencontainers.image.ref.name"] = $r' "$d/blobs/sha256/$cfg" | tr -d '\n' >"$d/cfg"
  cdig=$(sha256sum "$d/cfg" | cut -d' ' -f1); csize=$(stat -c %s "$d/cfg")
  mv "$d/cfg" "$d/blobs/sha256/$cdig"
  jq -c --arg d "sha256:$cdig" --argjson s "$csize" '.config.digest = $d | .config.size = $s' "$d/blobs/sha256/$man" | tr -d '\n' >"$d/man"
  mdig=$(sha256sum "$d/man" | cut -d' ' -f1); msize=$(stat -c %s "$d/man")
  mv "$d/man" "$d/blobs/sha256/$mdig"
  rm -f "$d/blobs/sha256/$man" "$d/blobs/sha256/$cfg"
  jq -c --arg d "sha256:$mdig" --argjson s "$msize" --arg r "$ref" \
    '.manifests[0].digest = $d | .manifests[0].size = $s | .manifests[0].annotations["io.containerd.image.name"] = $r | .manifests[0].annotations["org.opencontainers.image.ref.name"] = ($r | sub(".*:"; ""))' \
    "$d/index.json" | tr -d '\n' >"$d/index.new" && mv "$d/index.new" "$d/index.json"
  tar --format=gnu --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$d" \
    -cf "$out.tmp" oci-layout index.json blobs
  mv "$out.tmp" "$out"
  echo "sha256:$mdig" >"$out.digest"
  rm -rf "$d"
}

main() {
  local all=(pause busybox coredns traefik local-path postgresql postgresql-patroni guestbook guestbook-next postgresql-next postgresql-patroni-next) names=("$@") n
  [ ${#names[@]} -gt 0 ] || names=("${all[@]}")
  mkdir -p "$IMG_CACHE"
  for n in "${names[@]}"; do
    case $n in
      pause) img_pause ;; busybox | netcheck) img_busybox ;; coredns) img_coredns ;;
      traefik) img_traefik ;; local-path) img_local_path ;; postgresql | postgres) img_postgresql ;;
      postgresql-patroni) img_postgresql_patroni ;;
      guestbook) img_guestbook ;;
      guestbook-next) img_guestbook "$(guestbook_next_version)" ;;
      postgresql-next) img_postgresql_next ;;
      postgresql-patroni-next) img_postgresql_patroni_next ;;
      *) die "unknown image '$n' (known: ${all[*]})" ;;
    esac
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  need_root
  step "building local images"
  main "$@"
  step "images ready"
fi
