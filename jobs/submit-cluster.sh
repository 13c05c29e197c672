#!/usr/bin/env bash
# Submits the job to a cluster with the spark-submit of a Spark 4.x distribution (SPARK_HOME), which provides
# Spark, Hadoop and Parquet on the cluster; the application jar is target/aepool.jar (mvn -DskipTests package),
# which carries our classes and the small dependencies a distribution lacks (picocli, jackson-dataformat-yaml,
# commons-csv, JFreeSVG, mustache), so no --jars is needed. docs/cluster.md has the details.
#
#   jobs/submit-cluster.sh MASTER CONF OUT [extra spark-submit options...]
#
#   standalone: jobs/submit-cluster.sh spark://host:7077 conf/cluster-example.yaml hdfs:///safety/aepool/out
#   YARN:       jobs/submit-cluster.sh yarn conf/cluster-example.yaml hdfs:///safety/aepool/out --deploy-mode cluster
#   Kubernetes: jobs/submit-cluster.sh k8s://https://api:6443 conf/cluster-example.yaml s3a://bucket/aepool/out \
#                 --deploy-mode cluster --conf spark.kubernetes.container.image=<image with Spark 4.1>
#   Comet:      AEPOOL_COMET=1 COMET_JAR=/opt/spark/extra/comet-spark-spark4.1_2.13-1.2.0.jar jobs/submit-cluster.sh ...
#               (DataFusion Comet, explicit here: docs/cluster.md; COMET_JAR a path present on every node)
#
# Inputs named in the conf may be any Hadoop-compatible URI (hdfs://, s3a://, abfss://). The results directory is
# swapped in by a rename, atomic on HDFS and local disks but not on object stores (see README).
# The conf file itself is read by the driver: with --deploy-mode cluster ship it with --files and pass its name.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 3 ]]; then
  sed -n '2,18p' "$0" >&2
  exit 2
fi
MASTER=$1 CONF=$2 OUT=$3
shift 3
: "${SPARK_HOME:?set SPARK_HOME to a Spark 4.1 (Scala 2.13) distribution}"
if [[ ! -f target/aepool.jar || -n $(find src pom.xml -newer target/aepool.jar -print -quit) ]]; then
  mvn -q -B -DskipTests package >&2
fi
# AEPOOL_COMET=1: the Comet jar shipped with --jars and on the driver's and executors' class paths (its shuffle manager
# and plugin load before --jars are fetched, so COMET_JAR must exist at that path on every node: in the image or the
# distribution), plus the confs of jobs/comet.sh; size executor memory overhead for COMET_OFFHEAP (docs/cluster.md)
COMET_ARGS=()
if [[ ${AEPOOL_COMET:-0} == 1 ]]; then
  # shellcheck source=jobs/comet.sh
  source jobs/comet.sh
  COMET_ARGS=(--jars "$COMET_JAR" --conf "spark.driver.extraClassPath=$COMET_JAR" --conf "spark.executor.extraClassPath=$COMET_JAR")
  for c in "${COMET_CONFS[@]}"; do
    COMET_ARGS+=(--conf "$c")
  done
fi
exec "$SPARK_HOME/bin/spark-submit" \
  --master "$MASTER" \
  ${COMET_ARGS[@]+"${COMET_ARGS[@]}"} \
  --class io.aepool.cli.Main \
  --conf spark.sql.adaptive.enabled=true \
  --conf spark.driver.extraJavaOptions=-Djava.awt.headless=true \
  "$@" \
  target/aepool.jar --conf "$CONF" --out "$OUT"
