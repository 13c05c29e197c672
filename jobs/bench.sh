#!/usr/bin/env bash
# Subject-level aggregation benchmark (docs/benchmarks.md, "Subject-level aggregation: Spark against DuckDB"):
# writes ADaM ADSL/ADAE Parquet with about SCALE adverse-event rows (io.aepool.bench.ScaledAdam; reused when already
# there), then in one JVM (local[2], driver heap 1 GiB) times the job's aggregation stage, its pieces and the issue's
# plain Spark plan against the same SQL in DuckDB (in-process JDBC, threads = 2) on the same files, REPS warm
# repetitions each, and prints the medians, the ratios, peak driver heap and the physical plans. The data holds a few
# rows that break the ADaM rules (ScaledAdam.writeBadRows; added to data generated before them); duckdb-rules runs
# every rule of the job in DuckDB, and the bench fails unless it gives the job's arm table and rejects per rule.
#   jobs/bench.sh 1e6            # data under /tmp/aepool-bench/1e6, 5 repetitions
#   jobs/bench.sh 1e8 3          # 3 repetitions
#   AEPOOL_COMET=1 BENCH_VARIANTS=spark-job jobs/bench.sh 1e7   # Spark's variants with DataFusion Comet (jobs/comet.sh)
# Environment: BENCH_DIR (data root, default /tmp/aepool-bench), BENCH_HEAP (default 1g), BENCH_VARIANTS (comma list of
# spark-job, spark-agg, spark-plain, duckdb-full, duckdb-plain, duckdb-rules), SHUFFLE_PARTITIONS (default 8, as
# jobs/run-local.sh), KEEP_DATA=0 to delete the data afterwards; BUILD_DIR (default target) and MVN (default "mvn -q -B")
# for the one build it needs (test classes and the test classpath, which has DuckDB), e.g.
#   BUILD_DIR=/tmp/build-x MVN="flock /tmp/mvn.lock mvn -o -q" jobs/bench.sh 1e7
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${1:?usage: jobs/bench.sh SCALE [REPS]   (SCALE = adverse-event rows, e.g. 1e6, 1e7, 1e8)}
REPS=${2:-5}
DIR=${BENCH_DIR:-/tmp/aepool-bench}/$SCALE
BENCH_CLASS=io.aepool.bench.AggregationBench
# shellcheck source=jobs/bench-classpath.sh
source jobs/bench-classpath.sh
LOG4J="-Dlog4j2.configurationFile=$PWD/conf/log4j2.properties"

if [[ ! -f $DIR/adae.parquet/_SUCCESS || ! -f $DIR/adsl.parquet/_SUCCESS || ! -f $DIR/job.yaml \
      || ! -f $DIR/adae.parquet/part-99999-bad-rows.parquet || ! -f $DIR/adsl.parquet/part-99999-bad-rows.parquet ]]; then
  echo "== generating $SCALE adverse-event rows under $DIR" >&2
  # shellcheck disable=SC2086
  /usr/bin/time -f "generator: %e s wall, peak RSS %M KiB" java -Xmx"${BENCH_HEAP:-1g}" $OPENS "$LOG4J" -cp "$CP" \
    io.aepool.bench.ScaledAdam "$DIR" "$SCALE"
  du -sh "$DIR/adsl.parquet" "$DIR/adae.parquet"
fi

# AEPOOL_COMET=1: the Comet jar on the bench JVM's classpath and its confs as spark.* system properties (a SparkConf
# reads them; the bench's session sets none of them), COMET_OFFHEAP of off-heap memory beside the BENCH_HEAP heap
COMET_OPTS=()
if [[ ${AEPOOL_COMET:-0} == 1 ]]; then
  # shellcheck source=jobs/comet.sh
  source jobs/comet.sh
  CP="$CP:$COMET_JAR"
  for c in "${COMET_CONFS[@]}"; do
    COMET_OPTS+=("-D$c")
  done
  echo "== DataFusion Comet: $(basename "$COMET_JAR"); ${COMET_CONFS[*]}"
fi

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load average $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
/usr/bin/time -f "bench JVM: %e s wall, peak RSS %M KiB" java -Xmx"${BENCH_HEAP:-1g}" $OPENS "$LOG4J" \
  -Dbench.shufflePartitions="${SHUFFLE_PARTITIONS:-8}" ${COMET_OPTS[@]+"${COMET_OPTS[@]}"} -cp "$CP" \
  io.aepool.bench.AggregationBench "$DIR" "$REPS" \
  "${BENCH_VARIANTS:-spark-job,spark-agg,spark-plain,duckdb-full,duckdb-plain,duckdb-rules}"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ ${KEEP_DATA:-1} == 0 ]]; then
  rm -rf "$DIR"
fi
