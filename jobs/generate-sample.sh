#!/usr/bin/env bash
# Regenerates the synthetic subject-level sample (deterministic for a given seed).
#   jobs/generate-sample.sh [OUT_DIR=sample-data/adam] [SEED=20251125]
set -euo pipefail
cd "$(dirname "$0")/.."
CP_FILE=target/classpath.txt
mvn -q -B -DskipTests compile dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >&2
OPENS=$(sed -n 's:.*<spark.jvm.opens>\(.*\)</spark.jvm.opens>.*:\1:p' pom.xml)
# shellcheck disable=SC2086
exec java -Xmx2g $OPENS -Dlog4j2.configurationFile="$PWD/conf/log4j2.properties" \
  -cp "target/classes:$(cat "$CP_FILE")" io.aepool.sample.SampleDataGenerator "${1:-sample-data/adam}" "${2:-20251125}"
