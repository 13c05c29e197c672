#!/usr/bin/env bash
# Checks that two revisions give the sample job byte-identical results: a refactoring that claims "behaviour
# unchanged" proves it here.
#   jobs/same-results.sh REV_A [REV_B]     # REV_B default: the working tree (tracked and untracked, not ignored)
# Each side is built in a temporary checkout (REV: a detached `git worktree`; the working tree: a copy of its files,
# so your target/ is left alone) with the build jobs/run-local.sh does, offline (MVN, default "mvn -o -q -B"), then
# runs the sample job as the README does (`jobs/run-local.sh`, conf/sample.yaml, AEPOOL_CDS=0: no AppCDS archive to
# dump) into its own output directory, and every results CSV under it is compared with `cmp`.
#
# Compared: every *.csv file under the output directory (analyses.csv, study_counts.csv, each family table,
# forest.csv, registry_*.csv, robustness.csv, specification_curve.csv, rejects.csv, changes.csv, ...), and the list
# of those files itself (a CSV on one side only is a difference). The README promises these byte for byte: rows are
# sorted on every column and sums run in a fixed order.
# Ignored, and why:
#   summary.json, manifest.json  run id and start/end times, the code version (the commit), input modification times
#   report/                      the HTML report and its figures print the run id and time
#   Parquet directories          the Parquet twins of the CSVs: part-file names carry a random UUID per write
#                                and the footers the writer version, so they differ between any two runs; their
#                                content is what the CSVs hold
#   _SUCCESS, *.crc, logs        markers and checksums of the above, and console output (times)
#
# TOLERANCE=1e-12 (relative): files that differ in bytes are compared cell by cell instead: the same header, rows and
# text cells, numbers within the tolerance; the count of such cells and the largest difference are printed, with
# examples. For a change that is meant to move numbers in the last digits only (e.g. leave-one-out from sums).
#
# Exit: 0 identical (or within TOLERANCE), 1 results differ (the differing files are listed; KEEP=1 or a difference keeps the temporary
# directory for a look), 2 a build or run failed or bad arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

if [[ $# -lt 1 || $# -gt 2 || $1 == -h || $1 == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
fi
MVN=${MVN:-mvn -o -q -B}
REV_A=$1
REV_B=${2:-}
SHA_A=$(git rev-parse --verify "$REV_A^{commit}") || { echo "same-results: no revision $REV_A" >&2; exit 2; }
if [[ -n $REV_B ]]; then
  SHA_B=$(git rev-parse --verify "$REV_B^{commit}") || { echo "same-results: no revision $REV_B" >&2; exit 2; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/same-results.XXXXXX")
WORKTREES=()
keep=${KEEP:-0}
cleanup() {
  for w in "${WORKTREES[@]}"; do
    git -C "$REPO" worktree remove --force "$w" >/dev/null 2>&1 || true
  done
  if [[ $keep == 1 ]]; then
    echo "same-results: kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

# checkout SIDE REV|"": the sources of one side under $TMP/src-SIDE
checkout() {
  local side=$1 rev=$2 dst=$TMP/src-$1
  if [[ -n $rev ]]; then
    git worktree add --quiet --detach "$dst" "$rev"
    WORKTREES+=("$dst")
  else
    # the working tree as it is: tracked files that still exist, plus untracked ones git does not ignore
    mkdir -p "$dst"
    git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
      tar --null -T - -cf - | tar -xf - -C "$dst"
  fi
}

# build_and_run SIDE: build as jobs/run-local.sh would, then run the sample job into $TMP/out-SIDE
build_and_run() {
  local side=$1 src=$TMP/src-$1 out=$TMP/out-$1 t0=$SECONDS
  [[ -x $src/jobs/run-local.sh ]] || { echo "same-results: side $side has no jobs/run-local.sh" >&2; return 2; }
  # the build jobs/run-local.sh runs when the jar is stale, offline; the run then finds the jar up to date
  # shellcheck disable=SC2086
  (cd "$src" && $MVN -DskipTests package dependency:build-classpath -DincludeScope=compile \
      -Dmdep.outputFile=target/classpath.txt) >"$TMP/build-$side.log" 2>&1 \
    || { echo "same-results: build of side $side failed (tail of $TMP/build-$side.log):" >&2;
         tail -30 "$TMP/build-$side.log" >&2; keep=1; return 2; }
  (cd "$src" && AEPOOL_CDS=0 jobs/run-local.sh --conf conf/sample.yaml --out "$out") >"$TMP/run-$side.log" 2>&1 \
    || { echo "same-results: sample run of side $side failed (tail of $TMP/run-$side.log):" >&2;
         tail -30 "$TMP/run-$side.log" >&2; keep=1; return 2; }
  echo "same-results: side $side built and run in $((SECONDS - t0)) s" >&2
}

# the results CSVs of an output directory, relative paths, sorted (see the header for what is left out)
csvs() {
  (cd "$1" && find . -path ./report -prune -o -type f -name '*.csv' -print | sed 's|^\./||' | LC_ALL=C sort)
}

echo "same-results: A = $REV_A ($SHA_A), B = ${REV_B:-working tree}${REV_B:+ ($SHA_B)}; in $TMP" >&2
checkout a "$SHA_A"
checkout b "${SHA_B:-}"
build_and_run a || exit 2
build_and_run b || exit 2

diffs=()
while IFS= read -r f; do
  if [[ ! -f $TMP/out-a/$f ]]; then
    diffs+=("$f (only in B)")
  elif [[ ! -f $TMP/out-b/$f ]]; then
    diffs+=("$f (only in A)")
  elif ! cmp -s "$TMP/out-a/$f" "$TMP/out-b/$f"; then
    diffs+=("$f")
  fi
done < <({ csvs "$TMP/out-a"; csvs "$TMP/out-b"; } | LC_ALL=C sort -u)

n=$(csvs "$TMP/out-a" | wc -l)
if [[ ${#diffs[@]} -gt 0 && -n ${TOLERANCE:-} ]]; then
  # cell by cell: a file only on one side, another header, row count or text cell, or a number beyond the tolerance fails
  if python3 - "$TMP/out-a" "$TMP/out-b" "$TOLERANCE" "${diffs[@]}" <<'PY'
import csv, sys
a_dir, b_dir, tol, files = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
bad, moved, worst, examples = [], 0, 0.0, []
for f in files:
    if f.endswith(")"):
        bad.append(f); continue
    a = list(csv.reader(open(f"{a_dir}/{f}", newline="")))
    b = list(csv.reader(open(f"{b_dir}/{f}", newline="")))
    if a[:1] != b[:1] or len(a) != len(b):
        bad.append(f"{f}: header or row count differs"); continue
    for i, (ra, rb) in enumerate(zip(a[1:], b[1:]), start=2):
        for col, x, y in zip(a[0], ra, rb):
            if x == y:
                continue
            try:
                fx, fy = float(x), float(y)
            except ValueError:
                bad.append(f"{f} line {i} {col}: {x!r} vs {y!r}"); continue
            rel = abs(fx - fy) / max(abs(fx), abs(fy))
            moved += 1
            worst = max(worst, rel)
            if rel > tol:
                bad.append(f"{f} line {i} {col}: {x} vs {y} ({rel:.2e})")
            elif len(examples) < 5:
                examples.append(f"{f} line {i} ({ra[0]}) {col}: {x} vs {y} ({rel:.2e})")
print(f"same-results: {moved} numeric cells in {len(files)} files differ in bytes, largest relative difference "
      f"{worst:.2e} (tolerance {tol:g})")
for e in examples:
    print("  e.g. " + e)
for e in bad[:20]:
    print("  beyond: " + e)
sys.exit(1 if bad else 0)
PY
  then
    echo "same-results: within tolerance: $n CSV files (ignored: summary.json, manifest.json, report/, Parquet)"
    exit 0
  fi
fi
if [[ ${#diffs[@]} -eq 0 ]]; then
  echo "same-results: identical: $n CSV files (ignored: summary.json, manifest.json, report/, Parquet)"
  exit 0
fi
keep=1
echo "same-results: ${#diffs[@]} of $n CSV files differ (outputs kept: $TMP/out-a, $TMP/out-b):"
printf '  %s\n' "${diffs[@]}"
exit 1
