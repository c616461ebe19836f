#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker+controller) assembled from Maven Central jars.
#
#   deploy/local/kafka.sh start       fetch jars (first time), format storage, start in the background,
#                                     wait until it serves metadata, print the bootstrap address
#   deploy/local/kafka.sh stop        stop it (SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT seconds)
#   deploy/local/kafka.sh status      print "running <bootstrap>" (exit 0) or "stopped" (exit 3)
#   deploy/local/kafka.sh bootstrap   print the bootstrap address of the running broker (exit 3 if stopped)
#   deploy/local/kafka.sh reset       stop it and delete its data and logs
#
# Environment:
#   KAFKA_PORT            client port (default: the port of the previous run if free, else a free port)
#   KAFKA_CONTROLLER_PORT controller port (same rule)
#   KAFKA_STATE_DIR       data, logs, pid and generated config (default: <repo>/.local/kafka, git-ignored)
#   KAFKA_HEAP_OPTS       JVM heap (default: -Xms128m -Xmx512m)
#   KAFKA_START_TIMEOUT   seconds to wait for the broker to answer (default 90)
#   KAFKA_STOP_TIMEOUT    seconds to wait for a clean stop (default 30)
#   KAFKA_CLUSTER_ID      cluster id used when storage is first formatted (default: a fresh random one)
# Everything is idempotent: "start" on a running broker only prints its address; "stop" on a stopped one is a no-op.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
STATE_DIR="${KAFKA_STATE_DIR:-$REPO_ROOT/.local/kafka}"
DATA_DIR="$STATE_DIR/data"
LOG_DIR="$STATE_DIR/logs"
PID_FILE="$STATE_DIR/kafka.pid"
PORTS_FILE="$STATE_DIR/ports"
CONFIG_FILE="$STATE_DIR/server.properties"
LIB_DIR="$HERE/kafka/target/lib"
POM="$HERE/kafka/pom.xml"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
PYTHON="${PYTHON:-python3}"

log() { echo "kafka.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- helpers -------------------------------------------------------------------------------------------

running_pid() {
  # Print the broker's pid when the pid file names a live kafka.Kafka process of ours.
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse after a reboot: the command line must be our broker with our config.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONFIG_FILE" || return 1
  echo "$pid"
}

saved_port() { # saved_port NAME -> value from the ports file of the previous run
  [[ -f "$PORTS_FILE" ]] && sed -n "s/^$1=//p" "$PORTS_FILE" || true
}

port_is_free() {
  "$PYTHON" - "$1" <<'PY'
import socket, sys
s = socket.socket()
# As the broker's own listener does: connections of a stopped broker in TIME_WAIT do not hold the port.
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

free_port() {
  "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

choose_port() { # choose_port EXPLICIT SAVED -> port
  local explicit="$1" saved="$2"
  if [[ -n "$explicit" ]]; then
    port_is_free "$explicit" || die "port $explicit is in use"
    echo "$explicit"
  elif [[ -n "$saved" ]] && port_is_free "$saved"; then
    echo "$saved"
  else
    free_port
  fi
}

ensure_jars() {
  # Fetch the broker jars with Maven when missing or older than the pom (a version bump).
  if [[ ! -f "$LIB_DIR/.complete" || "$POM" -nt "$LIB_DIR/.complete" ]]; then
    command -v mvn >/dev/null || die "mvn not found: install Maven (Debian package maven) to fetch the broker jars"
    log "fetching Kafka jars from Maven Central into $LIB_DIR"
    rm -rf "$LIB_DIR"
    mvn -q -B -f "$POM" dependency:copy-dependencies >&2 || die "mvn dependency:copy-dependencies failed"
    touch "$LIB_DIR/.complete"
  fi
}

java_cmd() {
  local java="java"
  [[ -n "${JAVA_HOME:-}" ]] && java="$JAVA_HOME/bin/java"
  command -v "$java" >/dev/null || die "java not found (Kafka 4 needs Java 17 or newer)"
  echo "$java"
}

probe() { # probe PORT -> exit 0 when the broker answers a Metadata request listing itself
  "$PYTHON" - "$1" <<'PY'
# Metadata v4 request (header v1) over a raw socket: stdlib only, so the script needs no virtualenv.
import socket, struct, sys
port = int(sys.argv[1])
client = b"kafka.sh"
body = struct.pack(">i", -1) + b"\x00"  # all topics (null array), allow_auto_topic_creation=false
header = struct.pack(">hhih", 3, 4, 1, len(client)) + client
try:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.settimeout(5)
        s.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
        size = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
        data = s.recv(size, socket.MSG_WAITALL)
except (OSError, struct.error):
    sys.exit(1)
# correlation id, throttle_time_ms, then the brokers array: ready once it lists at least one broker.
_, _, brokers = struct.unpack(">iii", data[:12])
sys.exit(0 if brokers > 0 else 1)
PY
}

bootstrap_address() { echo "127.0.0.1:$(saved_port port)"; }

# --- commands ------------------------------------------------------------------------------------------

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    if probe "$(saved_port port)"; then
      bootstrap_address
      return 0
    fi
    log "broker pid $pid is running but not answering yet; waiting"
    wait_ready "$pid"
    bootstrap_address
    return 0
  fi
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  ensure_jars
  local java port cport
  java="$(java_cmd)"
  port="$(choose_port "${KAFKA_PORT:-}" "$(saved_port port)")"
  cport="$(choose_port "${KAFKA_CONTROLLER_PORT:-}" "$(saved_port controller_port)")"
  [[ "$port" != "$cport" ]] || cport="$(free_port)"
  printf 'port=%s\ncontroller_port=%s\n' "$port" "$cport" >"$PORTS_FILE"
  sed -e "s#@PORT@#$port#g" -e "s#@CONTROLLER_PORT@#$cport#g" -e "s#@DATA_DIR@#$DATA_DIR#g" \
    "$HERE/server.properties" >"$CONFIG_FILE"

  local cp="$LIB_DIR/*"
  # shellcheck disable=SC2206
  local jvm=($HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dkafka.logs.dir=$LOG_DIR" "-Dlog4j2.configurationFile=$HERE/kafka/log4j2.properties")
  if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
    local cluster_id
    # A cluster id is 16 random bytes in URL-safe base64. One in 64 of those starts with "-", which the
    # storage tool's parser reads as an option ("argument --cluster-id/-t: expected one argument": CI
    # failed so once). Kafka's own Uuid.randomUuid draws again when the id holds a "-", and so do we;
    # the "--cluster-id=" form is a second guard.
    cluster_id="${KAFKA_CLUSTER_ID:-$("$PYTHON" -c 'import base64,uuid
while True:
    cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if "-" not in cid:
        break
print(cid)')}"
    log "formatting storage in $DATA_DIR (cluster $cluster_id)"
    "$java" "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format "--cluster-id=$cluster_id" -c "$CONFIG_FILE" \
      >>"$LOG_DIR/format.log" 2>&1 || die "storage format failed; see $LOG_DIR/format.log"
  fi
  # setsid: the broker must outlive the shell (and pytest) that started it, and not get its Ctrl-C.
  setsid nohup "$java" "${jvm[@]}" -cp "$cp" kafka.Kafka "$CONFIG_FILE" >>"$LOG_DIR/stdout.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "started broker pid $pid on 127.0.0.1:$port (controller $cport); logs in $LOG_DIR"
  wait_ready "$pid"
  bootstrap_address
}

wait_ready() {
  local pid="$1" port deadline
  port="$(saved_port port)"
  deadline=$((SECONDS + START_TIMEOUT))
  until probe "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$LOG_DIR/stdout.log" >&2 || true
      die "broker exited during start-up; see $LOG_DIR/server.log"
    fi
    ((SECONDS < deadline)) || die "broker did not answer on 127.0.0.1:$port within ${START_TIMEOUT}s; see $LOG_DIR/server.log"
    sleep 0.5
  done
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "broker pid $pid did not stop in ${STOP_TIMEOUT}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.3
  done
  rm -f "$PID_FILE"
  log "stopped broker pid $pid"
}

cmd_status() {
  if running_pid >/dev/null && probe "$(saved_port port)"; then
    echo "running $(bootstrap_address)"
  else
    echo "stopped"
    return 3
  fi
}

cmd_bootstrap() {
  running_pid >/dev/null || { log "not running"; return 3; }
  bootstrap_address
}

cmd_reset() {
  cmd_stop
  rm -rf "$STATE_DIR"
  log "deleted $STATE_DIR"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  bootstrap) cmd_bootstrap ;;
  reset) cmd_reset ;;
  *)
    echo "usage: $0 start|stop|status|bootstrap|reset" >&2
    exit 64
    ;;
esac
