#!/usr/bin/env bash
# Builds @confluentinc/kafka-javascript (librdkafka) for the Kafka client comparison of `npm run bench`, once,
# into a cache outside the project, and prints the directory to require() it from. It is not a dependency of
# the project: nothing the services run loads it.
#
# Its install would download a prebuilt binary from GitHub releases, which this kind of machine cannot reach;
# node-pre-gyp then builds from the sources in the npm tarball (librdkafka included). Linked dynamically
# (CKJS_LINKING=dynamic) against Debian's OpenSSL and zlib, since the static build downloads their sources
# too; node-gyp takes Node's headers from the Node installation (`--nodedir`), not from nodejs.org.
# About 4 minutes on 2 cores.
#
#   bash bench/librdkafka-client.sh        # prints e.g. ~/.cache/dvc-monitor/confluent-kafka-javascript-1.10.1/node_modules/@confluentinc/kafka-javascript
set -euo pipefail

VERSION="${LIBRDKAFKA_CLIENT_VERSION:-1.10.1}"
CACHE="${DVC_CACHE_DIR:-$HOME/.cache/dvc-monitor}"
PREFIX="$CACHE/confluent-kafka-javascript-$VERSION"
MODULE="$PREFIX/node_modules/@confluentinc/kafka-javascript"

say() { printf '[librdkafka-client] %s\n' "$*" >&2; }

if [[ -f "$MODULE/build/Release/confluent-kafka-javascript.node" ]] && node -e "require('$MODULE')" 2>/dev/null; then
  echo "$MODULE"
  exit 0
fi

# What the build needs: a C/C++ tool chain, Python for node-gyp, and the headers of OpenSSL and zlib.
missing=()
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v python3 >/dev/null || missing+=(python3)
[[ -f /usr/include/openssl/ssl.h ]] || missing+=(libssl-dev)
[[ -f /usr/include/zlib.h ]] || missing+=(zlib1g-dev)
if (( ${#missing[@]} > 0 )); then
  sudo=(); [[ "$(id -u)" == 0 ]] || sudo=(sudo -n)
  say "installing ${missing[*]} from Debian's packages"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

NODE_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
[[ -f "$NODE_DIR/include/node/node.h" ]] || { say "no Node headers under $NODE_DIR/include/node"; exit 1; }

say "building @confluentinc/kafka-javascript@$VERSION into $PREFIX (once; about 4 minutes)"
rm -rf "$PREFIX"
mkdir -p "$PREFIX"
echo '{"name":"dvc-bench-librdkafka-client","private":true}' > "$PREFIX/package.json"
log="$PREFIX/install.log"
if ! (cd "$PREFIX" && npm_config_nodedir="$NODE_DIR" CKJS_LINKING=dynamic \
  npm install --no-audit --no-fund --foreground-scripts "@confluentinc/kafka-javascript@$VERSION" >"$log" 2>&1); then
  say "the build failed; the end of $log:"
  tail -n 40 "$log" >&2
  exit 1
fi
node -e "const k = require('$MODULE'); if (!k.features.includes('sasl_scram') || !k.features.includes('ssl')) { console.error('built without SSL/SCRAM: ' + k.features); process.exit(1); }"
echo "$MODULE"
