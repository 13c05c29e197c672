#!/usr/bin/env bash
# The whole job on the bundled sample (docs/benchmarks.md, "The whole job on the bundled sample"): runs
# `jobs/run-local.sh --conf conf/sample.yaml --out DIR` and counts its Spark jobs with a SparkListener
# (io.aepool.bench.JobCounter, registered through spark.extraListeners from a spark-defaults.conf in SPARK_CONF_DIR,
# so the launcher and the job are those of the build measured, unchanged), then prints the jobs per stage (Spark job
# group) and in total, and the wall time of each launch.
#   jobs/bench-sample.sh                       # one run of this working tree's build
#   jobs/bench-sample.sh --list                # ... and every job: id, group, ms, stages, call site
#   jobs/bench-sample.sh --against HEAD~3      # 5 alternating runs: REV's build, then this tree's, ...; medians
#   jobs/bench-sample.sh --against REV --runs 3
# Run it under the machine's CPU lock when others share it: flock /tmp/heavy.lock jobs/bench-sample.sh ...
# Each side is warmed up by one run first (not counted: it also writes the AppCDS archive of a fresh build, see
# jobs/run-local.sh), so the timed runs are "class archive warm" as in docs/benchmarks.md.
# REV is checked out once with `git worktree add` under BENCH_BASE (default /tmp/bench-sample-<sha>) and built there
# as jobs/run-local.sh builds (kept for the next call). This tree is built the same way when its jar is stale.
# Environment: MVN (default "mvn -o -q -B"), BENCH_OUT (outputs and job lists, default a temporary directory, kept),
# WARMUP=0 to skip the warm-up runs (a job count needs none), SPARK_DEFAULTS (lines added to the spark-defaults.conf
# of every run, e.g. "spark.sql.adaptive.enabled false" to try a setting on both sides).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

AGAINST=
RUNS=
LIST=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --against) AGAINST=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --list) LIST=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-sample: unknown argument $1 (--help)" >&2; exit 2 ;;
  esac
done
RUNS=${RUNS:-$([[ -n $AGAINST ]] && echo 5 || echo 1)}
MVN=${MVN:-mvn -o -q -B}
OUT=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/bench-sample.XXXXXX")}
mkdir -p "$OUT"

# build DIR: the jar and classpath jobs/run-local.sh needs, when missing or older than the sources
build() {
  local dir=$1
  if [[ ! -f $dir/target/aepool.jar || ! -f $dir/target/classpath.txt \
        || -n $(cd "$dir" && find src pom.xml -newer target/aepool.jar -print -quit) ]]; then
    echo "bench-sample: building $dir ..." >&2
    # shellcheck disable=SC2086
    (cd "$dir" && $MVN -DskipTests package dependency:build-classpath -DincludeScope=compile \
        -Dmdep.outputFile=target/classpath.txt) >&2
  fi
}

build "$REPO"
# the listener: one test-scope class compiled against Spark alone, put in a jar the launch adds (spark.jars)
LISTENER_JAR=$OUT/job-counter.jar
mkdir -p "$OUT/job-counter"
javac -nowarn -cp "$(cat target/classpath.txt)" -d "$OUT/job-counter" src/test/java/io/aepool/bench/JobCounter.java
jar cf "$LISTENER_JAR" -C "$OUT/job-counter" .
mkdir -p "$OUT/spark-conf"
printf '%s\n' "spark.jars $LISTENER_JAR" "spark.extraListeners io.aepool.bench.JobCounter" ${SPARK_DEFAULTS:+"$SPARK_DEFAULTS"} \
  >"$OUT/spark-conf/spark-defaults.conf"

SIDES=(current)
declare -A TREE=([current]=$REPO)
if [[ -n $AGAINST ]]; then
  SHA=$(git rev-parse --verify "$AGAINST^{commit}") || { echo "bench-sample: no revision $AGAINST" >&2; exit 2; }
  BASE=${BENCH_BASE:-/tmp/bench-sample-${SHA:0:12}}
  if [[ ! -d $BASE ]]; then
    git worktree add --quiet --detach "$BASE" "$SHA"
  fi
  build "$BASE"
  SIDES=(base current)
  TREE[base]=$BASE
fi

# run SIDE LABEL: one launch; prints the wall seconds; the job list goes to $OUT/jobs-LABEL.tsv
run() {
  local side=$1 label=$2 t0 t1
  rm -rf "$OUT/out-$label" "$OUT/jobs-$label.tsv"
  t0=$(date +%s.%N)
  (cd "${TREE[$side]}" && SPARK_CONF_DIR=$OUT/spark-conf AEPOOL_JOB_COUNTER_FILE=$OUT/jobs-$label.tsv \
      jobs/run-local.sh --conf conf/sample.yaml --out "$OUT/out-$label") >"$OUT/run-$label.log" 2>&1 \
    || { echo "bench-sample: run $label failed (tail of $OUT/run-$label.log):" >&2; tail -20 "$OUT/run-$label.log" >&2; exit 2; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}'
}

# per_group FILE: jobs and summed job time per job group, in the order the groups first ran, and the total
per_group() {
  sort -n "$1" | awk -F'\t' '
    !($2 in n) { order[++k] = $2 }
    { n[$2]++; ms[$2] += $3; total++; totalms += $3; if ($4 != "ok") failed++ }
    END {
      for (i = 1; i <= k; i++) printf "  %-18s %4d jobs %8.1f s summed\n", order[i], n[order[i]], ms[order[i]] / 1000
      printf "  %-18s %4d jobs %8.1f s summed%s\n", "total", total, totalms / 1000, failed ? " (" failed " failed)" : ""
    }'
}

echo "bench-sample: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg); outputs in $OUT"
for side in "${SIDES[@]}"; do
  [[ ${WARMUP:-1} == 0 ]] && break
  printf 'bench-sample: warm-up %s (%s): %s s\n' "$side" "${TREE[$side]}" "$(run "$side" "warmup-$side")"
done
declare -A WALLS=()
for ((i = 1; i <= RUNS; i++)); do
  for side in "${SIDES[@]}"; do
    w=$(run "$side" "$side-$i")
    WALLS[$side]="${WALLS[$side]:-} $w"
    printf 'bench-sample: run %d %-7s %6s s wall, %d Spark jobs\n' "$i" "$side" "$w" "$(wc -l <"$OUT/jobs-$side-$i.tsv")"
  done
done
echo "bench-sample: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for side in "${SIDES[@]}"; do
  # shellcheck disable=SC2086
  median=$(printf '%s\n' ${WALLS[$side]} | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
  echo "== $side (${TREE[$side]}$([[ $side == base ]] && echo ", $AGAINST")): walls${WALLS[$side]} s, median $median s"
  echo "   Spark jobs per stage (job group) of run $RUNS:"
  per_group "$OUT/jobs-$side-$RUNS.tsv"
  if [[ $LIST == 1 ]]; then
    sort -n "$OUT/jobs-$side-$RUNS.tsv" | awk -F'\t' '{printf "    %4d %-18s %6d ms %2d stages  %-45s %s%s\n", $1, $2, $3, $5, $6, $7, $4 == "ok" ? "" : " (" $4 ")"}'
  fi
done
