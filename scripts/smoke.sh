#!/usr/bin/env bash
# Smoke-runs the published appliance: start with a temporary --data, /healthz must answer 200,
# SIGTERM must end it with exit code 0. Prints startup and stop times, RSS and sizes.
#   scripts/smoke.sh [BIN_DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-out}
runs=${2:-1}
[[ -x "$bin/hawitness" ]] || { echo "smoke: $bin/hawitness is missing; run scripts/publish.sh" >&2; exit 1; }

starts=(); stops=(); rss=()
for ((i = 1; i <= runs; i++)); do
  data=$(mktemp -d)
  log="$data/serve.log"
  t0=$(date +%s%N)
  "$bin/hawitness" serve --data "$data/d" --urls http://127.0.0.1:0 --raft "127.0.0.1:$((20000 + RANDOM % 40000))" >"$log" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 1000); do
    url=$(grep -oE 'Now listening on: http://[0-9.:]+' "$log" | head -1 | awk '{print $4}') || true
    if [[ -n "$url" ]] && [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/healthz") == 200 ]]; then break; fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "smoke: appliance died" >&2; exit 1; }
    sleep 0.005
  done
  t1=$(date +%s%N)
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/healthz") == 200 ]] || { cat "$log" >&2; echo "smoke: /healthz did not answer 200" >&2; kill "$pid"; exit 1; }
  curl -sf "$url/api/v1/status" >/dev/null || { echo "smoke: /api/v1/status failed" >&2; kill "$pid"; exit 1; }
  sleep 0.5
  rss+=("$(awk '/VmRSS/ {print $2}' /proc/$pid/status)")
  t2=$(date +%s%N)
  kill -TERM "$pid"
  set +e; wait "$pid"; code=$?; set -e
  t3=$(date +%s%N)
  [[ $code -eq 0 ]] || { cat "$log" >&2; echo "smoke: SIGTERM exit code $code, expected 0" >&2; exit 1; }
  starts+=($(( (t1 - t0) / 1000000 ))); stops+=($(( (t3 - t2) / 1000000 )))
  rm -rf "$data"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "smoke: ok over $runs run(s): start to first /healthz 200 median $(median "${starts[@]}") ms [${starts[*]}]; SIGTERM to exit 0 median $(median "${stops[@]}") ms; idle RSS median $(( $(median "${rss[@]}") / 1024 )) MiB"
echo "smoke: sizes: hawitness $(stat -c %s "$bin/hawitness") B, hawitness-agent $(stat -c %s "$bin/hawitness-agent" 2>/dev/null || echo 0) B, libe_sqlite3.so $(stat -c %s "$bin/libe_sqlite3.so") B"
