#!/usr/bin/env bash
# Installs everything FraudStream's build, tests and demo need on a fresh Debian 12
# machine with the .NET SDK: Debian packages, then the development broker's native
# library (deploy/librdkafka/build.sh, into this checkout's .deps/), then the NuGet
# restore (Confluent.Kafka brings Confluent's official librdkafka.redist).
# Idempotent and quick on a second run; called by `make demo` and `make test`.
# Writes nothing outside this checkout but Debian's packages and NuGet's own cache.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

# Build tools and headers for the development broker's librdkafka (Node's npm fetches its
# source); libsasl2-2, which the official librdkafka.so links against; native XGBoost,
# and Debian's Python XGBoost as a reference implementation the tests compare with;
# prometheus for promtool, which lints the metrics scrape and the alert rules; python3-yaml for the
# static checks of compose.yaml and the Kubernetes manifests.
debian_packages=(
  build-essential pkg-config python3 nodejs npm
  zlib1g-dev libzstd-dev liblz4-dev libsasl2-2
  libxgboost-dev python3-xgboost python3-numpy
  prometheus python3-yaml
)

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come from a Node.js installation outside Debian's packages.
if command -v node >/dev/null && command -v npm >/dev/null; then
  keep=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || keep+=("$p"); done
  missing=("${keep[@]}")
fi
if ((${#missing[@]})); then
  echo "deps: installing Debian packages: ${missing[*]}" >&2
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v dotnet >/dev/null || { echo "deps: the .NET 10 SDK is required (dotnet is not on PATH)" >&2; exit 1; }

bash "$root/deploy/librdkafka/build.sh"

# s3rver: an S3-compatible server for the model registry's tests and the local stack.
s3rver_version=3.7.1
node_dir=$root/.deps/node
if ! grep -qs "\"version\": \"$s3rver_version\"" "$node_dir/node_modules/s3rver/package.json"; then
  echo "deps: installing s3rver $s3rver_version from npm" >&2
  mkdir -p "$node_dir"
  npm install --silent --no-audit --no-fund --prefix "$node_dir" "s3rver@$s3rver_version" >/dev/null
fi

echo "deps: restoring NuGet packages" >&2
dotnet restore "$root/FraudStream.sln" --verbosity quiet

# Checkouts from before the clients moved to Confluent's official librdkafka packed their own build as
# librdkafka.redist 2.15.1 into NuGet's cache; NuGet never replaces a version it holds. Say so (the cache
# belongs to the user: nothing here deletes from it).
stale=${NUGET_PACKAGES:-$HOME/.nuget/packages}/librdkafka.redist/2.15.1
if grep -qs fraudstream-local-build "$stale"/*.nuspec; then
  echo "deps: WARNING: NuGet's cache holds FraudStream's former local build of librdkafka.redist 2.15.1 ($stale)," \
    "which the clients load instead of Confluent's official package: delete that directory and run make again." >&2
fi
