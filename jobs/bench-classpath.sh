# Sourced by the bench scripts (not run on its own): compiles the test classes into BUILD_DIR when they are missing
# or older than src/ or pom.xml, and sets CP (classes, test classes and the test classpath, which has DuckDB) and OPENS
# (Spark's --add-opens list from the pom). Needs BENCH_CLASS (the main class the caller runs) set first.
# Environment: BUILD_DIR (default target), MVN (default "mvn -q -B").
BUILD_DIR=${BUILD_DIR:-target}
CP_FILE=$BUILD_DIR/bench-classpath.txt
if [[ ! -f $BUILD_DIR/test-classes/${BENCH_CLASS//.//}.class || ! -f $CP_FILE \
      || -n $(find src pom.xml -newer "$CP_FILE" -print -quit) ]]; then
  echo "compiling (test-compile, test classpath) into $BUILD_DIR ..." >&2
  # shellcheck disable=SC2086
  ${MVN:-mvn -q -B} -DskipTests -Dbuild.dir="$(realpath -m "$BUILD_DIR")" test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$(realpath -m "$CP_FILE")" >&2
  touch "$CP_FILE"
fi
CP="$BUILD_DIR/classes:$BUILD_DIR/test-classes:$(cat "$CP_FILE")"
OPENS=$(sed -n 's:.*<spark.jvm.opens>\(.*\)</spark.jvm.opens>.*:\1:p' pom.xml)
