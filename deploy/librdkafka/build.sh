#!/usr/bin/env bash
# Builds the development broker's native library: librdkafka 2.15.1 with FraudStream's
# mock-cluster patch, linked as libfraudstream-devbroker.so (its own file and SONAME,
# symbols bound inside itself) so that it never stands in for the Kafka client. The
# product's clients load Confluent's official librdkafka.redist from NuGet; only the
# development broker (src/FraudStream.DevBroker: `fraudstream broker`, `fraudstream
# demo`, the test fixture) loads this one, and both can live in one process.
#
# Source: the upstream librdkafka tree that ships inside the npm package
# @confluentinc/kafka-javascript@1.10.1 (deps/librdkafka). The patch touches the
# mock cluster (rdkafka_mock*.c/h) only. The broker needs no TLS or SASL, so the
# build has neither (nor curl).
#
# Idempotent: everything lives under $DEPS_DIR (default .deps/ of this checkout),
# keyed by the version, this script and the patch; a second run only checks and
# exits. Nothing outside this checkout is written.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
deps_dir=${DEPS_DIR:-$root/.deps}
version=2.15.1
npm_package=@confluentinc/kafka-javascript@1.10.1
patch_file=$here/mock-broker.patch
name=libfraudstream-devbroker
out_dir=$deps_dir/devbroker
key=$(cat "$0" "$patch_file" | sha256sum | cut -c1-16)
library=$out_dir/$name.so
stamp=$out_dir/$name-$version-$key.stamp

log() { printf 'deps: %s\n' "$*" >&2; }

if [[ -f $stamp && -f $library ]]; then
  log "$name.so (librdkafka $version, patch $key) is up to date in $out_dir"
  exit 0
fi

work=$deps_dir/build/devbroker-$key
rm -rf "$work"
mkdir -p "$work" "$out_dir"

log "fetching $npm_package from the npm registry"
(cd "$work" && npm pack --silent "$npm_package" >/dev/null 2>npm-pack.log) \
  || { cat "$work/npm-pack.log" >&2; log "npm pack $npm_package failed"; exit 1; }
tar -xzf "$work"/confluentinc-kafka-javascript-*.tgz -C "$work" package/deps/librdkafka
src=$work/package/deps/librdkafka
grep -q 'define RD_KAFKA_VERSION  *0x020f01ff' "$src/src/rdkafka.h" \
  || { log "$npm_package does not carry librdkafka $version"; exit 1; }

log "applying $(basename "$patch_file") to the mock cluster"
(cd "$src" && patch -p1 --quiet < "$patch_file")

log "building $name.so from librdkafka $version (about a minute on 2 cores)"
# -Bsymbolic: the library's calls to its own exported functions stay inside it, even
# when another librdkafka (the client's) was loaded first into the same process.
(cd "$src" && ./configure --disable-curl --disable-ssl --disable-gssapi \
    --LDFLAGS=-Wl,-Bsymbolic >"$work/configure.log" 2>&1) \
  || { tail -30 "$work/configure.log" >&2; log "librdkafka ./configure failed (see $work/configure.log)"; exit 1; }
# LIBNAME names the file and its SONAME; only the C library (src/) is built.
(cd "$src/src" && make -j"$(nproc)" LIBNAME=$name "$name.so.1" >"$work/make.log" 2>&1) \
  || { tail -30 "$work/make.log" >&2; log "librdkafka build failed (see $work/make.log)"; exit 1; }
built=$src/src/$name.so.1
nm -D "$built" | grep rd_kafka_mock_partition_retention_set >/dev/null \
  || { log "the built library lacks the mock-broker patch"; exit 1; }
readelf -d "$built" | grep "SONAME.*\[$name.so.1\]" >/dev/null \
  || { log "the built library's SONAME is not $name.so.1"; exit 1; }
readelf -d "$built" | grep SYMBOLIC >/dev/null \
  || { log "the built library is not linked -Bsymbolic"; exit 1; }

strip --strip-unneeded -o "$library.tmp" "$built"
mv "$library.tmp" "$library"
cp "$src/LICENSES.txt" "$out_dir/LICENSES.librdkafka.txt"
rm -f "$out_dir"/$name-*.stamp
rm -rf "$work/package"
touch "$stamp"
log "$name.so (librdkafka $version, patch $key) ready in $out_dir"
