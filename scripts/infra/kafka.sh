#!/usr/bin/env bash
# A single-node Kafka (KRaft: one process is broker and controller) on loopback, for tests and dev.
#   scripts/infra/kafka.sh start    start it in the background (no-op when it already runs)
#   scripts/infra/kafka.sh wait     wait until the broker answers on its port (fails with the log tail)
#   scripts/infra/kafka.sh stop     stop it (SIGTERM, then SIGKILL after a grace period)
#   scripts/infra/kafka.sh reset    stop it and wipe its data (topics, offsets)
#   scripts/infra/kafka.sh status   print whether it runs; exit 0 when it does
# Ports: PLAINTEXT 127.0.0.1:$LM_KAFKA_PORT (19092), CONTROLLER 127.0.0.1:$LM_KAFKA_CONTROLLER_PORT (19093).
# Data and logs: $LM_DATA_DIR/kafka/{data,logs}; the broker log is logs/server.log (kept after stop).
# Clients connect with KAFKA_BROKERS=127.0.0.1:19092. Topics are created by @lm/streams, not here.
. "$(dirname "$0")/../lib/common.sh"

KAFKA_VERSION="${LM_KAFKA_VERSION:-3.9.1}"
port="${LM_KAFKA_PORT:-19092}"
controller_port="${LM_KAFKA_CONTROLLER_PORT:-19093}"
home="$LM_CACHE_DIR/kafka-$KAFKA_VERSION"
dir="$LM_DATA_DIR/kafka"
pidfile="$dir/kafka.pid"
logs="$dir/logs"
data="$dir/data"
config="$dir/server.properties"

running_pid() { lm_running_pid "$pidfile" 'kafka.Kafka'; }
port_open() { lm_port_open "$port"; }

write_config() {
  mkdir -p "$data" "$logs"
  cat >"$config" <<EOF
# Written by scripts/infra/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
# One node: every replication factor is 1.
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
# Fewer internal partitions than the default 50: faster start on a small machine.
offsets.topic.num.partitions=8
transaction.state.log.num.partitions=4
# Topics come from the catalog in @lm/streams; a typo must fail, not create a topic.
auto.create.topics.enable=false
num.partitions=1
# Tests start and stop consumers often: do not wait for more members before the first assignment.
group.initial.rebalance.delay.ms=0
# A test machine: keep little data around.
log.retention.hours=24
log.segment.bytes=67108864
num.network.threads=2
num.io.threads=4
EOF
}

start() {
  if pid="$(running_pid)"; then
    lm_log "Kafka already runs (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  [ -f "$home/libs/kafka_2.13-$KAFKA_VERSION.jar" ] || bash "$LM_ROOT/scripts/setup/kafka.sh"
  if port_open; then
    lm_die "127.0.0.1:$port is taken by another process (not our broker); set LM_KAFKA_PORT"
  fi
  write_config
  if [ ! -f "$data/meta.properties" ]; then
    local cluster_id
    cluster_id="$(java -cp "$home/libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null)"
    java -cp "$home/libs/*" -Dlog4j.configuration="file:$home/log4j.properties" -Dkafka.logs.dir="$logs" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$config" >"$logs/format.log" 2>&1 ||
      { cat "$logs/format.log" >&2; lm_die "formatting Kafka storage failed"; }
  fi
  # The previous run's log is kept beside; readiness looks for this run's start line only.
  [ -f "$logs/server.log" ] && mv -f "$logs/server.log" "$logs/server.previous.log"
  lm_log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$port (logs: $logs)"
  # setsid: the broker outlives this script and is not killed with the caller's process group.
  setsid java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$home/log4j.properties" -Dkafka.logs.dir="$logs" \
    -cp "$home/libs/*" kafka.Kafka "$config" >"$logs/stdout.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# Ready means: the port accepts connections and the broker has registered with its controller,
# which it logs once ("Kafka Server started"); before that, metadata requests fail.
ready() {
  running_pid >/dev/null && port_open && grep -q 'Kafka Server started' "$logs/server.log" 2>/dev/null
}

wait_ready() {
  lm_wait_server "Kafka on 127.0.0.1:$port" "${LM_KAFKA_WAIT_SECONDS:-90}" running_pid ready \
    "$logs/server.log" "$logs/stdout.log"
  lm_log "Kafka ready on 127.0.0.1:$port"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pidfile"
    return 0
  fi
  # A controlled shutdown takes a few seconds; after 30 s it is stuck, so kill it.
  lm_terminate Kafka "$pid" 30
  rm -f "$pidfile"
}

lm_infra_main kafka "$port" "$data" "$@"
