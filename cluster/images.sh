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
#                                #   postgresql guestbook, and the upgrade step's second
#                                #   builds guestbook-next postgresql-next
# (--build-only, the only mode since the single-node cluster was retired, is accepted.)
set -euo pipefail
SCRIPT_NAME=${SCRIPT_NAME:-images}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMG_CACHE=$REFARCH_CACHE/images
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [ "${1:-}" = --build-only ]; then shift; fi

# oci_pack REF ROOTFS OUT_TAR USER ENTRYPOINT_JSON ENV_JSON [EXPOSED_PORTS_JSON]
# Writes an OCI image layout tarball for REF; prints the manifest digest.
oci_pack() {
  local ref=$1 rootfs=$2 out=$3 user=$4 entry=$5 env=$6 ports=${7:-'{}'} stop=${8:-}
  local d ldig lsize cfg cdig csize man mdig msize
  d=$(mktemp -d "$IMG_CACHE/.oci.XXXXXX")
  mkdir -p "$d/blobs/sha256"
  tar --format=gnu --sort=name --mtime=@0 --numeric-owner --exclude=./proc/* --exclude=./sys/* \
    --exclude=./dev/* -C "$rootfs" -cf "$d/layer.tar" .
  ldig=$(sha256sum "$d/layer.tar" | cut -d' ' -f1); lsize=$(stat -c %s "$d/layer.tar")
  mv "$d/layer.tar" "$d/blobs/sha256/$ldig"
  cfg=$(printf '{"architecture":"amd64","os":"linux","config":{"User":"%s","Env":%s,"Entrypoint":%s,"WorkingDir":"/","ExposedPorts":%s%s,"Labels":{"org.opencontainers.image.ref.name":"%s","org.opencontainers.image.vendor":"refarch (built locally by cluster/images.sh)"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"cluster/images.sh"}]}' \
    "$user" "$env" "$entry" "$ports" "${stop:+,\"StopSignal\":\"$stop\"}" "$ref" "$ldig")
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
image_built() { info "built $1 ($(cat "$2.digest"))"; }
# The builders' older name, from when this script also imported into the single-node
# cluster's containerd; extra references are ignored (kind/up.sh makes what it needs).
import_image() { image_built "$1" "$2"; }

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

img_postgresql() {
  local key tar root mirror
  key=$( { file_sums "$CLUSTER_DIR/images/postgres-entrypoint.sh"; sed -n '/^img_postgresql()/,/^}/p' "$0"; } |
    sha256sum | cut -c1-16)
  tar=$(cached_tar postgresql "$key")
  if [ ! -f "$tar.digest" ]; then
    mirror=$(debian_mirror)
    root=$(mktemp -d "$IMG_CACHE/.pgroot.XXXXXX")
    info "building $POSTGRES_IMAGE: debootstrap bookworm (minbase) from $mirror + postgresql-15 (a few minutes, once)"
    # shellcheck disable=SC2064
    trap "umount -l '$root/proc' 2>/dev/null || true; umount -l '$root/sys' 2>/dev/null || true" EXIT
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$IMG_CACHE/debootstrap.log" 2>&1 ||
      { tail -30 "$IMG_CACHE/debootstrap.log"; die "debootstrap failed"; }
    # no service starts and no default cluster inside the image build
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 0755 "$root/usr/sbin/policy-rc.d"
    mkdir -p "$root/etc/postgresql-common"
    echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.conf"
    chroot "$root" groupadd -r -g 999 postgres
    chroot "$root" useradd -r -u 999 -g 999 -d /var/lib/postgresql -s /bin/bash -c "PostgreSQL administrator" postgres
    cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
    rm -f "$root/etc/resolv.conf" # never write through a symlink into the host
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    mount -t proc proc "$root/proc"
    { chroot "$root" apt-get update -o Acquire::Retries=3 &&
      DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y --no-install-recommends \
        postgresql-15 postgresql-client-15; } >>"$IMG_CACHE/debootstrap.log" 2>&1 ||
      { umount -l "$root/proc"; tail -30 "$IMG_CACHE/debootstrap.log"; die "installing postgresql-15 failed"; }
    umount -l "$root/proc"
    trap - EXIT
    chroot "$root" apt-get clean
    rm -rf "$root/var/lib/apt/lists/"* "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info" \
      "$root/var/log/"*.log "$root/var/cache/debconf/"*-old "$root/usr/sbin/policy-rc.d" \
      "$root/etc/resolv.conf" "$root/etc/postgresql/15" "$root/var/lib/postgresql/15"
    : >"$root/etc/resolv.conf"
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'C.*' -exec rm -rf {} + 2>/dev/null || true
    # (/var/run is an absolute symlink to /run: always go through $root/run)
    mkdir -p "$root/var/lib/postgresql/data" "$root/run/postgresql" "$root/docker-entrypoint-initdb.d"
    chown 999:999 "$root/var/lib/postgresql" "$root/var/lib/postgresql/data" "$root/run/postgresql"
    chmod 0700 "$root/var/lib/postgresql/data"; chmod 2775 "$root/run/postgresql"
    install -D -m 0755 "$CLUSTER_DIR/images/postgres-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
    oci_pack "$POSTGRES_IMAGE" "$root" "$tar" "999:999" '["/usr/local/bin/docker-entrypoint.sh"]' \
      '["PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","PGDATA=/var/lib/postgresql/data","LANG=C.UTF-8"]' \
      '{"5432/tcp":{}}' SIGINT
    # SIGINT like the official image's STOPSIGNAL: PostgreSQL's "fast" shutdown. On
    # SIGTERM ("smart") it waits for every client to disconnect, and the app's pool never does.
    # The config's Cmd would be ["postgres"]; the entrypoint defaults to it.
    rm -rf "$root"
  fi
  # A second tag, the exact package version ('+' is not allowed in a tag), so the e2e
  # suite can upgrade the StatefulSet to another image reference of a locally present image.
  import_image "$POSTGRES_IMAGE" "$tar" "$(postgres_next_image "$tar")"
}

# postgres_next_image TAR: the PostgreSQL image's second reference, e.g. refarch.local/postgresql:15.14-0_deb12u1
postgres_next_image() {
  local v
  v=$(postgres_version "$1")
  echo "${POSTGRES_IMAGE%:*}:${v//[^A-Za-z0-9_.-]/_}"
}

# postgres_version TAR: the exact Debian version of postgresql-15 inside the image
# (e.g. 15.14-0+deb12u1), read from the layer's dpkg status once and cached next to TAR.
postgres_version() {
  local tar=$1 man layer v
  if [ ! -s "$tar.pgversion" ]; then
    man=$(cut -d: -f2 <"$tar.digest")
    layer=$(tar -xOf "$tar" "blobs/sha256/$man" | sed -n 's/.*"layers":\[{[^}]*"digest":"sha256:\([0-9a-f]*\)".*/\1/p')
    v=$(tar -xOf "$tar" "blobs/sha256/$layer" | tar -xOf - ./var/lib/dpkg/status |
      awk '/^Package: /{p = ($2 == "postgresql-15")} p && !done && /^Version: /{print $2; done = 1}')
    [ -n "$v" ] || die "no postgresql-15 version in $tar"
    echo "$v" >"$tar.pgversion"
  fi
  cat "$tar.pgversion"
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
  local all=(pause busybox coredns traefik local-path postgresql guestbook guestbook-next postgresql-next) names=("$@") n
  [ ${#names[@]} -gt 0 ] || names=("${all[@]}")
  mkdir -p "$IMG_CACHE"
  for n in "${names[@]}"; do
    case $n in
      pause) img_pause ;; busybox | netcheck) img_busybox ;; coredns) img_coredns ;;
      traefik) img_traefik ;; local-path) img_local_path ;; postgresql | postgres) img_postgresql ;;
      guestbook) img_guestbook ;;
      guestbook-next) img_guestbook "$(guestbook_next_version)" ;;
      postgresql-next) img_postgresql_next ;;
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
