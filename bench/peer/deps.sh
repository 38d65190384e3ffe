#!/usr/bin/env bash
# Installs what `make bench-predict` and `make bench-scorer`'s Python peer need beyond the build (deploy/deps.sh): wrk,
# the FastAPI peer's Debian packages (bench/peer/predict_peer.py) and the exactly-once peer's (bench/peer/scorer_peer.py:
# python3-confluent-kafka, on Debian's own librdkafka1). Both run on Debian's /usr/bin/python3 with these, not on another
# Python on PATH.
# python3-uvloop is the event loop uvicorn picks by itself when it is installed (its "standard" set-up); Debian's
# python3-httptools (0.1.1) is older than this uvicorn (0.17.6) works with, so uvicorn parses HTTP with h11.
# Idempotent: installs only what is missing.
set -euo pipefail

debian_packages=(wrk python3-fastapi uvicorn python3-uvloop python3-xgboost python3-numpy python3-confluent-kafka)

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bench/peer: installing Debian packages: ${missing[*]}" >&2
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
