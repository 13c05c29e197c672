#!/usr/bin/env bash
# Regenerates the synthetic sample (deterministic for a given seed): the subject-level trials and the registry extracts.
#   jobs/generate-sample.sh [ADAM_DIR=sample-data/adam] [SEED=20296939] [REGISTRY_DIR=sample-data/registry] [REGISTRY_SEED=20251125]
# Each generator has its own seed: the trials' was chosen so that their binomial draws show what the sample is for
# (SampleDataGenerator.DEFAULT_SEED); the registries keep theirs.
set -euo pipefail
cd "$(dirname "$0")/.."
CP_FILE=target/classpath.txt
mvn -q -B -DskipTests compile dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >&2
OPENS=$(sed -n 's:.*<spark.jvm.opens>\(.*\)</spark.jvm.opens>.*:\1:p' pom.xml)
run() {
  # shellcheck disable=SC2086
  java -Xmx2g $OPENS -Dlog4j2.configurationFile="$PWD/conf/log4j2.properties" -cp "target/classes:$(cat "$CP_FILE")" "$@"
}
run io.aepool.sample.SampleDataGenerator "${1:-sample-data/adam}" "${2:-20296939}"
rm -rf "${3:-sample-data/registry}"
run io.aepool.sample.RegistrySampleGenerator "${3:-sample-data/registry}" "${4:-20251125}"
