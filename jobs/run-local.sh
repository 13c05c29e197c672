#!/usr/bin/env bash
# Runs the job through Spark's own spark-submit machinery (org.apache.spark.deploy.SparkSubmit) from the
# Maven-resolved jars: no Spark distribution needed. Builds first when the jar or classpath is missing or stale.
# target/aepool.jar is the application jar (our classes and the small dependencies, Spark provided: docs/cluster.md);
# target/classpath.txt stands in for a distribution's jars/: Spark (provided scope) and every runtime dependency.
#   jobs/run-local.sh                                  # conf/sample.yaml -> out/sample
#   jobs/run-local.sh --conf conf/x.yaml --out /tmp/r  # any job arguments pass through
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

# shellcheck disable=SC2086
exec java ${JAVA_OPTS:--Xmx2g} -Djava.awt.headless=true $OPENS -Dlog4j2.configurationFile="$PWD/conf/log4j2.properties" \
  -cp "$(cat "$CP_FILE")" org.apache.spark.deploy.SparkSubmit \
  --master "${SPARK_MASTER:-local[*]}" \
  --conf spark.ui.enabled=false \
  --conf spark.sql.shuffle.partitions="${SHUFFLE_PARTITIONS:-8}" \
  --conf "spark.driver.extraJavaOptions=$OPENS" \
  --class io.aepool.cli.Main \
  "$JAR" "${ARGS[@]}"
