#!/usr/bin/env bash
# The demo: the seeds/ feed through a real local Kafka broker and the streaming job, into out/.
#   start the broker (deploy/local/kafka.sh) → produce seeds/ to a fresh topic, plus a few malformed
#   raw values → create the output topics → wirepipe run until the topic is drained and idle → Avro
#   files in out/ and the output topics → summary → the HTML report out/report.html.
# A broker that was already running is left running; one this script started is stopped at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN="${BIN:-.venv/bin}"
OUT="${OUT:-out}"

was_running=0
bash deploy/local/kafka.sh status >/dev/null 2>&1 && was_running=1
BOOTSTRAP="$(bash deploy/local/kafka.sh start | tail -n 1)"
[ "$was_running" = 1 ] || trap 'bash deploy/local/kafka.sh stop >/dev/null 2>&1 || true' EXIT
export KAFKA_BOOTSTRAP_SERVERS="$BOOTSTRAP"

TOPIC="wirepipe.demo.$(date +%s)"  # a fresh topic each run, so a rerun shows the same result
echo "== producing seeds/ to $TOPIC on $BOOTSTRAP"
"$BIN/wirepipe" produce seeds/ --topic "$TOPIC" --partitions 3
echo "== a few malformed values published as raw bytes (they become dead letters)"
"$BIN/python" deploy/local/demo_kafka.py send-raw "$BOOTSTRAP" "$TOPIC"
"$BIN/python" deploy/local/demo_kafka.py create-topics "$BOOTSTRAP" \
  "$TOPIC.articles" "$TOPIC.duplicates" "$TOPIC.dead-letters"
rm -rf "$OUT"
echo "== wirepipe run: until the topic has been idle for 5 s"
"$BIN/wirepipe" run --topic "$TOPIC" --group "$TOPIC.group" --start earliest --until-idle 5 --out "$OUT" \
  --output-topic "$TOPIC.articles" --duplicates-topic "$TOPIC.duplicates" --dead-letter-topic "$TOPIC.dead-letters"
echo "== a look at the articles (wirepipe inspect $OUT --limit 8)"
"$BIN/wirepipe" inspect "$OUT" --limit 8
echo "== the HTML report (wirepipe report $OUT --html $OUT/report.html)"
"$BIN/wirepipe" report "$OUT" --html "$OUT/report.html"
