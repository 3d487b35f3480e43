#!/usr/bin/env bash
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

# ---------------------------------------------------------------------------------------------
# security (scram-tls)
# ---------------------------------------------------------------------------------------------

# How the data dir was formatted: scram-tls | plaintext; empty when it was never formatted.
formatted_security() {
  if [[ -s "${SECURITY_FILE}" ]]; then
    tr -d '[:space:]' <"${SECURITY_FILE}"
  elif [[ -f "${LOG_DIRS}/meta.properties" ]]; then
    echo plaintext # formatted before kafka.sh knew about security
  fi
}

# The security of this broker: its data dir's once formatted, else what KAFKA_SECURITY asks for.
broker_security() {
  local formatted
  formatted="$(formatted_security)"
  printf '%s\n' "${formatted:-${KAFKA_SECURITY}}"
}

password_file() { printf '%s/%s.password\n' "${CREDENTIALS_DIR}" "$1"; }

# A random password: hex, so that it needs no quoting in JAAS, ConfigCommand or env files.
new_password() { openssl rand -hex 32; }

# Writes $2 (a secret) to file $1 with mode 0600, atomically.
write_secret() {
  local tmp="$1.tmp.$$"
  (umask 077 && printf '%s\n' "$2" >"${tmp}") && mv -f "${tmp}" "$1"
}

# Runs node with the client environment of principal $1 on this broker (nothing inherited from the
# caller's KAFKA_SASL_* / KAFKA_SSL_*: the probe of a private broker must not use the shared one's).
node_as() {
  local principal="$1"
  shift
  local -a clean=(-u KAFKA_SASL_USERNAME -u KAFKA_SASL_PASSWORD -u KAFKA_SASL_PASSWORD_FILE -u KAFKA_SSL_CA_FILE -u KAFKA_SASL_MECHANISM)
  if [[ "$(broker_security)" == scram-tls ]]; then
    env "${clean[@]}" KAFKA_BROKERS="${BOOTSTRAP}" KAFKA_SECURITY_PROTOCOL=sasl_ssl KAFKA_SASL_MECHANISM=scram-sha-512 \
      KAFKA_SASL_USERNAME="${principal}" KAFKA_SASL_PASSWORD_FILE="$(password_file "${principal}")" KAFKA_SSL_CA_FILE="${CA_FILE}" \
      node "$@"
  else
    env "${clean[@]}" KAFKA_BROKERS="${BOOTSTRAP}" KAFKA_SECURITY_PROTOCOL=plaintext node "$@"
  fi
}

# A local CA and a broker certificate (SAN IP:127.0.0.1, DNS:localhost), once per data dir. Keys never
# leave ${TLS_DIR} (0700, files 0600); ca.pem is what clients trust. Production brings its own CA.
ensure_tls() {
  [[ -s "${CA_FILE}" && -s "${TLS_DIR}/broker.pem" ]] && return 0
  command -v openssl >/dev/null || die "openssl not found (needed once to create the broker's certificates)"
  local tmp="${TLS_DIR}.tmp" days="${KAFKA_TLS_DAYS:-3650}"
  rm -rf "${tmp}"
  mkdir -p -m 700 "${tmp}"
  log "creating a local CA and the broker certificate in ${TLS_DIR} (valid ${days} days)"
  (
    umask 077
    openssl req -x509 -new -noenc -newkey rsa:3072 -sha256 -days "${days}" \
      -keyout "${tmp}/ca.key" -out "${tmp}/ca.pem" \
      -subj "/O=dvc-monitor/CN=dvc-monitor local Kafka CA (port ${KAFKA_PORT})" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -new -noenc -newkey rsa:2048 -sha256 -keyout "${tmp}/broker.key" -out "${tmp}/broker.csr" \
      -subj "/O=dvc-monitor/CN=localhost"
    printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
      'extendedKeyUsage=serverAuth' 'subjectAltName=IP:127.0.0.1,DNS:localhost' >"${tmp}/broker.ext"
    openssl x509 -req -in "${tmp}/broker.csr" -CA "${tmp}/ca.pem" -CAkey "${tmp}/ca.key" \
      -set_serial "0x$(openssl rand -hex 16)" -days "${days}" -sha256 -extfile "${tmp}/broker.ext" -out "${tmp}/broker.crt"
    # Kafka's PEM key store: the (PKCS#8, unencrypted) private key, then the certificate chain.
    cat "${tmp}/broker.key" "${tmp}/broker.crt" "${tmp}/ca.pem" >"${tmp}/broker.pem"
    rm -f "${tmp}/broker.csr" "${tmp}/broker.ext" "${tmp}/broker.key"
  ) >"${tmp}/openssl.log" 2>&1 || { cat "${tmp}/openssl.log" >&2; rm -rf "${tmp}"; die "creating the TLS certificates failed"; }
  rm -f "${tmp}/openssl.log"
  chmod 600 "${tmp}/ca.key" "${tmp}/broker.pem" "${tmp}/broker.crt"
  chmod 644 "${tmp}/ca.pem"
  rm -rf "${TLS_DIR}"
  mv "${tmp}" "${TLS_DIR}"
}

# One random SCRAM password per service principal, and one for the controller listener's PLAIN login.
ensure_credentials() {
  mkdir -p -m 700 "${CREDENTIALS_DIR}"
  chmod 700 "${CREDENTIALS_DIR}"
  local principal
  for principal in "${SERVICE_PRINCIPALS[@]}" controller; do
    [[ -s "$(password_file "${principal}")" ]] || write_secret "$(password_file "${principal}")" "$(new_password)"
  done
  write_admin_client_properties
}

# Kafka's own admin tools (ConfigCommand) connect as admin with this file (0600).
write_admin_client_properties() {
  local tmp="${ADMIN_CLIENT_PROPS}.tmp.$$"
  (
    umask 077
    cat >"${tmp}" <<PROPS
# Generated by deploy/kafka/kafka.sh: Kafka's admin tools connect as admin with it. Secret (0600).
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(<"$(password_file admin)")";
ssl.truststore.type=PEM
ssl.truststore.location=${CA_FILE}
PROPS
  )
  mv -f "${tmp}" "${ADMIN_CLIENT_PROPS}"
}

# A secured data dir must have all its secrets; a fresh one gets them. ($1: formatted security)
prepare_security() {
  mkdir -p "${DATA_DIR}"
  chmod 700 "${DATA_DIR}"
  if [[ -n "$1" ]]; then
    local principal
    [[ -s "${CA_FILE}" && -s "${TLS_DIR}/broker.pem" ]] || die "${DATA_DIR} was formatted with scram-tls but ${TLS_DIR} is incomplete; kafka.sh reset starts over (deletes the data)"
    for principal in "${SERVICE_PRINCIPALS[@]}" controller; do
      [[ -s "$(password_file "${principal}")" ]] || die "$(password_file "${principal}") is missing; kafka.sh reset starts over (deletes the data)"
    done
    write_admin_client_properties
  else
    ensure_tls
    ensure_credentials
  fi
}

# Does a Kafka broker answer a metadata request on our port? ($1: seconds to keep trying)
answering() {
  # A secured data dir without admin's password yet (never started): nothing of ours can answer.
  [[ "$(broker_security)" != scram-tls || -s "$(password_file admin)" ]] || return 1
  node_as admin "${SCRIPT_DIR}/wait-for-kafka.mjs" --brokers "${BOOTSTRAP}" --timeout "${1:-0}" --quiet
}

# Runs one of Kafka's admin tools (e.g. kafka.admin.ConfigCommand) against this broker as admin.
# Its output goes to stderr: stdout is kept for what a command prints on purpose.
admin_tool() {
  java_cmd "$@"
  # Kafka's tools echo a rejected config value, password included: never let one through.
  "${JAVA_CMD[@]}" 2>&1 | sed -E 's/(password=)[^],[:space:]]*/\1<redacted>/g' >&2
  return "${PIPESTATUS[0]}"
}

require_secured_running() {
  require_node
  [[ "$(formatted_security)" == scram-tls ]] \
    || die "the broker on ${BOOTSTRAP} is not secured (KAFKA_SECURITY=scram-tls, then kafka.sh reset && kafka.sh start)"
  answering 0 || die "no broker answers on ${BOOTSTRAP} (kafka.sh start)"
}

check_source_key() {
  [[ "$1" =~ ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ ]] \
    || die "source key '$1' must be 1-40 characters of a-z, 0-9 and '-', starting and ending with a letter or digit"
}

# Sets principal $1's SCRAM-SHA-512 password to $2 on the running broker (kafka.admin.ConfigCommand;
# kafkajs cannot). The arguments go through a 0600 @argfile: no password on a command line.
set_scram_password() {
  local principal="$1" password="$2" file
  file="$(mktemp "${CREDENTIALS_DIR}/.scram.XXXXXX")"
  # The java launcher expands an @argfile only up to the main class: the main class goes in it too.
  printf '%s\n' kafka.admin.ConfigCommand --bootstrap-server "${BOOTSTRAP}" --command-config "${ADMIN_CLIENT_PROPS}" --alter \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=${password}]" --entity-type users --entity-name "${principal}" >"${file}"
  if ! admin_tool "@${file}"; then
    rm -f "${file}"
    die "could not set the SCRAM credential of ${principal}"
  fi
  rm -f "${file}"
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

# The listeners of the broker: plaintext, or SASL/SCRAM over TLS with ACLs ($1: the security).
listener_config() {
  if [[ "$1" != scram-tls ]]; then
    cat <<PROPS
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
PROPS
    return
  fi
  local admin_password controller_password
  admin_password="$(<"$(password_file admin)")"
  controller_password="$(<"$(password_file controller)")"
  cat <<PROPS
# --- Security (KAFKA_SECURITY=scram-tls). This file holds passwords: it is 0600, in a 0700 dir. ---
# Clients: SASL/SCRAM-SHA-512 over TLS only. The SCRAM credentials live in the KRaft metadata log
# (created at format time with --add-scram, later with kafka.admin.ConfigCommand).
listeners=SASL_SSL://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=SASL_SSL://127.0.0.1:${KAFKA_PORT}
# The controller listener stays on loopback without TLS, but not anonymous: SASL PLAIN as admin
# (a static login in this file; KRaft controllers cannot use SCRAM, whose credentials they serve).
# With a PLAINTEXT controller listener the broker would reach its controller as User:ANONYMOUS, which
# then had to be a super user: any local process could then administer the cluster through port
# ${KAFKA_CONTROLLER_PORT}.
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${controller_password}" user_admin="${controller_password}";
# Inter-broker traffic (this node to itself, on a single node) over SASL_SSL as admin.
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${admin_password}";
# TLS: the broker's key and certificate chain from the local CA (tls/), no client certificates.
ssl.keystore.type=PEM
ssl.keystore.location=${TLS_DIR}/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=${CA_FILE}
ssl.client.auth=none
ssl.endpoint.identification.algorithm=https
# ACLs: nothing is allowed that an ACL does not allow (created by acls.mjs after start). admin is the
# only super user: topic and ACL administration, inter-broker and controller traffic (both log in as
# admin, see above), and the tests' own clients.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin
PROPS
}

write_config() {
  local security="$1"
  mkdir -p "${LOG_DIRS}" "$(dirname "${LOG_FILE}")"
  # Minimal combined broker+controller on loopback (see /work/shared/docs/local-kafka.md).
  local tmp="${PROPS_FILE}.tmp.$$"
  (umask 077 && cat >"${tmp}") <<PROPS
# Generated by deploy/kafka/kafka.sh on every start; edits here are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}
$(listener_config "${security}")
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
  mv -f "${tmp}" "${PROPS_FILE}"

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

warn_security_mismatch() {
  if [[ -n "$1" && "$1" != "${KAFKA_SECURITY}" ]]; then
    log "WARNING: this broker runs ${1} (its data dir was formatted so), not KAFKA_SECURITY=${KAFKA_SECURITY}; kafka.sh reset && kafka.sh start switches (deletes its data)"
  fi
}

# The services' least-privilege ACLs (idempotent), for the topic names and group ids in the
# environment (TOPIC_*, *_GROUP_ID; defaults otherwise). See acls.mjs.
apply_service_acls() {
  node_as admin "${SCRIPT_DIR}/acls.mjs" services >&2 || die "creating the services' ACLs failed"
}

# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
cmd_start() {
  require_node
  take_lock

  local pid formatted
  formatted="$(formatted_security)"
  if pid="$(running_pid)"; then
    log "broker already running (pid ${pid}); waiting until it answers on ${BOOTSTRAP}"
    warn_security_mismatch "${formatted}"
  elif answering 0; then
    log "a Kafka broker already answers on ${BOOTSTRAP}; nothing to do"
    warn_security_mismatch "${formatted}"
    return 0
  else
    rm -f "${PID_FILE}"
    # The security of a data dir is decided when it is formatted; switching means starting over.
    if [[ -n "${formatted}" && "${formatted}" != "${KAFKA_SECURITY}" ]]; then
      die "${DATA_DIR} was formatted ${formatted} but KAFKA_SECURITY=${KAFKA_SECURITY}$([[ -z "${KAFKA_SECURITY_REQUESTED}" ]] && echo ' (the default)'): \
kafka.sh reset deletes its data so that start formats it anew, or set KAFKA_SECURITY=${formatted} to keep it"
    fi
    cmd_fetch
    command -v "${JAVA}" >/dev/null || die "java not found (Java 17 is needed)"
    mkdir -p "$(dirname "${LOG_FILE}")"
    [[ "${KAFKA_SECURITY}" == scram-tls ]] && prepare_security "${formatted}"
    write_config "${KAFKA_SECURITY}"

    local cid
    cid="$(cluster_id)"
    # --ignore-formatted: a second start keeps the existing data (topics, offsets). The arguments
    # go through a 0600 @argfile, so that the SCRAM passwords never show in the process list.
    local argfile="${DATA_DIR}/.format.args"
    (
      umask 077
      printf '%s\n' format -t "${cid}" -c "${PROPS_FILE}" --ignore-formatted
      if [[ "${KAFKA_SECURITY}" == scram-tls && -z "${formatted}" ]]; then
        local principal
        for principal in "${SERVICE_PRINCIPALS[@]}"; do
          printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,iterations=8192,password=%s]\n' "${principal}" "$(<"$(password_file "${principal}")")"
        done
      fi
    ) >"${argfile}"
    # StorageTool's argument parser reads @files itself.
    run_java kafka.tools.StorageTool "@${argfile}" >>"${LOG_FILE}" 2>&1 \
      || { rm -f "${argfile}"; tail_log; die "formatting ${LOG_DIRS} failed"; }
    rm -f "${argfile}"
    [[ -n "${formatted}" ]] || printf '%s\n' "${KAFKA_SECURITY}" >"${SECURITY_FILE}"

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
  node_as admin "${SCRIPT_DIR}/wait-for-kafka.mjs" --brokers "${BOOTSTRAP}" \
    --timeout "${KAFKA_START_TIMEOUT}" --pid "${pid}" --quiet || rc=$?
  case "${rc}" in
    0) log "Kafka answering on ${BOOTSTRAP} after $((SECONDS - started)) s (pid ${pid}, $(broker_security))"
       [[ "$(broker_security)" != scram-tls ]] || apply_service_acls ;;
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
  if [[ "$(broker_security)" == scram-tls ]]; then
    log "security: SASL_SSL on ${BOOTSTRAP}, SCRAM-SHA-512, ACLs; CA ${CA_FILE}; credentials ${CREDENTIALS_DIR} (kafka.sh credentials <principal>)"
  else
    log "security: plaintext, no authentication, no ACLs (KAFKA_SECURITY=plaintext or formatted before scram-tls)"
  fi
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

cmd_acls() {
  require_secured_running
  apply_service_acls
  log "services' ACLs in place"
}

# An env snippet (KEY=value lines) for principal $1, as every service and acls.mjs read it. The
# password stays in its file: KAFKA_SASL_PASSWORD_FILE names it.
#   set -a; eval "$(bash deploy/kafka/kafka.sh credentials dvc-ingest)"; set +a
cmd_credentials() {
  local principal="${1:-}"
  [[ -n "${principal}" ]] || die "usage: kafka.sh credentials <principal> (admin, ${SERVICE_PRINCIPALS[*]:1}, src-<key>)"
  printf 'KAFKA_BROKERS=%q\n' "${BOOTSTRAP}"
  if [[ "$(broker_security)" != scram-tls ]]; then
    printf 'KAFKA_SECURITY_PROTOCOL=plaintext\n'
    return 0
  fi
  [[ -s "$(password_file "${principal}")" ]] || die "no credentials for principal ${principal} in ${CREDENTIALS_DIR}"
  printf 'KAFKA_SECURITY_PROTOCOL=sasl_ssl\nKAFKA_SASL_MECHANISM=scram-sha-512\n'
  printf 'KAFKA_SASL_USERNAME=%q\nKAFKA_SASL_PASSWORD_FILE=%q\nKAFKA_SSL_CA_FILE=%q\n' "${principal}" "$(password_file "${principal}")" "${CA_FILE}"
}

# A one-stop system: SCRAM principal src-<key> with a random password (printed once, kept in the
# credentials dir), its topic <TOPIC_DOSSIER_EVENTS>.<key>, and ACLs to write that topic only.
cmd_add_source() {
  local key="${1:-}"
  [[ -n "${key}" ]] || die "usage: kafka.sh add-source <key>"
  check_source_key "${key}"
  require_secured_running
  cmd_fetch
  local principal="src-${key}" file
  file="$(password_file "${principal}")"
  if [[ -s "${file}" ]]; then
    log "principal ${principal} exists (its password is in ${file}; kafka.sh rotate-password ${principal} makes a new one)"
    node_as admin "${SCRIPT_DIR}/acls.mjs" add-source "${key}" >&2 || die "creating the topic or ACLs of ${principal} failed"
    return 0
  fi
  local password
  password="$(new_password)"
  set_scram_password "${principal}" "${password}"
  write_secret "${file}" "${password}"
  node_as admin "${SCRIPT_DIR}/acls.mjs" add-source "${key}" >&2 || die "creating the topic or ACLs of ${principal} failed"
  local topic="${TOPIC_DOSSIER_EVENTS:-dvc.dossier-events.v1}.${key}"
  log "one-stop system ${key}: principal ${principal} may write ${topic} only. Its password is printed below,"
  log "once (also kept in ${file}); hand it over with the CA ${CA_FILE} by a secure channel."
  printf 'KAFKA_BROKERS=%s\nKAFKA_SECURITY_PROTOCOL=sasl_ssl\nKAFKA_SASL_MECHANISM=scram-sha-512\n' "${BOOTSTRAP}"
  printf 'KAFKA_SASL_USERNAME=%s\nKAFKA_SASL_PASSWORD=%s\nKAFKA_SSL_CA_FILE=%s\nKAFKA_TOPIC=%s\n' "${principal}" "${password}" "${CA_FILE}" "${topic}"
}

# Takes a one-stop system off: its SCRAM credential, its ACLs, its password file. Its topic (and the
# events in it) stays unless --delete-topic.
cmd_remove_source() {
  local key="${1:-}" delete_topic="${2:-}"
  [[ -n "${key}" ]] || die "usage: kafka.sh remove-source <key> [--delete-topic]"
  [[ -z "${delete_topic}" || "${delete_topic}" == --delete-topic ]] || die "unknown argument ${delete_topic}"
  check_source_key "${key}"
  require_secured_running
  cmd_fetch
  local principal="src-${key}"
  admin_tool kafka.admin.ConfigCommand --bootstrap-server "${BOOTSTRAP}" --command-config "${ADMIN_CLIENT_PROPS}" \
    --alter --delete-config SCRAM-SHA-512 --entity-type users --entity-name "${principal}" \
    || log "no SCRAM credential for ${principal} to delete"
  node_as admin "${SCRIPT_DIR}/acls.mjs" remove-source "${key}" ${delete_topic} >&2 || die "removing the ACLs of ${principal} failed"
  rm -f "$(password_file "${principal}")"
  log "removed ${principal}${delete_topic:+ and its topic}"
}

# A new random SCRAM password for a principal. A one-stop system's is printed (once); a service's is
# only written to its file: restart the service so that it logs in with it. admin's also needs a
# broker restart (its inter-broker login reads server.properties).
cmd_rotate_password() {
  local principal="${1:-}"
  [[ -n "${principal}" ]] || die "usage: kafka.sh rotate-password <principal>"
  require_secured_running
  local file
  file="$(password_file "${principal}")"
  [[ -s "${file}" ]] || die "no principal ${principal} here (${file} is missing)"
  cmd_fetch
  local password
  password="$(new_password)"
  set_scram_password "${principal}" "${password}"
  write_secret "${file}" "${password}"
  case "${principal}" in
    admin)
      write_admin_client_properties
      log "admin's password rotated; kafka.sh restart makes the broker's own login use it" ;;
    src-*)
      log "${principal}'s password rotated (the old one no longer works for new connections); the new one, once:"
      printf 'KAFKA_SASL_USERNAME=%s\nKAFKA_SASL_PASSWORD=%s\n' "${principal}" "${password}" ;;
    *)
      log "${principal}'s password rotated in ${file}; restart the service(s) running as ${principal}" ;;
  esac
}

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
