#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Runs a real single-node Apache Kafka broker (KRaft, combined broker+controller) on loopback,
# from Apache's jars on Maven Central. No Docker, no tarball: Java 17 + Maven + Node are enough.
# By default the broker is secured (KAFKA_SECURITY=scram-tls): SASL/SCRAM-SHA-512 over TLS with a
# CA of its own, ACLs, and one principal per service; KAFKA_SECURITY=plaintext is the old open broker.
#
#   kafka.sh fetch|start|stop|restart|status|reset
#   kafka.sh acls                         (re)create the services' ACLs (start does it)
#   kafka.sh credentials <principal>      env snippet for a principal (no password: a file path)
#   kafka.sh add-source <key>             a one-stop system: principal src-<key>, its topic, its ACLs
#   kafka.sh remove-source <key> [--delete-topic]  takes one off (principal, ACLs; topic too if asked)
#   kafka.sh rotate-password <principal>  a new SCRAM password for a principal
#
# See README.md next to this file for the environment variables and file locations. This file is the
# entry point (settings, usage, the command dispatch); the commands live in lib/, sourced below.
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
# scram-tls (default) or plaintext; only decides how a fresh data dir is formatted: an existing one
# keeps the security it was formatted with (see the `security` file in it), reset to change it.
KAFKA_SECURITY_REQUESTED="${KAFKA_SECURITY:-}"
KAFKA_SECURITY="${KAFKA_SECURITY:-scram-tls}"
case "${KAFKA_SECURITY}" in
  scram-tls | plaintext) ;;
  *) printf '[kafka.sh] ERROR: KAFKA_SECURITY must be scram-tls or plaintext, got "%s"\n' "${KAFKA_SECURITY}" >&2; exit 2 ;;
esac

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
# Security (scram-tls): everything secret stays in the data dir (0700), never in the work tree.
SECURITY_FILE="${DATA_DIR}/security"      # how the storage was formatted: scram-tls | plaintext
TLS_DIR="${DATA_DIR}/tls"                 # ca.pem (public), ca.key, broker.pem (key + chain)
CA_FILE="${TLS_DIR}/ca.pem"
CREDENTIALS_DIR="${DATA_DIR}/credentials" # <principal>.password (0600), admin-client.properties
ADMIN_CLIENT_PROPS="${CREDENTIALS_DIR}/admin-client.properties"
# Created at format time; one-stop systems' principals (src-<key>) come with `add-source`.
SERVICE_PRINCIPALS=(admin dvc-ingest dvc-aggregator dvc-alerting dvc-simulator)
# The log sits next to (not inside) the data dir: a crash log should survive looking at the data.
LOG_FILE="${KAFKA_LOG_FILE:-$(dirname "${DATA_DIR}")/kafka-${KAFKA_PORT}.log}"

BOOTSTRAP="127.0.0.1:${KAFKA_PORT}"   # 127.0.0.1, not localhost: Node may resolve localhost to ::1
JAVA="${JAVA_HOME:+${JAVA_HOME}/bin/}java"

log() { printf '[kafka.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The commands and their helpers, from lib/ next to this script (functions only: sourcing runs nothing).
source "${SCRIPT_DIR}/lib/fetch.sh"         # fetch: the jars from Maven Central
source "${SCRIPT_DIR}/lib/security.sh"      # TLS, SCRAM passwords, ACLs; acls, credentials
source "${SCRIPT_DIR}/lib/broker-config.sh" # server.properties, log4j.properties
source "${SCRIPT_DIR}/lib/broker.sh"        # java, format; start, stop, status, reset, restart
source "${SCRIPT_DIR}/lib/sources.sh"       # add-source, remove-source, rotate-password

usage() {
  cat >&2 <<USAGE
usage: $(basename "$0") fetch|start|stop|restart|status|reset
       $(basename "$0") acls | credentials <principal> | add-source <key> | remove-source <key> [--delete-topic]
       $(basename "$0") rotate-password <principal>

  fetch    download the Kafka ${KAFKA_VERSION} jars into ${CACHE_DIR} (once)
  start    fetch if needed, format storage, start the broker on ${BOOTSTRAP}, wait until it answers
           (KAFKA_SECURITY=${KAFKA_SECURITY}; scram-tls also creates the CA, the principals and their ACLs)
  stop     stop the broker started by this script (SIGTERM, SIGKILL after ${KAFKA_STOP_TIMEOUT} s)
  restart  stop + start (data is kept)
  status   print running / not running; exit 0 if the broker answers
  reset    stop + delete the data dir ${DATA_DIR}

  acls                         (re)create the services' ACLs (start does it)
  credentials <principal>      env snippet (KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_CA_FILE)
  add-source <key>             principal src-<key> (password printed once), topic <input topic>.<key>, its ACLs
  remove-source <key>          delete src-<key>'s credential and ACLs (--delete-topic: its topic too)
  rotate-password <principal>  a new random password for a principal
USAGE
}

case "${1:-}" in
  fetch | start | stop | restart | status | reset | acls) cmd_"$1" ;;
  credentials) shift; cmd_credentials "$@" ;;
  add-source) shift; cmd_add_source "$@" ;;
  remove-source) shift; cmd_remove_source "$@" ;;
  rotate-password) shift; cmd_rotate_password "$@" ;;
  -h | --help | help) usage ;;
  *) usage; exit 2 ;;
esac
