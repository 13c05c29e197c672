#!/usr/bin/env bash
# Benchmarks the statistics engine against R metafor on the same analysis grid (docs/benchmarks.md):
# io.aepool.bench.EngineBenchmark (Java, single thread) and src/test/resources/bench/metafor-grid.R (R), then prints both
# throughputs and their ratio.
#   jobs/bench-engine.sh                       # src/test/resources/bench/sample-32.csv, 5 s warm-up, 10 s measured, 3 R repetitions
#   WARMUP=10 MEASURE=20 R_REPS=5 jobs/bench-engine.sh [csv]
# Compiles nothing when target/classes and target/test-classes exist (otherwise: mvn -q -DskipTests test-compile).
# CLASSES / TEST_CLASSES / MATH3_JAR override where the classes and Commons Math come from.
# The grid's input and its R twin live in src/test/resources/bench/, beside the benchmark's sources (they were in a
# top-level bench/ outside the Maven layout until 2026-12-02).
set -euo pipefail
cd "$(dirname "$0")/.."

CSV=${1:-src/test/resources/bench/sample-32.csv}
CLASSES=${CLASSES:-target/classes}
TEST_CLASSES=${TEST_CLASSES:-target/test-classes}
if [[ ! -d $CLASSES || ! -d $TEST_CLASSES ]]; then
  echo "compiling (mvn -q -DskipTests test-compile) ..." >&2
  mvn -q -B -DskipTests test-compile >&2
fi
if [[ -z ${MATH3_JAR:-} ]]; then
  if [[ -f target/classpath.txt ]]; then
    MATH3_JAR=$(tr ':' '\n' < target/classpath.txt | grep -m1 'commons-math3' || true)
  fi
  if [[ -z ${MATH3_JAR:-} ]]; then
    MATH3_JAR=$(ls "${HOME}"/.m2/repository/org/apache/commons/commons-math3/3.6.1/commons-math3-3.6.1.jar)
  fi
fi

echo "== Java engine (io.aepool.bench.EngineBenchmark) on $CSV"
JAVA_OUT=$(java ${JAVA_OPTS:-} -cp "$CLASSES:$TEST_CLASSES:$MATH3_JAR" io.aepool.bench.EngineBenchmark "$CSV" \
  "${WARMUP:-5}" "${MEASURE:-10}")
echo "$JAVA_OUT"
echo "== R metafor (src/test/resources/bench/metafor-grid.R) on $CSV"
R_OUT=$(Rscript src/test/resources/bench/metafor-grid.R "$CSV" "${R_REPS:-3}")
echo "$R_OUT"

JAVA_APS=$(echo "$JAVA_OUT" | sed -n 's/^java analyses_per_second=//p')
R_APS=$(echo "$R_OUT" | sed -n 's/^metafor analyses_per_second=//p')
echo "== summary"
awk -v j="$JAVA_APS" -v r="$R_APS" 'BEGIN {
  printf "java    %12.1f analyses/s\nmetafor %12.1f analyses/s\nratio   %12.1f x (target >= 100 x)\n", j, r, j / r }'
