#!/usr/bin/env bash
# Scale benchmark of the whole job (docs/benchmarks.md): N synthetic studies, RR by MH, IV and DL, on all
# studies, every leave-one-out subset and each condition; prints the job's own timings.
#   jobs/bench-scale.sh [N=10000] [WORK_DIR=target/bench-scale]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
WORK=${2:-target/bench-scale}
if [[ ! -d target/test-classes || ! -f target/classpath.txt ]]; then
  mvn -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
fi
rm -rf "$WORK" && mkdir -p "$WORK"
java -cp target/test-classes io.aepool.bench.ScaleData "$WORK/data" "$N"
/usr/bin/time -v jobs/run-local.sh --conf "$WORK/data/job.yaml" --out "$WORK/out" 2> "$WORK/time.log" \
  | grep -E "aepool:|robustness|Results" || true
grep -E "JobRunner|Elapsed|Maximum resident" "$WORK/time.log"
