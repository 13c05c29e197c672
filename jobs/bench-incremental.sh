#!/usr/bin/env bash
# Incremental against full nightly registry aggregation (docs/benchmarks.md, "Incremental nightly aggregation"):
# writes a generic registry extract with about SCALE events (extract E1) plus an extract E2 adding 1% more rows
# (io.aepool.bench.IncrementalRegistryBench; reused when already there), then runs the job nightly as of E1 (full,
# writes the private state), as of E2 (incremental) and as of E2 with --full into a second root, in one JVM
# (local[2], 2 GiB heap), and prints the three wall times and whether both roots publish the same incidence table.
#   jobs/bench-incremental.sh 1e6
# Environment: BENCH_DIR (default /tmp/aepool-bench-incremental), BENCH_HEAP (default 2g), SHUFFLE_PARTITIONS
# (default 8), INCREMENTAL_RUNS (default 1: the incremental run repeated, each time from a copy of the root as of
# E1), FULL (default 1; 0 skips the full recompute as of E2: an incremental-only figure, e.g. the same incremental
# run at a second scale in the same window); BUILD_DIR and MVN as for jobs/bench.sh. Each run's line is printed as
# it ends (with the time and load average), and all of them again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${1:?usage: jobs/bench-incremental.sh SCALE   (events, e.g. 1e6, 1e7)}
DIR=${BENCH_DIR:-/tmp/aepool-bench-incremental}/$SCALE
BENCH_CLASS=io.aepool.bench.IncrementalRegistryBench
# shellcheck source=jobs/bench-classpath.sh
source jobs/bench-classpath.sh
mkdir -p "$DIR"
echo "== machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
/usr/bin/time -f "bench JVM: %e s wall, peak RSS %M KiB" java -Xmx"${BENCH_HEAP:-2g}" $OPENS -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="$PWD/conf/log4j2.properties" -Dspark.master=local[2] \
  -Dspark.sql.shuffle.partitions="${SHUFFLE_PARTITIONS:-8}" -Dbench.shufflePartitions="${SHUFFLE_PARTITIONS:-8}" \
  -Dbench.incrementalRuns="${INCREMENTAL_RUNS:-1}" -Dbench.full="$([[ ${FULL:-1} == 0 ]] && echo false || echo true)" \
  -cp "$CP" io.aepool.bench.IncrementalRegistryBench "$DIR" "$SCALE"
