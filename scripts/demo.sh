#!/usr/bin/env bash
# make demo: for each canary scenario, start otelcol-canary on loopback, replay
# the scenario through it with canarygen, show what the collector made of the
# traffic (sampled share per stage, the release's verdict and the operation
# behind it), and stop it cleanly. Ends by itself in a few minutes.
#
#   DEMO_KEEP=1        keep the last collector (and its dashboard) up until Ctrl-C (make dashboard)
#   DEMO_SCENARIOS     the scenarios to run (names under testdata/scenarios)
#   DEMO_DURATION      simulated traffic per scenario (default 12m: the 3x error regression of
#                      seed 1 is detected near the 10-minute mark, flipping with timing)
#   DEMO_*_PORT        the loopback ports (see below)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=./bin
OUT=.demo
export DEMO_OTLP_GRPC_PORT=${DEMO_OTLP_GRPC_PORT:-14317}
export DEMO_OTLP_HTTP_PORT=${DEMO_OTLP_HTTP_PORT:-14318}
export DEMO_HEALTH_PORT=${DEMO_HEALTH_PORT:-14133}
export DEMO_TELEMETRY_PORT=${DEMO_TELEMETRY_PORT:-18888}
export DEMO_VERDICT_PORT=${DEMO_VERDICT_PORT:-8787}
SCENARIOS=${DEMO_SCENARIOS:-aa error-regression latency-regression downstream-regression low-traffic}
DURATION=${DEMO_DURATION:-12m}
VERDICTS="http://127.0.0.1:$DEMO_VERDICT_PORT"

rm -rf "$OUT" && mkdir -p "$OUT"

collector_pid=""
stop_collector() {
  [ -n "$collector_pid" ] || return 0
  kill -TERM "$collector_pid" 2>/dev/null || true
  wait "$collector_pid" 2>/dev/null || true
  collector_pid=""
}
trap stop_collector EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $DEMO_OTLP_GRPC_PORT $DEMO_OTLP_HTTP_PORT $DEMO_HEALTH_PORT $DEMO_TELEMETRY_PORT $DEMO_VERDICT_PORT; do
  port_free "$p" || { echo "demo: port $p on 127.0.0.1 is in use; set the DEMO_*_PORT variables (scripts/demo.sh)" >&2; exit 1; }
done

start_collector() { # $1: scenario name
  export DEMO_STORAGE_DIR="$OUT/storage-$1"
  mkdir -p "$DEMO_STORAGE_DIR"
  "$BIN/otelcol-canary" --config testdata/demo.yaml >"$OUT/collector-$1.log" 2>&1 &
  collector_pid=$!
  for _ in $(seq 1 150); do
    if curl -fsS "http://127.0.0.1:$DEMO_HEALTH_PORT/" >/dev/null 2>&1; then return 0; fi
    kill -0 "$collector_pid" 2>/dev/null || { echo "demo: the collector exited; its log:" >&2; cat "$OUT/collector-$1.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "demo: the collector was not healthy after 30s; its log: $OUT/collector-$1.log" >&2; exit 1
}

# sampled_share: from the collector's own telemetry, the share of spans
# canary_sampling kept per stage, and why.
sampled_share() {
  curl -fsS "http://127.0.0.1:$DEMO_TELEMETRY_PORT/metrics" |
    awk '/^otelcol_processor_canary_sampling_spans[{]/ {
        match($0, /decision="[a-z]+"/); d = substr($0, RSTART+10, RLENGTH-11)
        match($0, /reason="[a-z]+"/);   r = substr($0, RSTART+8, RLENGTH-9)
        match($0, /stage="[a-z]*"/);    s = substr($0, RSTART+7, RLENGTH-8)
        if (s == "") s = "none"
        total[s] += $NF; if (d == "kept") { kept[s] += $NF; why[s] = why[s] sprintf(" %s %d", r, $NF) }
      }
      END { for (s in total) printf "     %-7s kept %5.1f%% of %d spans (by reason:%s)\n", s, 100*kept[s]/total[s], total[s], why[s] }' | sort
}

# await_verdict: poll the exporter until the release has a verdict or the
# judge has seen the end of the traffic; print the verdict.
await_verdict() { # $1: release service
  local out code
  for _ in $(seq 1 90); do
    code=0; out=$("$BIN/canarytrace" query --endpoint "$VERDICTS" --service "$1" 2>&1) || code=$?
    if [ "$code" -le 1 ]; then break; fi
    sleep 0.5
  done
  echo "$out" | sed 's/^/     /'
}

echo "otelcol-canary: $("$BIN/otelcol-canary" --version 2>/dev/null)"
echo "Each scenario: $DURATION of checkout canary-release traffic (simulated clock), replayed over OTLP to a fresh collector."
for s in $SCENARIOS; do
  echo
  echo "== $s"
  sed -n '/^description:/,/^[a-z_]*:/{/^description:/d;/^[a-z_]*:/d;s/^ */   /;p}' "testdata/scenarios/$s.yaml"
  start_collector "$s"
  echo "   dashboard, live while this scenario runs: $VERDICTS/"
  "$BIN/canarygen" --scenario "testdata/scenarios/$s.yaml" \
    --endpoint "127.0.0.1:$DEMO_OTLP_GRPC_PORT" --protocol grpc \
    --simulated-clock --duration "$DURATION" --seed 1 >"$OUT/canarygen-$s.txt"
  grep -E '^requests:|^spans sent' "$OUT/canarygen-$s.txt" | sed 's/^/   canarygen: /'
  echo "   canary_verdict (the release checkout, judged by canary_analysis on all spans):"
  await_verdict checkout
  echo "   canary_sampling (what a trace backend would keep):"
  sampled_share
  if [ "${DEMO_KEEP:-0}" = 1 ] && [ "$s" = "${SCENARIOS##* }" ]; then
    echo
    echo "Dashboard: $VERDICTS/  (API: $VERDICTS/api/v1/verdicts) — Ctrl-C to stop."
    wait "$collector_pid"
  fi
  stop_collector
done
echo
echo "demo: done. Collector logs and canarygen summaries are in $OUT/."
