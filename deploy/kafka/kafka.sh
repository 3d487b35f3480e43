#!/usr/bin/env bash
# Runs a real single-node Apache Kafka broker (KRaft, combined broker+controller) on loopback,
# from Apache's jars on Maven Central. No Docker, no tarball: Java 17 + Maven + Node are enough.
#
#   kafka.sh fetch|start|stop|restart|status|reset
#
# See README.md next to this file for the environment variables and file locations.
set -euo pipefail

# Resolve everything from this script's own location so it works from any cwd.
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"

KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
SCALA_VERSION="2.13"
# Kafka 3.9 brings no logging backend; without one the broker logs nothing.
SLF4J_BINDING="org.slf4j:slf4j-reload4j:1.7.36"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
# Same GC flags Kafka's own bin/kafka-run-class.sh uses.
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
KAFKA_OPTS="${KAFKA_OPTS:-}"

# Cache and data live outside the work tree so that `git clean` does not cost a 50 MB download.
CACHE_DIR="${DVC_KAFKA_CACHE:-${HOME}/.cache/dvc-monitor/kafka-${KAFKA_VERSION}}"
LIBS_DIR="${CACHE_DIR}/libs"
FETCH_MARKER="${CACHE_DIR}/.fetched"
DATA_DIR="${DVC_KAFKA_DATA:-${HOME}/.cache/dvc-monitor/kafka-data-${KAFKA_PORT}}"
LOG_DIRS="${DATA_DIR}/kraft"            # Kafka's log.dirs (partitions + KRaft metadata log)
PROPS_FILE="${DATA_DIR}/server.properties"
LOG4J_FILE="${DATA_DIR}/log4j.properties"
CLUSTER_ID_FILE="${DATA_DIR}/cluster.id"
PID_FILE="${DATA_DIR}/kafka.pid"
# The log sits next to (not inside) the data dir: a crash log should survive looking at the data.
LOG_FILE="${KAFKA_LOG_FILE:-$(dirname "${DATA_DIR}")/kafka-${KAFKA_PORT}.log}"

BOOTSTRAP="127.0.0.1:${KAFKA_PORT}"   # 127.0.0.1, not localhost: Node may resolve localhost to ::1
JAVA="${JAVA_HOME:+${JAVA_HOME}/bin/}java"

log() { printf '[kafka.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# fetch: download the broker jars once into the cache (idempotent, offline when cached).
# ---------------------------------------------------------------------------------------------
cmd_fetch() {
  if [[ -f "${FETCH_MARKER}" ]]; then
    log "Kafka ${KAFKA_VERSION} jars already cached in ${LIBS_DIR}"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Kafka jars)"
  mkdir -p "${CACHE_DIR}"
  log "fetching Kafka ${KAFKA_VERSION} from Maven Central into ${LIBS_DIR} (~50 MB, once)"

  # A throw-away pom whose only purpose is to list the runtime dependencies to copy.
  local slf4j_group slf4j_artifact slf4j_version
  IFS=: read -r slf4j_group slf4j_artifact slf4j_version <<<"${SLF4J_BINDING}"
  cat >"${CACHE_DIR}/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.dvc-monitor</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_${SCALA_VERSION}</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>${slf4j_group}</groupId>
      <artifactId>${slf4j_artifact}</artifactId>
      <version>${slf4j_version}</version>
    </dependency>
  </dependencies>
</project>
POM

  # Copy into a temp dir and rename at the end, so an interrupted fetch never looks complete.
  local tmp_libs="${LIBS_DIR}.tmp"
  rm -rf "${tmp_libs}"
  mvn -B -q -Dstyle.color=never -f "${CACHE_DIR}/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="${tmp_libs}" \
    || die "Maven could not fetch Kafka ${KAFKA_VERSION} (network? version?)"
  [[ -f "${tmp_libs}/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar" ]] \
    || die "fetch finished but kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar is missing"
  rm -rf "${LIBS_DIR}"
  mv "${tmp_libs}" "${LIBS_DIR}"
  date -u +%FT%TZ >"${FETCH_MARKER}"
  log "fetched $(find "${LIBS_DIR}" -name '*.jar' | wc -l) jars"
}

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

# True if $1 is a live (non-zombie) process running *this* broker config. Checking the command
# line guards against a recycled PID; checking the state treats an unreaped zombie as dead.
is_our_broker() {
  local pid="$1" state cmdline
  [[ "${pid}" =~ ^[0-9]+$ && -r "/proc/${pid}/stat" ]] || return 1
  state="$(sed -e 's/^.*) //' "/proc/${pid}/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [[ "${state}" != "Z" ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null)" || return 1
  [[ "${cmdline}" == *"kafka.Kafka ${PROPS_FILE}"* ]]
}

# Prints the PID from the pid file if it is our live broker; fails otherwise.
running_pid() {
  local pid
  [[ -f "${PID_FILE}" ]] || return 1
  pid="$(<"${PID_FILE}")"
  is_our_broker "${pid}" || return 1
  printf '%s\n' "${pid}"
}

require_node() {
  command -v node >/dev/null || die "node not found (needed to probe the broker)"
  [[ -d "${REPO_ROOT}/node_modules/kafkajs" ]] \
    || die "kafkajs missing in ${REPO_ROOT}/node_modules (run npm ci in the repo root)"
}

# Does a Kafka broker answer a metadata request on our port? ($1: seconds to keep trying)
answering() {
  node "${SCRIPT_DIR}/wait-for-kafka.mjs" --brokers "${BOOTSTRAP}" --timeout "${1:-0}" --quiet
}

# Serialise start/stop/reset per data dir (parallel test suites may call start at once).
take_lock() {
  command -v flock >/dev/null || return 0
  mkdir -p "$(dirname "${DATA_DIR}")"
  exec 9>"${DATA_DIR}.lock"
  flock 9
}

tail_log() {
  if [[ -f "${LOG_FILE}" ]]; then
    log "last 50 lines of ${LOG_FILE}:"
    tail -n 50 "${LOG_FILE}" >&2
  fi
}

write_config() {
  mkdir -p "${LOG_DIRS}" "$(dirname "${LOG_FILE}")"
  # Minimal combined broker+controller on loopback (see /work/shared/docs/local-kafka.md).
  cat >"${PROPS_FILE}" <<PROPS
# Generated by deploy/kafka/kafka.sh on every start; edits here are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${LOG_DIRS}
num.partitions=6
# Topics are created explicitly by create-topics.mjs, with their partition counts.
auto.create.topics.enable=false
# Single node: internal topics cannot have more than one replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Consumers in tests should not wait 3 s for the first rebalance.
group.initial.rebalance.delay.ms=0
PROPS

  # Root at WARN keeps the log small; the server loggers at INFO keep the "Kafka Server started"
  # line (KafkaRaftServer in KRaft mode). Output goes to stdout, which start appends to LOG_FILE.
  cat >"${LOG4J_FILE}" <<'LOG4J'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.KafkaServer=INFO
LOG4J
}

# Builds the java command line for a Kafka main class (into JAVA_CMD), cached jars on the classpath.
java_cmd() {
  local heap_opts perf_opts extra_opts
  read -r -a heap_opts <<<"${KAFKA_HEAP_OPTS}"
  read -r -a perf_opts <<<"${KAFKA_JVM_PERFORMANCE_OPTS}"
  read -r -a extra_opts <<<"${KAFKA_OPTS}"
  JAVA_CMD=("${JAVA}" "${heap_opts[@]}" "${perf_opts[@]}" "${extra_opts[@]}"
    "-Dlog4j.configuration=file:${LOG4J_FILE}" -cp "${LIBS_DIR}/*" "$@")
}

run_java() {
  java_cmd "$@"
  "${JAVA_CMD[@]}"
}

# The cluster id is generated once and kept, so a restart reuses the formatted storage.
cluster_id() {
  local meta="${LOG_DIRS}/meta.properties"
  if [[ ! -s "${CLUSTER_ID_FILE}" ]]; then
    if [[ -f "${meta}" ]]; then
      sed -n 's/^cluster\.id=//p' "${meta}" >"${CLUSTER_ID_FILE}"
    else
      run_java kafka.tools.StorageTool random-uuid | tail -n 1 >"${CLUSTER_ID_FILE}"
    fi
  fi
  cat "${CLUSTER_ID_FILE}"
}

# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
cmd_start() {
  require_node
  take_lock

  local pid
  if pid="$(running_pid)"; then
    log "broker already running (pid ${pid}); waiting until it answers on ${BOOTSTRAP}"
  elif answering 0; then
    log "a Kafka broker already answers on ${BOOTSTRAP}; nothing to do"
    return 0
  else
    rm -f "${PID_FILE}"
    cmd_fetch
    command -v "${JAVA}" >/dev/null || die "java not found (Java 17 is needed)"
    write_config

    local cid
    cid="$(cluster_id)"
    # --ignore-formatted: a second start keeps the existing data (topics, offsets).
    run_java kafka.tools.StorageTool format -t "${cid}" -c "${PROPS_FILE}" --ignore-formatted \
      >>"${LOG_FILE}" 2>&1 || { tail_log; die "formatting ${LOG_DIRS} failed"; }

    log "starting Kafka ${KAFKA_VERSION} on ${BOOTSTRAP} (data ${DATA_DIR}, log ${LOG_FILE})"
    printf '\n===== kafka.sh start %s =====\n' "$(date -u +%FT%TZ)" >>"${LOG_FILE}"
    # setsid: own session, so Ctrl-C on the caller or its process group does not take the broker
    # down; the subshell execs setsid, which execs java, so $! is the broker's own PID.
    # 9>&-: the broker must not inherit (and hold forever) our start/stop lock.
    java_cmd kafka.Kafka "${PROPS_FILE}"
    (cd "${DATA_DIR}" && exec setsid "${JAVA_CMD[@]}") 9>&- </dev/null >>"${LOG_FILE}" 2>&1 &
    pid=$!
    echo "${pid}" >"${PID_FILE}"
  fi

  local started=${SECONDS} rc=0
  node "${SCRIPT_DIR}/wait-for-kafka.mjs" --brokers "${BOOTSTRAP}" \
    --timeout "${KAFKA_START_TIMEOUT}" --pid "${pid}" --quiet || rc=$?
  case "${rc}" in
    0) log "Kafka answering on ${BOOTSTRAP} after $((SECONDS - started)) s (pid ${pid})" ;;
    2) tail_log; rm -f "${PID_FILE}"; die "Kafka process ${pid} exited during startup" ;;
    *) tail_log
       log "Kafka did not answer within ${KAFKA_START_TIMEOUT} s (KAFKA_START_TIMEOUT); stopping it"
       stop_pid "${pid}"
       rm -f "${PID_FILE}"
       exit 1 ;;
  esac
}

# SIGTERM (Kafka shuts down cleanly on it), then SIGKILL after KAFKA_STOP_TIMEOUT seconds.
stop_pid() {
  local pid="$1" waited=0 how="exited on SIGTERM"
  kill -TERM "${pid}" 2>/dev/null || true
  while is_our_broker "${pid}"; do
    if (( waited >= KAFKA_STOP_TIMEOUT * 2 )); then
      log "pid ${pid} still alive after ${KAFKA_STOP_TIMEOUT} s; sending SIGKILL"
      kill -KILL "${pid}" 2>/dev/null || true
      how="killed with SIGKILL"
      sleep 0.5
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  # Kafka at WARN logs nothing on a clean shutdown; leave a trace for whoever reads the log.
  printf '===== kafka.sh stop %s: pid %s %s =====\n' "$(date -u +%FT%TZ)" "${pid}" "${how}" >>"${LOG_FILE}"
}

cmd_stop() {
  take_lock
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "${PID_FILE}"
    log "Kafka on port ${KAFKA_PORT} is not running (no live pid in ${PID_FILE})"
    return 0
  fi
  log "stopping Kafka (pid ${pid})"
  stop_pid "${pid}"
  rm -f "${PID_FILE}"
  log "stopped"
}

cmd_status() {
  require_node
  local pid rc=1
  if pid="$(running_pid)"; then
    log "process: running (pid ${pid})"
  else
    log "process: not running (no live pid in ${PID_FILE})"
  fi
  if answering 0; then
    log "port: a Kafka broker answers on ${BOOTSTRAP}"
    rc=0
  else
    log "port: nothing answers on ${BOOTSTRAP}"
  fi
  log "data ${DATA_DIR}, log ${LOG_FILE}, jars ${LIBS_DIR}"
  if (( rc == 0 )); then echo "running"; else echo "not running"; fi
  return "${rc}"
}

cmd_reset() {
  cmd_stop
  # Guard against a mis-set DVC_KAFKA_DATA wiping something important.
  case "${DATA_DIR}" in
    "" | "/" | "${HOME}" | "${HOME}/") die "refusing to delete data dir '${DATA_DIR}'" ;;
  esac
  rm -rf "${DATA_DIR}"
  rm -f "${LOG_FILE}"
  log "deleted ${DATA_DIR} and ${LOG_FILE}"
}

cmd_restart() {
  cmd_stop
  cmd_start
}

usage() {
  cat >&2 <<USAGE
usage: $(basename "$0") fetch|start|stop|restart|status|reset

  fetch    download the Kafka ${KAFKA_VERSION} jars into ${CACHE_DIR} (once)
  start    fetch if needed, format storage, start the broker on ${BOOTSTRAP}, wait until it answers
  stop     stop the broker started by this script (SIGTERM, SIGKILL after ${KAFKA_STOP_TIMEOUT} s)
  restart  stop + start (data is kept)
  status   print running / not running; exit 0 if the broker answers
  reset    stop + delete the data dir ${DATA_DIR}
USAGE
}

case "${1:-}" in
  fetch | start | stop | restart | status | reset) cmd_"$1" ;;
  -h | --help | help) usage ;;
  *) usage; exit 2 ;;
esac
