# Sourced by kafka.sh: the broker process (java, storage format, start/stop/status/reset/restart, its lock and log).
# shellcheck shell=bash

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
