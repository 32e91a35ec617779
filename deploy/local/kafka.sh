#!/usr/bin/env bash
# Local Apache Kafka broker (KRaft, single node) for one instance:
#   kafka.sh fetch|up|down|stop|start|status
#
# The broker's jars come from Maven Central through kafka-pom.xml into a cache
# folder reused by later runs. Storage is formatted once with a generated cluster
# id; the broker listens on 127.0.0.1 only, with a small heap. `up` also waits until
# the broker answers and creates the contract's topics; `stop`/`start` only stop and
# start the process (tests use them to take the broker away and bring it back).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
PID_FILE="$KAFKA_DIR/kafka.pid"

fetch() {
  if [ -f "$KAFKA_CACHE/.complete" ]; then return 0; fi
  command -v java >/dev/null || die "java not found: Kafka needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null || die "mvn not found: the Kafka jars are fetched with Maven (Debian: apt-get install maven)"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_CACHE"
  rm -rf "$KAFKA_CACHE"; mkdir -p "$KAFKA_CACHE"
  mvn -B -q -f "$HERE/kafka-pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$KAFKA_CACHE/libs" >"$KAFKA_CACHE/maven.log" 2>&1 \
    || { cat "$KAFKA_CACHE/maven.log" >&2; die "fetching the Kafka jars with Maven failed"; }
  touch "$KAFKA_CACHE/.complete"
}

# The JVM command line, shared by the storage tool and the broker.
JAVA=(java -Xms128m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
      -Dlog4j.configuration="file:$HERE/kafka-log4j.properties" -cp "$KAFKA_CACHE/libs/*")

write_config() {
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=3
# Topics are created explicitly from the contract; a typo must fail, not create a topic.
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
CONF
}

running() {
  [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

start() {
  external_kafka && die "KAFKA_BOOTSTRAP_SERVERS names an external broker; it is not ours to start"
  if running; then log "Kafka already running on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  fetch
  write_config
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    local cluster_id; cluster_id="$("${JAVA[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    log "formatting Kafka storage (cluster id $cluster_id)"
    "${JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/format.log" 2>&1 \
      || { cat "$KAFKA_DIR/format.log" >&2; die "kafka storage format failed"; }
  fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (heap $KAFKA_HEAP)"
  # Where this start's lines begin in the (appended) log, so a failure quotes only them.
  touch "$KAFKA_DIR/kafka.log"; stat -c %s "$KAFKA_DIR/kafka.log" >"$KAFKA_DIR/kafka.log.start"
  # setsid: own process group, so Ctrl-C in the caller's terminal reaches its trap only.
  setsid "${JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties" >>"$KAFKA_DIR/kafka.log" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
}

wait_ready() {
  local deadline=$((SECONDS + ${1:-90}))
  while [ $SECONDS -lt $deadline ]; do
    "$VENV_BIN/python" -m enforcement_common.topics wait --bootstrap "$(kafka_bootstrap)" --timeout 3 2>/dev/null && return 0
    # Our broker died (a taken port, bad storage): say why now instead of waiting.
    if ! external_kafka && ! running; then
      local from=0; [ -f "$KAFKA_DIR/kafka.log.start" ] && from="$(cat "$KAFKA_DIR/kafka.log.start")"
      tail -c +"$((from + 1))" "$KAFKA_DIR/kafka.log" | grep -E -A30 "ERROR|FATAL|Caused by" | head -80 >&2
      die "Kafka exited during start-up; see $KAFKA_DIR/kafka.log"
    fi
  done
  external_kafka || tail -30 "$KAFKA_DIR/kafka.log" >&2
  die "Kafka did not answer at $(kafka_bootstrap) within ${1:-90} s"
}

create_topics() {
  "$VENV_BIN/python" -m enforcement_common.topics create --bootstrap "$(kafka_bootstrap)"
}

stop() {
  local pid
  if running; then
    pid="$(cat "$PID_FILE")"
  else
    # A broker whose pid file was never written (kafka.sh stopped right after starting it).
    pid="$(pgrep -f -- "kafka.Kafka $KAFKA_DIR/server.properties" | head -1 || true)"
    [ -n "$pid" ] || { rm -f "$PID_FILE"; return 0; }
  fi
  log "stopping Kafka (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "Kafka did not stop in 30 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
  rm -f "$PID_FILE"
}

up() {
  if external_kafka; then
    log "using Kafka named by KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS; starting nothing"
  else
    start
  fi
  wait_ready
  create_topics
}

status() {
  if external_kafka; then echo "kafka: external ($KAFKA_BOOTSTRAP_SERVERS)"; return 0; fi
  if running; then echo "kafka: running on 127.0.0.1:$KAFKA_PORT (pid $(cat "$PID_FILE"), log $KAFKA_DIR/kafka.log)"
  else echo "kafka: stopped"; return 1; fi
}

case "${1:-}" in
  fetch) fetch ;; up) up ;; start) start; wait_ready 60 ;; stop|down) external_kafka || stop ;; status) status ;;
  *) echo "usage: $0 fetch|up|down|start|stop|status" >&2; exit 2 ;;
esac
