# Sourced by kafka.sh: one-stop systems (add-source, remove-source: principal src-<key>, topic, ACLs) and rotate-password.
# shellcheck shell=bash

check_source_key() {
  [[ "$1" =~ ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ ]] \
    || die "source key '$1' must be 1-40 characters of a-z, 0-9 and '-', starting and ending with a letter or digit"
}

# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
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
