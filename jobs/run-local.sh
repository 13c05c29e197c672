#!/usr/bin/env bash
# Runs the job through Spark's own spark-submit machinery (org.apache.spark.deploy.SparkSubmit) from the
# Maven-resolved jars: no Spark distribution needed. Builds first when the jar or classpath is missing or stale.
# target/aepool.jar is the application jar (our classes and the small dependencies, Spark provided: docs/cluster.md);
# target/classpath.txt stands in for a distribution's jars/: Spark (provided scope) and every runtime dependency.
#   jobs/run-local.sh                                  # conf/sample.yaml -> out/sample
#   jobs/run-local.sh --conf conf/x.yaml --out /tmp/r  # any job arguments pass through
#   AEPOOL_COMET=1 jobs/run-local.sh ...                # plans run natively by DataFusion Comet (jobs/comet.sh)
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
  elif [[ " ${ARGS[*]} " == *" --conf "* && ${AEPOOL_COMET:-0} != 1 ]]; then
    # made by a job run (not --help or --version), so that it holds the classes a job loads; not by a Comet run,
    # whose longer classpath would leave the archive unusable for the runs without it
    rm -f target/cds-*.jsa
    CDS_OPTS=(-XX:ArchiveClassesAtExit="$CDS.$$" -Xlog:cds=off -Xlog:cds+dynamic=off)
  fi
fi

# AEPOOL_COMET=1: the Comet jar is appended to the classpath (after Spark's, so the AppCDS archive of the classpath
# still applies) and its confs are passed to SparkSubmit; off by default (docs/benchmarks.md says why).
EXTRA_CP=""
SPARK_CONFS=()
if [[ ${AEPOOL_COMET:-0} == 1 ]]; then
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
