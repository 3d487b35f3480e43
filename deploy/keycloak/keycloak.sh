#!/usr/bin/env bash
# Runs a real Keycloak (the identity provider of the API) on loopback, from the server distribution
# published on Maven Central, in development mode, with the realms of deploy/keycloak/realms/ imported
# fresh on every start. No Docker: Java 21+ and Maven (for the first download) are enough.
#
#   keycloak.sh fetch|start|stop|restart|status
#
# See README.md next to this file for the environment variables and file locations.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REALMS_DIR="${KEYCLOAK_REALMS_DIR:-${SCRIPT_DIR}/realms}"

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
KEYCLOAK_ARTIFACT="org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:zip"
KEYCLOAK_PORT="${KEYCLOAK_PORT:-18080}"
KEYCLOAK_START_TIMEOUT="${KEYCLOAK_START_TIMEOUT:-120}"
KEYCLOAK_STOP_TIMEOUT="${KEYCLOAK_STOP_TIMEOUT:-30}"
KEYCLOAK_ADMIN_USER="${KEYCLOAK_ADMIN_USER:-admin}"
# The realm whose discovery document tells that Keycloak is up (and has imported our realms).
KEYCLOAK_PROBE_REALM="${KEYCLOAK_PROBE_REALM:-dvc}"

# The unpacked distribution lives outside the work tree so that `git clean` does not cost 170 MB.
CACHE_ROOT="${HOME}/.cache/dvc-monitor"
DIST_DIR="${DVC_KEYCLOAK_HOME:-${CACHE_ROOT}/keycloak-${KEYCLOAK_VERSION}}"
FETCH_MARKER="${DIST_DIR}/.fetched"
# Keycloak keeps its runtime data in <home>/data (not configurable): the dev H2 database (data/h2),
# the realm files to import (data/import) and temp files. This script adds its own files there.
# It is wiped on every start: the realms in the repo are the truth, never a previous run's changes.
DATA_DIR="${DIST_DIR}/data"
PID_FILE="${DATA_DIR}/keycloak.pid"
PORT_FILE="${DATA_DIR}/keycloak.port"
ADMIN_PASSWORD_FILE="${DATA_DIR}/admin-password"
# The log sits next to (not inside) the data dir: it must survive the wipe of the next start.
LOG_FILE="${KEYCLOAK_LOG_FILE:-$(dirname "${DIST_DIR}")/keycloak-${KEYCLOAK_PORT}.log}"
LOCK_FILE="${DIST_DIR}.lock"

BASE_URL="http://127.0.0.1:${KEYCLOAK_PORT}"   # 127.0.0.1, not localhost: Node may resolve localhost to ::1
PROBE_URL="${BASE_URL}/realms/${KEYCLOAK_PROBE_REALM}/.well-known/openid-configuration"

log() { printf '[keycloak.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# fetch: the distribution zip from Maven Central (into ~/.m2), unpacked once into the cache.
# ---------------------------------------------------------------------------------------------
cmd_fetch() {
  if [[ -f "${FETCH_MARKER}" ]]; then
    log "Keycloak ${KEYCLOAK_VERSION} already unpacked in ${DIST_DIR}"
    return 0
  fi
  command -v unzip >/dev/null || die "unzip not found (needed once to unpack the Keycloak distribution)"
  local zip="${HOME}/.m2/repository/org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip"
  if [[ ! -f "${zip}" ]]; then
    command -v mvn >/dev/null || die "mvn not found (needed once to fetch the Keycloak distribution)"
    log "fetching ${KEYCLOAK_ARTIFACT} from Maven Central (~170 MB, once)"
    mvn -B -q -Dstyle.color=never dependency:get -Dartifact="${KEYCLOAK_ARTIFACT}" -Dtransitive=false \
      || die "Maven could not fetch ${KEYCLOAK_ARTIFACT} (network? version?)"
    [[ -f "${zip}" ]] || die "Maven finished but ${zip} is missing (a custom local repository in settings.xml?)"
  fi

  # Unpack into a temp dir beside the target and rename at the end, so an interrupted fetch never
  # looks complete; the marker is written last.
  local parent tmp
  parent="$(dirname "${DIST_DIR}")"
  mkdir -p "${parent}"
  tmp="$(mktemp -d "${parent}/.keycloak-${KEYCLOAK_VERSION}.XXXXXX")"
  log "unpacking ${zip} into ${DIST_DIR}"
  unzip -q "${zip}" -d "${tmp}" || { rm -rf "${tmp}"; die "unzip of ${zip} failed (corrupt download? delete it and retry)"; }
  [[ -x "${tmp}/keycloak-${KEYCLOAK_VERSION}/bin/kc.sh" ]] \
    || { rm -rf "${tmp}"; die "the zip has no keycloak-${KEYCLOAK_VERSION}/bin/kc.sh"; }
  date -u +%FT%TZ >"${tmp}/keycloak-${KEYCLOAK_VERSION}/.fetched"
  rm -rf "${DIST_DIR}"
  mv "${tmp}/keycloak-${KEYCLOAK_VERSION}" "${DIST_DIR}"
  rmdir "${tmp}"
  log "Keycloak ${KEYCLOAK_VERSION} unpacked in ${DIST_DIR}"
}

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

# Major version of a java binary ("17", "21", "25"; "1" for 1.8), empty if it does not run.
java_major() {
  local version
  version="$("$1" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)" || true
  printf '%s\n' "${version%%[.+-]*}"
}

# Sets KC_JAVA_HOME to a JDK/JRE with Java >= 21: KEYCLOAK_JAVA_HOME, else Temurin 25, else the
# newest other one under /usr/lib/jvm. The default java (17, Kafka's) is left alone.
find_java() {
  local candidate major
  if [[ -n "${KEYCLOAK_JAVA_HOME:-}" ]]; then
    [[ -x "${KEYCLOAK_JAVA_HOME}/bin/java" ]] || die "KEYCLOAK_JAVA_HOME=${KEYCLOAK_JAVA_HOME} has no bin/java"
    major="$(java_major "${KEYCLOAK_JAVA_HOME}/bin/java")"
    (( ${major:-0} >= 21 )) || die "KEYCLOAK_JAVA_HOME=${KEYCLOAK_JAVA_HOME} is Java ${major:-?}; Keycloak ${KEYCLOAK_VERSION} needs Java 21 or newer"
    KC_JAVA_HOME="${KEYCLOAK_JAVA_HOME}"
    return 0
  fi
  local best="" best_major=0
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [[ -x "${candidate}/bin/java" && ! -L "${candidate}" ]] || continue
    major="$(java_major "${candidate}/bin/java")"
    if [[ "${candidate}" == /usr/lib/jvm/temurin-25-jdk-amd64 ]] && (( ${major:-0} >= 21 )); then
      best="${candidate}"
      break
    fi
    if (( ${major:-0} >= 21 && ${major:-0} > best_major )); then
      best="${candidate}" best_major="${major}"
    fi
  done
  [[ -n "${best}" ]] || die "no Java 21 or newer found (Keycloak ${KEYCLOAK_VERSION} needs one; the default java may stay 17 for Kafka).
  Install one (Debian: apt-get install openjdk-21-jre-headless, or Temurin 25) or set KEYCLOAK_JAVA_HOME to its directory."
  KC_JAVA_HOME="${best}"
}

# True if $1 is a live (non-zombie) Keycloak of *this* distribution (guards a recycled PID). The PID
# is kc.sh's, which becomes java's own when kc.sh execs it again after Quarkus' re-augmentation.
is_our_keycloak() {
  local pid="$1" state cmdline
  [[ "${pid}" =~ ^[0-9]+$ && -r "/proc/${pid}/stat" ]] || return 1
  state="$(sed -e 's/^.*) //' "/proc/${pid}/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [[ "${state}" != "Z" ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null)" || return 1
  [[ "${cmdline}" == *"${DIST_DIR}/bin/kc.sh start-dev"* ||
     ( "${cmdline}" == *"-Dkc.home.dir=${DIST_DIR}/bin/.. "* && "${cmdline}" == *" start-dev "* ) ]]
}

# Prints the PID from the pid file if it is our live Keycloak; fails otherwise.
running_pid() {
  local pid
  [[ -f "${PID_FILE}" ]] || return 1
  pid="$(<"${PID_FILE}")"
  is_our_keycloak "${pid}" || return 1
  printf '%s\n' "${pid}"
}

# Does the probe realm's discovery document answer 200 on our port?
answering() {
  if command -v curl >/dev/null; then
    curl -fsS -o /dev/null --max-time 3 "${PROBE_URL}" 2>/dev/null
  else
    node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "${PROBE_URL}"
  fi
}

# Something (Keycloak or not) listens on the port?
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/${KEYCLOAK_PORT}") 2>/dev/null
}

# Serialise start/stop per distribution (parallel test runs may call start at once).
take_lock() {
  command -v flock >/dev/null || return 0
  mkdir -p "$(dirname "${LOCK_FILE}")"
  exec 9>"${LOCK_FILE}"
  flock 9
}

tail_log() {
  if [[ -f "${LOG_FILE}" ]]; then
    log "last 50 lines of ${LOG_FILE}:"
    tail -n 50 "${LOG_FILE}" >&2
  fi
}

# Fresh data dir: no H2 database from a previous run, the repo's realm files to import, and a new
# bootstrap admin password (readable by this user only; only its path is ever printed).
prepare_data() {
  case "${DATA_DIR}" in
    "" | "/" | "/data" | "${HOME}" | "${HOME}/" | "${HOME}/data") die "refusing to wipe data dir '${DATA_DIR}'" ;;
  esac
  rm -rf "${DATA_DIR}"
  mkdir -p "${DATA_DIR}/import" "$(dirname "${LOG_FILE}")"
  local realm count=0
  for realm in "${REALMS_DIR}"/*.json; do
    [[ -f "${realm}" ]] || continue
    cp "${realm}" "${DATA_DIR}/import/"
    count=$((count + 1))
  done
  (( count > 0 )) || die "no realm files (*.json) in ${REALMS_DIR}"
  (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"${ADMIN_PASSWORD_FILE}")
  echo "${KEYCLOAK_PORT}" >"${PORT_FILE}"
}

# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
cmd_start() {
  take_lock

  local pid other_port
  if pid="$(running_pid)"; then
    other_port="$(cat "${PORT_FILE}" 2>/dev/null || echo '?')"
    [[ "${other_port}" == "${KEYCLOAK_PORT}" ]] \
      || die "Keycloak from ${DIST_DIR} already runs on port ${other_port} (pid ${pid}); one distribution runs one Keycloak: stop it (KEYCLOAK_PORT=${other_port} $0 stop) or set DVC_KEYCLOAK_HOME to another copy"
    log "Keycloak already running (pid ${pid}); waiting until it answers on ${BASE_URL}"
  elif answering; then
    log "a Keycloak already answers on ${BASE_URL} (realm ${KEYCLOAK_PROBE_REALM}); nothing to do"
    return 0
  elif port_taken; then
    die "something else listens on 127.0.0.1:${KEYCLOAK_PORT} but does not serve ${PROBE_URL}; set KEYCLOAK_PORT or stop it"
  else
    cmd_fetch
    find_java
    prepare_data

    log "starting Keycloak ${KEYCLOAK_VERSION} on ${BASE_URL} (Java $(java_major "${KC_JAVA_HOME}/bin/java") from ${KC_JAVA_HOME}; data ${DATA_DIR}, log ${LOG_FILE})"
    log "realms imported from ${REALMS_DIR}; bootstrap admin '${KEYCLOAK_ADMIN_USER}', password in ${ADMIN_PASSWORD_FILE}"
    printf '\n===== keycloak.sh start %s =====\n' "$(date -u +%FT%TZ)" >>"${LOG_FILE}"
    # setsid: own session (and process group), so Ctrl-C on the caller does not take Keycloak down;
    # the subshell execs setsid, which execs kc.sh, so $! is kc.sh's PID (it forwards SIGTERM to java).
    # 9>&-: Keycloak must not inherit (and hold forever) our start/stop lock.
    # --hostname pins the issuer to BASE_URL, however Keycloak is reached.
    (
      cd "${DIST_DIR}"
      export JAVA_HOME="${KC_JAVA_HOME}"
      unset JAVA
      export KC_BOOTSTRAP_ADMIN_USERNAME="${KEYCLOAK_ADMIN_USER}"
      KC_BOOTSTRAP_ADMIN_PASSWORD="$(<"${ADMIN_PASSWORD_FILE}")"
      export KC_BOOTSTRAP_ADMIN_PASSWORD
      exec setsid "${DIST_DIR}/bin/kc.sh" start-dev \
        --http-host 127.0.0.1 --http-port "${KEYCLOAK_PORT}" \
        --hostname "${BASE_URL}" \
        --import-realm
    ) 9>&- </dev/null >>"${LOG_FILE}" 2>&1 &
    pid=$!
    echo "${pid}" >"${PID_FILE}"
  fi

  local started=${SECONDS} deadline=$((SECONDS + KEYCLOAK_START_TIMEOUT))
  until answering; do
    if ! is_our_keycloak "${pid}"; then
      tail_log
      rm -f "${PID_FILE}"
      die "Keycloak process ${pid} exited during startup"
    fi
    if (( SECONDS >= deadline )); then
      tail_log
      log "Keycloak did not answer ${PROBE_URL} within ${KEYCLOAK_START_TIMEOUT} s (KEYCLOAK_START_TIMEOUT); stopping it"
      stop_pid "${pid}"
      rm -f "${PID_FILE}"
      exit 1
    fi
    sleep 0.5
  done
  log "Keycloak answering on ${BASE_URL} after $((SECONDS - started)) s (pid ${pid}); admin console ${BASE_URL}/admin/"
}

# SIGTERM to kc.sh (it forwards it to java, which shuts down cleanly), then SIGKILL to the whole
# process group (kc.sh was started with setsid, so its group is its own) after KEYCLOAK_STOP_TIMEOUT s.
stop_pid() {
  local pid="$1" waited=0 how="exited on SIGTERM"
  kill -TERM "${pid}" 2>/dev/null || true
  while is_our_keycloak "${pid}"; do
    if (( waited >= KEYCLOAK_STOP_TIMEOUT * 2 )); then
      log "pid ${pid} still alive after ${KEYCLOAK_STOP_TIMEOUT} s; sending SIGKILL to its process group"
      kill -KILL -- "-${pid}" 2>/dev/null || kill -KILL "${pid}" 2>/dev/null || true
      how="killed with SIGKILL"
      sleep 0.5
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  # java may outlive a kc.sh that was killed first: nothing of the group may stay behind.
  if kill -0 -- "-${pid}" 2>/dev/null; then
    sleep 1
    kill -KILL -- "-${pid}" 2>/dev/null || true
  fi
  printf '===== keycloak.sh stop %s: pid %s %s =====\n' "$(date -u +%FT%TZ)" "${pid}" "${how}" >>"${LOG_FILE}"
}

cmd_stop() {
  take_lock
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "${PID_FILE}"
    log "Keycloak of ${DIST_DIR} is not running (no live pid in ${PID_FILE})"
    return 0
  fi
  log "stopping Keycloak (pid ${pid})"
  stop_pid "${pid}"
  rm -f "${PID_FILE}" "${ADMIN_PASSWORD_FILE}"
  log "stopped"
}

cmd_status() {
  local pid rc=1
  if pid="$(running_pid)"; then
    log "process: running (pid ${pid}, port $(cat "${PORT_FILE}" 2>/dev/null || echo '?'))"
  else
    log "process: not running (no live pid in ${PID_FILE})"
  fi
  if answering; then
    log "port: ${PROBE_URL} answers"
    rc=0
  else
    log "port: nothing serves ${PROBE_URL}"
  fi
  log "distribution ${DIST_DIR}, log ${LOG_FILE}, admin password ${ADMIN_PASSWORD_FILE}"
  if (( rc == 0 )); then echo "running"; else echo "not running"; fi
  return "${rc}"
}

cmd_restart() {
  cmd_stop
  cmd_start
}

usage() {
  cat >&2 <<USAGE
usage: $(basename "$0") fetch|start|stop|restart|status

  fetch    download Keycloak ${KEYCLOAK_VERSION} (Maven Central) and unpack it into ${DIST_DIR} (once)
  start    fetch if needed, wipe the data, import ${REALMS_DIR}/*.json, start on ${BASE_URL}, wait until it answers
  stop     stop the Keycloak started by this script (SIGTERM, SIGKILL after ${KEYCLOAK_STOP_TIMEOUT} s)
  restart  stop + start (the realms are imported afresh)
  status   print running / not running; exit 0 if ${PROBE_URL} answers
USAGE
}

case "${1:-}" in
  fetch | start | stop | restart | status) cmd_"$1" ;;
  -h | --help | help) usage ;;
  *) usage; exit 2 ;;
esac
