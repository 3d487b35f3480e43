#!/bin/sh
# What the dvc-monitor image runs, by its first argument (the compose `command`):
#   api | ingest | aggregator | alerting | console   the service, on HTTP_PORT
#   simulator [stream ...]            the simulator (default: stream)
#   migrate                           database schema (and dvc_grafana's password), Kafka topics,
#                                     the demo HTTP source; then exits
#   anything else                     run as given (e.g. `sh`)
# `exec` makes the service PID 1's direct child (compose `init: true`) so SIGTERM reaches it.
set -eu

service="${1:-api}"
case "${service}" in
  api | ingest | aggregator | alerting | console)
    exec node "dist/services/${service}/src/main.js"
    ;;
  simulator)
    shift
    [ "$#" -gt 0 ] || set -- stream
    exec node dist/services/simulator/src/main.js "$@"
    ;;
  migrate)
    node dist/libs/persistence/src/cli/migrate.js
    node deploy/docker/grafana-password.mjs
    node deploy/kafka/create-topics.mjs
    if [ -n "${DEMO_INGEST_API_KEY:-}" ]; then
      # The source the simulator sends as (its SIMULATOR_PROVINCE_CODE's), from its own code.
      source_uri="${DEMO_SOURCE_URI:-$(node -e 'console.log(require("./dist/services/simulator/src/model/province-model.js")
        .buildProvinceModel({ provinceCode: process.env.SIMULATOR_PROVINCE_CODE || undefined }).source)')}"
      node dist/services/ingest/src/cli/add-source.js --name "Mô phỏng" --source "${source_uri}" --key "${DEMO_INGEST_API_KEY}"
    fi
    ;;
  *)
    exec "$@"
    ;;
esac
