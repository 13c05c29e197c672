#!/usr/bin/env bash
# Benchmarks the statistics engine against R metafor on the same analysis grid, split by kind (docs/benchmarks.md,
# issue 19): io.aepool.bench.EngineBenchmark (Java, single thread) and src/test/resources/bench/metafor-grid.R (R) on
# the closed-form kind (MH, IV, Peto, DL/SJ/HE with wald-z or hksj, no Q-profile intervals) and the iterative kind
# (REML, PM, ML with wald-z or hksj, Q-profile intervals of tau² and I² in every analysis; confint() in R), then prints
# each kind's throughputs and ratio. The Java side runs JAVA_RUNS times per kind and reports the median; every run's
# line is preceded and followed by /proc/loadavg.
#   jobs/bench-engine.sh                       # src/test/resources/bench/sample-32.csv, both kinds, 3 Java runs of
#                                              # 5 s warm-up + 10 s measured each, 3 R repetitions
#   KINDS=iterative JAVA_RUNS=5 WARMUP=10 MEASURE=20 R_REPS=5 jobs/bench-engine.sh [csv]
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

KINDS=${KINDS:-closed-form iterative}
JAVA_RUNS=${JAVA_RUNS:-3}
load() { echo "   load $(cut -d' ' -f1-3 /proc/loadavg)"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
declare -A JAVA_APS R_APS
for kind in $KINDS; do
  runs=()
  for ((i = 1; i <= JAVA_RUNS; i++)); do
    echo "== Java engine (io.aepool.bench.EngineBenchmark) $kind on $CSV, run $i of $JAVA_RUNS"
    load
    out=$(java ${JAVA_OPTS:-} -cp "$CLASSES:$TEST_CLASSES:$MATH3_JAR" io.aepool.bench.EngineBenchmark "$CSV" \
      "${WARMUP:-5}" "${MEASURE:-10}" "$kind")
    echo "$out"
    load
    runs+=("$(echo "$out" | sed -n 's/^java analyses_per_second=//p')")
  done
  JAVA_APS[$kind]=$(printf '%s\n' "${runs[@]}" | median)
  echo "== R metafor (src/test/resources/bench/metafor-grid.R) $kind on $CSV"
  load
  out=$(Rscript src/test/resources/bench/metafor-grid.R "$CSV" "${R_REPS:-3}" "$kind")
  echo "$out"
  load
  R_APS[$kind]=$(echo "$out" | sed -n 's/^metafor analyses_per_second=//p')
done

echo "== summary (Java: median of $JAVA_RUNS runs)"
for kind in $KINDS; do
  target=$([[ $kind == closed-form ]] && echo 1000 || echo 100)
  awk -v k="$kind" -v j="${JAVA_APS[$kind]}" -v r="${R_APS[$kind]}" -v t="$target" 'BEGIN {
    printf "%-12s java %12.1f analyses/s  metafor %8.1f analyses/s  ratio %8.1f x (target >= %d x)\n", k, j, r, j / r, t }'
done
