#!/usr/bin/env bash
# Wall time of a replay in process and with the SDK workers out of process, as in deploy/flink/README.md:
#   bash deploy/flink/measure.sh FEED...    (e.g. ../shared/data/saudinewsnet/saudinewsnet_2015-08-10_11.jsonl)
# Needs `make venv`, Prism (`make .local/bin/prism`) and the wheel-only virtualenv that
# tests/integration/test_out_of_process.py builds in .local/worker-venv/ (run that test once).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
WORKER_VENV=${WORKER_VENV:-$(ls -d "$REPO"/.local/worker-venv/*/ 2>/dev/null | head -1)}
[[ -x "$WORKER_VENV/bin/python" ]] || { echo "no worker virtualenv: run tests/integration/test_out_of_process.py first" >&2; exit 1; }
PRISM=${PRISM_LOCATION:-$REPO/.local/bin/prism}
FEEDS=(); for feed in "$@"; do FEEDS+=("$(realpath "$feed")"); done
WORK=$(mktemp -d)
PORT=$("$REPO/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$WORK" && PATH="$WORKER_VENV/bin:$PATH" exec "$WORKER_VENV/bin/python" -m apache_beam.runners.worker.worker_pool_main \
   --service_port="$PORT" >"$WORK/pool.log" 2>&1) &
POOL=$!
trap 'kill $POOL 2>/dev/null; wait $POOL 2>/dev/null; rm -rf "$WORK"' EXIT
until grep -q "Started worker pool servicer" "$WORK/pool.log"; do sleep 0.2; done

measure() { # measure NAME PYTHON ARGS... -> prints the wall time and the article count
  local name=$1 python=$2; shift 2
  local started=$SECONDS out="$WORK/out-$RANDOM"
  (cd "$WORK" && PATH="$(dirname "$python"):$PATH" "$python" -m pipeline.cli replay "${FEEDS[@]}" --out "$out" --no-progress "$@" \
     >"$out.log" 2>&1) || { tail -20 "$out.log"; exit 1; }
  printf '%-52s %5d s  (%s articles written)\n' "$name" $((SECONDS - started)) \
    "$("$REPO/.venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["written"])' "$out/metrics.json")"
}
measure "in process (FnApiRunner)" "$REPO/.venv/bin/python"
measure "Prism, worker pool (EXTERNAL), 1 SDK worker" "$REPO/.venv/bin/python" \
  --runner=PrismRunner --prism_location="$PRISM" --environment_type=EXTERNAL --environment_config="localhost:$PORT"
measure "FnApiRunner, 2 SDK worker processes (wheel venv)" "$WORKER_VENV/bin/python" \
  --direct_num_workers=2 --direct_running_mode=multi_processing
