#!/usr/bin/env bash
# Runs the job through Spark's own spark-submit machinery (org.apache.spark.deploy.SparkSubmit) from the
# Maven-resolved jars: no Spark distribution needed. Builds first when the jar or classpath is missing or stale.
# target/aepool.jar is the application jar (our classes and the small dependencies, Spark provided: docs/cluster.md);
# target/classpath.txt stands in for a distribution's jars/: Spark (provided scope) and every runtime dependency.
#   jobs/run-local.sh                                  # conf/sample.yaml -> out/sample
#   jobs/run-local.sh --conf conf/x.yaml --out /tmp/r  # any job arguments pass through
#   AEPOOL_COMET=1 jobs/run-local.sh ...                # plans run natively by DataFusion Comet (jobs/comet.sh);
#                                                      # default auto: on for large ADaM inputs, 0 turns it off
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=target/aepool.jar
CP_FILE=target/classpath.txt
if [[ ! -f $JAR || ! -f $CP_FILE || -n $(find src pom.xml -newer "$JAR" -print -quit) ]]; then
  echo "building $JAR ..." >&2
  # includeScope=compile: compile, provided (Spark, Hadoop, Parquet) and their runtime jars; no test jars
  mvn -q -B -DskipTests package dependency:build-classpath -DincludeScope=compile -Dmdep.outputFile="$CP_FILE" >&2
fi

# Spark's --add-opens list for Java 17, kept in one place: the pom.
OPENS=$(sed -n 's:.*<spark.jvm.opens>\(.*\)</spark.jvm.opens>.*:\1:p' pom.xml)
ARGS=("$@")
if [[ ${#ARGS[@]} -eq 0 ]]; then
  ARGS=(--conf conf/sample.yaml --out out/sample)
fi

# AEPOOL_COMET: 1 on, 0 off, auto (the default) on when the conf's ADaM Parquet files (its adsl: and adae: entries on
# the local file system) total at least COMET_AUTO_MIB (default 512) MiB. Measured (docs/benchmarks.md, "Comet on
# the reshaped stage"): the ADaM stage 1.45x faster warm at 1e8 events (~600 MiB of Parquet), 1.28x at
# 1e7 (~62 MiB), the bundled sample no faster (its outputs byte-identical off and on). Said on stderr when auto turns
# it on, or leaves it off because the jar cannot be resolved. Only block-style adsl:/adae: entries are measured.
adam_mib() {
  local conf="" i dir path size total=0
  for ((i = 0; i < ${#ARGS[@]}; i++)); do
    case ${ARGS[i]} in
      --conf) if ((i + 1 < ${#ARGS[@]})); then conf=${ARGS[i + 1]}; fi ;;
      --conf=*) conf=${ARGS[i]#--conf=} ;;
    esac
  done
  if [[ ! -f $conf ]]; then echo 0; return 0; fi
  dir=$(dirname "$conf")
  while read -r path; do
    path=${path%%#*}; path=${path%"${path##*[![:space:]]}"}; path=${path#[\"\']}; path=${path%[\"\']}
    if [[ -z $path || $path == *://* ]]; then continue; fi   # hdfs://, s3a://: not measured here
    if [[ $path != /* ]]; then path=$dir/$path; fi
    if [[ ! -e $path ]]; then continue; fi
    size=$(du -sbL "$path" 2>/dev/null | cut -f1) || size=0
    if [[ $size =~ ^[0-9]+$ ]]; then total=$((total + size)); fi
  done < <(sed -n 's/^[[:space:]-]*\(adsl\|adae\):[[:space:]]*//p' "$conf" 2>/dev/null || true)
  echo $((total / 1048576))
}
COMET=${AEPOOL_COMET:-auto}
if [[ $COMET == auto ]]; then
  COMET=0
  MIB=$(adam_mib) || MIB=0
  LIMIT=${COMET_AUTO_MIB:-512}
  [[ $LIMIT =~ ^[0-9]+$ ]] || { echo "COMET_AUTO_MIB must be a whole number of MiB (got '$LIMIT')" >&2; exit 2; }
  if ((MIB >= LIMIT)); then
    # the jar resolved in a subshell first: when it cannot be (offline, no Maven), the run goes on without Comet
    if (source jobs/comet.sh) >/dev/null 2>&1; then
      COMET=1
      echo "DataFusion Comet on: $MIB MiB of ADaM Parquet in the conf (AEPOOL_COMET=auto: from $LIMIT MiB; AEPOOL_COMET=0 turns it off)" >&2
    else
      echo "DataFusion Comet left off: $MIB MiB of ADaM Parquet, but its jar could not be resolved (jobs/comet.sh; AEPOOL_COMET=1 shows why)" >&2
    fi
  fi
fi

# AppCDS: Spark's ~20k classes are loaded and verified from an archive instead of their jars (a few seconds of a
# small job's start). The archive is made by the first job run for a classpath and JDK (that run ends some seconds
# later while it dumps) and kept under target/; AEPOOL_CDS=0 turns it off. Our own classes (in $JAR, loaded by
# Spark's class loader) are not archived, so rebuilding the jar keeps the archive.
CDS_OPTS=()
if [[ ${AEPOOL_CDS:-1} == 1 ]]; then
  CDS_KEY=$({ cat "$CP_FILE"; readlink -f "$(command -v java)"; } | sha1sum | cut -c1-12)
  CDS=target/cds-$CDS_KEY.jsa
  if [[ -s $CDS ]]; then
    CDS_OPTS=(-XX:SharedArchiveFile="$CDS" -Xlog:cds=off -Xlog:cds+dynamic=off)
  elif [[ " ${ARGS[*]} " == *" --conf "* && $COMET != 1 ]]; then
    # made by a job run (not --help or --version), so that it holds the classes a job loads; not by a Comet run,
    # whose longer classpath would leave the archive unusable for the runs without it
    rm -f target/cds-*.jsa
    CDS_OPTS=(-XX:ArchiveClassesAtExit="$CDS.$$" -Xlog:cds=off -Xlog:cds+dynamic=off)
  fi
fi

# Comet on: the Comet jar is appended to the classpath (after Spark's, so the AppCDS archive of the classpath
# still applies) and its confs are passed to SparkSubmit.
EXTRA_CP=""
SPARK_CONFS=()
if [[ $COMET == 1 ]]; then
  # shellcheck source=jobs/comet.sh
  source jobs/comet.sh
  EXTRA_CP=":$COMET_JAR"
  for c in "${COMET_CONFS[@]}"; do
    SPARK_CONFS+=(--conf "$c")
  done
fi

# JVM defaults of the launching JVM (the driver; in local mode also the executors). JAVA_OPTS replaces all of them,
# so JAVA_OPTS="-Xmx4g" alone drops the GC and JIT settings: repeat them to keep them. A short job spends
# most of its CPU in the JIT: C2 compiling Spark's planner code that runs a few thousand times and is done. Raising
# the C2 thresholds leaves that code to C1 and keeps C2 for what stays hot; with the throughput collector it saved
# ~3 s of ~38 s on the sample on 2 cores (docs/benchmarks.md). Long runs reach the thresholds within seconds.
DEFAULT_JAVA_OPTS="-Xmx2g -XX:+UseParallelGC -XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=20000 \
-XX:Tier4CompileThreshold=60000 -XX:Tier4BackEdgeThreshold=400000"

# shellcheck disable=SC2086
run() {
  java ${JAVA_OPTS:-$DEFAULT_JAVA_OPTS} "${CDS_OPTS[@]}" -Djava.awt.headless=true $OPENS \
  -Dlog4j2.configurationFile="$PWD/conf/log4j2.properties" \
  -cp "$(cat "$CP_FILE")$EXTRA_CP" org.apache.spark.deploy.SparkSubmit \
  --master "${SPARK_MASTER:-local[*]}" \
  --conf spark.ui.enabled=false \
  --conf spark.sql.shuffle.partitions="${SHUFFLE_PARTITIONS:-8}" \
  --conf "spark.driver.extraJavaOptions=$OPENS" \
  ${SPARK_CONFS[@]+"${SPARK_CONFS[@]}"} \
  --class io.aepool.cli.Main \
  "$JAR" "${ARGS[@]}"
}
if [[ ${CDS_OPTS[0]:-} == -XX:ArchiveClassesAtExit=* ]]; then
  # dumped under a private name and renamed when complete: concurrent first runs never see half an archive
  rc=0
  run || rc=$?
  [[ -s $CDS.$$ ]] && mv -f "$CDS.$$" "$CDS" || rm -f "$CDS.$$"
  exit $rc
fi
run
