#!/usr/bin/env bash
# Builds librdkafka 2.15.1 with FraudStream's development-broker patch and packs
# it as a local `librdkafka.redist` 2.15.1 NuGet package, because the NuGet copy
# our machines reach has Confluent.Kafka but not its native dependency.
#
# Source: the upstream librdkafka tree that ships inside the npm package
# @confluentinc/kafka-javascript@1.10.1 (deps/librdkafka). The patch touches the
# mock cluster (rdkafka_mock*.c/h) only; the client code is upstream's.
#
# Idempotent: everything is cached under $DEPS_DIR (default .deps/) keyed by the
# version, this script and the patch; a second run only checks and exits.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
deps_dir=${DEPS_DIR:-$root/.deps}
version=2.15.1
npm_package=@confluentinc/kafka-javascript@1.10.1
patch_file=$here/mock-broker.patch
feed=$deps_dir/nuget
key=$(cat "$0" "$patch_file" "$here/librdkafka.redist.nuspec" | sha256sum | cut -c1-16)
nupkg=$feed/librdkafka.redist.$version.nupkg
stamp=$deps_dir/librdkafka-$version-$key.stamp

log() { printf 'deps: %s\n' "$*" >&2; }

if [[ -f $stamp && -f $nupkg ]]; then
  log "librdkafka.redist $version (patch $key) is up to date in $feed"
  exit 0
fi

work=$deps_dir/build/librdkafka-$key
rm -rf "$work"
mkdir -p "$work" "$feed"

log "fetching $npm_package from the npm registry"
(cd "$work" && npm pack --silent "$npm_package" >/dev/null 2>npm-pack.log) \
  || { cat "$work/npm-pack.log" >&2; log "npm pack $npm_package failed"; exit 1; }
tar -xzf "$work"/confluentinc-kafka-javascript-*.tgz -C "$work" package/deps/librdkafka
src=$work/package/deps/librdkafka
grep -q 'define RD_KAFKA_VERSION  *0x020f01ff' "$src/src/rdkafka.h" \
  || { log "$npm_package does not carry librdkafka $version"; exit 1; }

log "applying $(basename "$patch_file") to the mock cluster"
(cd "$src" && patch -p1 --quiet < "$patch_file")

log "building librdkafka $version (about a minute on 2 cores)"
(cd "$src" && ./configure --disable-curl >"$work/configure.log" 2>&1) \
  || { tail -30 "$work/configure.log" >&2; log "librdkafka ./configure failed (see $work/configure.log)"; exit 1; }
(cd "$src" && make -j"$(nproc)" libs >"$work/make.log" 2>&1) \
  || { tail -30 "$work/make.log" >&2; log "librdkafka build failed (see $work/make.log)"; exit 1; }
nm -D "$src/src/librdkafka.so.1" | grep rd_kafka_mock_partition_retention_set >/dev/null \
  || { log "the built librdkafka lacks the mock-broker patch"; exit 1; }

log "packing librdkafka.redist $version into $feed"
pkg=$work/pkg
mkdir -p "$pkg/runtimes/linux-x64/native"
cp "$src/src/librdkafka.so.1" "$pkg/runtimes/linux-x64/native/librdkafka.so"
strip --strip-unneeded "$pkg/runtimes/linux-x64/native/librdkafka.so"
sed "s/@VERSION@/$version/; s/@PATCH@/$key/" "$here/librdkafka.redist.nuspec" > "$pkg/librdkafka.redist.nuspec"
cp "$src/LICENSES.txt" "$pkg/LICENSES.txt"
python3 - "$pkg" "$nupkg.tmp" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
content_types = ('<?xml version="1.0" encoding="utf-8"?>'
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
  '<Default Extension="nuspec" ContentType="application/octet"/>'
  '<Default Extension="so" ContentType="application/octet"/>'
  '<Default Extension="txt" ContentType="application/octet"/>'
  '</Types>')
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", content_types)
    for d, _, files in os.walk(src):
        for f in files:
            p = os.path.join(d, f)
            z.write(p, os.path.relpath(p, src))
PY
mv "$nupkg.tmp" "$nupkg"

# NuGet never re-extracts a version it already holds: evict the old copy so the
# next restore takes this build.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/librdkafka.redist/$version"
rm -f "$deps_dir"/librdkafka-"$version"-*.stamp
rm -rf "$work/package"
touch "$stamp"
log "librdkafka.redist $version (patch $key) ready in $feed"
