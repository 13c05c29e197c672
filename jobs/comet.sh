# Sourced by jobs/run-local.sh, jobs/bench.sh and jobs/submit-cluster.sh when AEPOOL_COMET=1 (not run on its own):
# Apache DataFusion Comet, Spark plans run natively (docs/benchmarks.md, "Native execution with DataFusion Comet").
# Sets COMET_JAR (the comet-spark jar for this pom's Spark line, ~100 MB, its native library for linux amd64/aarch64
# inside) and COMET_CONFS (spark conf pairs key=value). The jar is resolved through the pom's profile "comet" into
# $BUILD_DIR/comet-classpath.txt (default target/) once, and again when pom.xml changes; COMET_JAR set beforehand wins
# (on a cluster: a path present on every node). COMET_OFFHEAP sizes the off-heap memory Comet runs in (default 2g):
# Comet needs Spark's off-heap mode, and without it the plugin logs that it is disabled and Spark runs alone.
# COMET_EXPLAIN_FALLBACK=1 logs, for each query, the operators Comet left to Spark and why.
COMET_CP_FILE=${BUILD_DIR:-target}/comet-classpath.txt
if [[ -z ${COMET_JAR:-} ]]; then
  if [[ ! -s $COMET_CP_FILE || pom.xml -nt $COMET_CP_FILE ]]; then
    echo "resolving the Comet jar (mvn -Pcomet) into $COMET_CP_FILE ..." >&2
    mkdir -p "$(dirname "$COMET_CP_FILE")"
    # shellcheck disable=SC2086
    ${MVN:-mvn -q -B} -Pcomet dependency:build-classpath -DincludeGroupIds=org.apache.datafusion \
      -Dmdep.outputFile="$(realpath -m "$COMET_CP_FILE")" >&2
  fi
  COMET_JAR=$(cat "$COMET_CP_FILE")
fi
if [[ ! -f $COMET_JAR ]]; then
  echo "AEPOOL_COMET=1: no Comet jar at '$COMET_JAR'" >&2
  exit 2
fi
COMET_CONFS=(
  spark.plugins=org.apache.spark.CometPlugin
  spark.shuffle.manager=org.apache.spark.sql.comet.execution.shuffle.CometShuffleManager
  spark.comet.enabled=true
  spark.comet.exec.enabled=true
  spark.comet.shuffle.enabled=true
  spark.memory.offHeap.enabled=true
  "spark.memory.offHeap.size=${COMET_OFFHEAP:-2g}"
)
if [[ ${COMET_EXPLAIN_FALLBACK:-0} == 1 ]]; then
  COMET_CONFS+=(spark.comet.explain.fallback.enabled=true spark.comet.explain.fallback.log.enabled=true)
fi
