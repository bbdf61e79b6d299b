#!/usr/bin/env bash
# Operator figures (README "Figures"):
#   render      the status page of 64 hosts and 2,000 VMs, server side: bench/HaWitness.Operator.Bench
#               renders it (StatusPage.Render) from a synthetic snapshot of a cluster mid-failover, and
#               serialises the same status report as GET /api/v1/status does; median, p95, p99, size.
#               JIT (tiered, after a warm-up).
#   render-aot  the same, published as Native AOT as the appliance is (about a minute more to build).
#   http        GET /api/v1/status and GET / under wrk on loopback: the published appliance with $HOSTS
#               simulated agents holding $VMS VMs between them (default 4 hosts, 2,000 VMs: real agents
#               for 64 hosts would load this 2-core machine more than the appliance under test),
#               waits until every host is online and every VM runs, then `wrk --latency` each URL
#               with $CONNECTIONS connections, then with one (the latency of a lone request).
#   scripts/bench-operator.sh [render|render-aot|http]...   (default: render http)
# Environment: BENCH_BIN  directory of hawitness and hawitness-agent (or the path of hawitness);
#                         default out/, published first when missing or older than the sources
#                         (build output under src/*/bin and obj does not count: `render` writes some)
#              HOSTS (4) VMS (2000) DURATION (10s) THREADS (2) CONNECTIONS (32)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/free-port.sh
what=("${@:-render http}")
hosts=${HOSTS:-4}; vms=${VMS:-2000}; duration=${DURATION:-10s}; threads=${THREADS:-2}; connections=${CONNECTIONS:-32}
pids=(); dirs=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${dirs[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"

render() {
  dotnet build bench/HaWitness.Operator.Bench -c Release --nologo -v q >/dev/null
  dotnet run -c Release --no-build --project bench/HaWitness.Operator.Bench -- 64 2000 5
}

render_aot() {
  local dir
  dir=$(mktemp -d /tmp/hawitness-bench-operator-aot.XXXXXX); dirs+=("$dir")
  dotnet publish bench/HaWitness.Operator.Bench -c Release -r linux-x64 -p:PublishAot=true -o "$dir" --nologo -v q >/dev/null
  echo "Native AOT:"
  "$dir/HaWitness.Operator.Bench" 64 2000 5
}

http() {
  command -v wrk >/dev/null || scripts/deps.sh test
  local bin=${BENCH_BIN:-out}
  [[ -f $bin ]] && bin=$(dirname "$bin")
  if [[ -z ${BENCH_BIN:-} ]] && { [[ ! -x out/hawitness || ! -x out/hawitness-agent ]] \
      || [[ -n $(find src Directory.Build.props Directory.Packages.props -newer out/hawitness -type f \
                 -not -path '*/bin/*' -not -path '*/obj/*' -print -quit) ]]; }; then
    scripts/publish.sh >/dev/null
  fi
  [[ -x $bin/hawitness && -x $bin/hawitness-agent ]] || { echo "bench-operator: no hawitness and hawitness-agent in $bin" >&2; return 1; }

  local work port url token i n
  work=$(mktemp -d /tmp/hawitness-bench-operator.XXXXXX); dirs+=("$work")
  port=$(free_port); url="http://127.0.0.1:$port"
  "$bin/hawitness" serve --data "$work/w" --urls "$url" --raft "127.0.0.1:$(free_port)" >"$work/w.log" 2>&1 &
  pids+=($!); wpid=$!
  for _ in $(seq 1 200); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.05; done
  token=$("$bin/hawitness" join-token --data "$work/w")
  for i in $(seq 1 "$hosts"); do
    n=$(( vms / hosts + (i <= vms % hosts ? 1 : 0) ))
    "$bin/hawitness-agent" --witness "$url" --join-token "$token" --name "host$i" --hypervisor sim --sim-vms "$n" \
      --data "$work/h$i" --raft "127.0.0.1:$(free_port)" --probe "127.0.0.1:$(free_port)" >"$work/h$i.log" 2>&1 &
    pids+=($!)
  done
  local t0 s online running
  t0=$(date +%s)
  while :; do
    s=$(curl -s "$url/api/v1/status" || true)
    online=$(grep -o '"state":"online"' <<<"$s" | wc -l || true)
    running=$(grep -o '"state":"running"' <<<"$s" | wc -l || true)
    (( online == hosts && running == vms )) && break
    if (( $(date +%s) - t0 > 300 )); then
      echo "bench-operator: after 300 s $online of $hosts hosts online, $running of $vms VMs running; appliance log:" >&2
      tail -20 "$work/w.log" >&2; return 1
    fi
    sleep 1
  done
  echo "cluster: $hosts sim hosts online, $vms VMs running after $(( $(date +%s) - t0 )) s; /api/v1/status $(curl -s "$url/api/v1/status" | wc -c) bytes, / $(curl -s "$url/" | wc -c) bytes"
  local before ticks
  ticks=$(getconf CLK_TCK); before=$(cpu_ticks)
  sleep 5
  echo "appliance CPU with no requests (the agents' heartbeats and reports): $(( ($(cpu_ticks) - before) * 100 / ticks / 5 ))% of one core"
  wrk -t1 -c4 -d2s "$url/api/v1/status" >/dev/null   # warm-up: connections, thread pool, caches
  load "$url/api/v1/status" "$threads" "$connections" "$duration"
  load "$url/" "$threads" "$connections" "$duration"
  load "$url/api/v1/status" 1 1 5s
  load "$url/" 1 1 5s
}

# One wrk run (URL THREADS CONNECTIONS DURATION): requests/s, latency percentiles, the appliance's
# CPU while it ran, load average after.
load() {
  local before after ticks out
  ticks=$(getconf CLK_TCK)
  before=$(cpu_ticks)
  out=$(wrk --latency -t"$2" -c"$3" -d"$4" "$1")
  after=$(cpu_ticks)
  awk -v url="$1" -v cpu="$(( (after - before) * 100 / ticks ))" -v d="${4%s}" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
      -v spec="wrk -t$2 -c$3 -d$4" '
    /^ +50%/ { p50 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 }
    /^Requests\/sec/ { rps = $2 } /requests in/ { n = $1 }
    /Non-2xx/ { bad = $NF } /Socket errors/ { err = $0 }
    END {
      printf "%s (%s): %s req/s (%s requests), latency p50 %s, p90 %s, p99 %s; appliance CPU %d%% of one core; load average %s\n",
        url, spec, rps, n, p50, p90, p99, cpu / d, load
      if (bad) printf "  NON-2xx answers: %s\n", bad
      if (err) printf "  %s\n", err
    }' <<<"$out"
}

# The appliance's CPU time so far (user + system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$wpid/stat"; }

for w in ${what[*]}; do
  case "$w" in
    render) render ;;
    render-aot) render_aot ;;
    http) http ;;
    *) echo "bench-operator.sh: unknown figure '$w' (render | render-aot | http)" >&2; exit 2 ;;
  esac
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
