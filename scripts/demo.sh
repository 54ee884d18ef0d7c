#!/usr/bin/env bash
# make demo: run otelcol-canary on loopback, drive it with canarygen scenarios,
# show what the collector made of the traffic, stop everything cleanly.
# DEMO_KEEP=1 (make dashboard) keeps the last collector up until Ctrl-C.
# DEMO_SCENARIOS overrides the scenario list; DEMO_DURATION the simulated
# traffic per scenario.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=./bin
OUT=.demo
mkdir -p "$OUT"
export DEMO_OTLP_GRPC_PORT=${DEMO_OTLP_GRPC_PORT:-14317}
export DEMO_OTLP_HTTP_PORT=${DEMO_OTLP_HTTP_PORT:-14318}
export DEMO_HEALTH_PORT=${DEMO_HEALTH_PORT:-14133}
export DEMO_TELEMETRY_PORT=${DEMO_TELEMETRY_PORT:-18888}
export DEMO_VERDICT_PORT=${DEMO_VERDICT_PORT:-8787}
SCENARIOS=${DEMO_SCENARIOS:-aa error-regression latency-regression downstream-regression low-traffic}
DURATION=${DEMO_DURATION:-10m}

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
  port_free "$p" || { echo "demo: port $p on 127.0.0.1 is in use; set DEMO_*_PORT (see scripts/demo.sh)" >&2; exit 1; }
done

start_collector() { # $1: log file
  "$BIN/otelcol-canary" --config testdata/demo.yaml >"$1" 2>&1 &
  collector_pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$DEMO_HEALTH_PORT/" >/dev/null 2>&1; then return 0; fi
    kill -0 "$collector_pid" 2>/dev/null || { echo "demo: collector exited; its log:" >&2; cat "$1" >&2; exit 1; }
    sleep 0.2
  done
  echo "demo: collector not healthy after 20s; its log: $1" >&2; exit 1
}

# telemetry NAME: sum of a collector self-metric, by its label set, from the
# Prometheus endpoint of the collector's own telemetry.
telemetry() {
  curl -fsS "http://127.0.0.1:$DEMO_TELEMETRY_PORT/metrics" | grep -E "^$1(\{| )" || true
}

echo "== otelcol-canary $("$BIN/otelcol-canary" --version 2>/dev/null | awk '{print $NF}') on 127.0.0.1:$DEMO_OTLP_GRPC_PORT (OTLP gRPC)"
for s in $SCENARIOS; do
  echo
  echo "== scenario $s: $DURATION of simulated traffic"
  start_collector "$OUT/collector-$s.log"
  "$BIN/canarygen" --scenario "testdata/scenarios/$s.yaml" \
    --endpoint "127.0.0.1:$DEMO_OTLP_GRPC_PORT" --protocol grpc \
    --simulated-clock --duration "$DURATION" --seed 1 | sed 's/^/   canarygen: /'
  echo "   collector received and forwarded:"
  telemetry otelcol_receiver_accepted_spans_total | sed 's/^/     /'
  telemetry otelcol_exporter_sent_spans_total | sed 's/^/     /'
  if [ "${DEMO_KEEP:-0}" = 1 ] && [ "$s" = "${SCENARIOS##* }" ]; then
    echo; echo "Collector left running (Ctrl-C to stop)."; wait "$collector_pid"
  fi
  stop_collector
done
echo
echo "demo: done; collector logs in $OUT/"
