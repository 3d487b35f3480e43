# Sourced by kafka.sh: fetches Apache Kafka's broker jars (and a logging backend) from Maven Central into the cache, once.
# shellcheck shell=bash

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
