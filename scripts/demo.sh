#!/usr/bin/env bash
# Runs HaWitness on its embedded defaults: publishes the binaries if they are missing or older
# than the sources, then starts the appliance in the foreground (data in ./var/hawitness,
# status page on http://127.0.0.1:8080). Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x out/hawitness ]] || [[ -n $(find src Directory.Build.props Directory.Packages.props -newer out/hawitness -type f -print -quit) ]]; then
  scripts/publish.sh
fi
echo "demo: status page: http://127.0.0.1:8080/  API: http://127.0.0.1:8080/api/v1/status  (Ctrl+C stops)" >&2
exec out/hawitness serve "$@"
