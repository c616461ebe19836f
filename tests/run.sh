#!/usr/bin/env bash
# The whole suite, as `make test` runs it: the ten-minute soak of the endless stream (tests marked `soak`)
# runs beside the rest, against a broker of its own (it stops and restarts that broker mid-run, which
# would break the other tests' broker), so that the suite stays well under 20 minutes on 2 cores.
#
#   tests/run.sh [pytest args...]     e.g. tests/run.sh -x; WIREPIPE_SOAK_SECONDS=0 skips the soak
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
SOAK_STATE_DIR="$PWD/.local/kafka-soak"
SOAK_LOG="$PWD/.local/soak-test.log"
mkdir -p .local

soak_pid=""
if [[ "${WIREPIPE_SOAK_SECONDS:-600}" != "0" && -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
  # The soak's own broker, started here so that two first starts never fetch the jars at once.
  if KAFKA_STATE_DIR="$SOAK_STATE_DIR" bash deploy/local/kafka.sh start >"$SOAK_LOG" 2>&1; then
    KAFKA_STATE_DIR="$SOAK_STATE_DIR" WIREPIPE_SOAK_SECONDS="${WIREPIPE_SOAK_SECONDS:-600}" \
      "$PYTHON" -m pytest -m soak -p no:cacheprovider "$@" tests/integration/test_soak.py >>"$SOAK_LOG" 2>&1 &
    soak_pid=$!
  else
    echo "tests/run.sh: the soak's broker did not start; see $SOAK_LOG" >&2
    cat "$SOAK_LOG" >&2
    exit 1
  fi
fi

"$PYTHON" -m pytest -m "not soak" "$@"
main_status=$?

soak_status=0
if [[ -n "$soak_pid" ]]; then
  wait "$soak_pid"
  soak_status=$?
  KAFKA_STATE_DIR="$SOAK_STATE_DIR" bash deploy/local/kafka.sh stop >/dev/null 2>&1 || true
  echo
  echo "===== the soak (tests/integration/test_soak.py, beside the rest; log: $SOAK_LOG) ====="
  tail -n 40 "$SOAK_LOG"
fi
if [[ $main_status -ne 0 ]]; then exit $main_status; fi
exit $soak_status
