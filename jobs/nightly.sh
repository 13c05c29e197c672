#!/usr/bin/env bash
# Nightly run over the newest registry extract (or a given date), for cron or any scheduler.
#   jobs/nightly.sh [--conf conf/sample.yaml] [--root out/nightly] [--as-of YYYY-MM-DD] [--force] [--full] [--strict]
#
# --root holds runs/<run_id>/ (each complete run, with manifest.json and _SUCCESS) and `current`, a link to the
# last good run, switched only after every output is written. A run whose inputs, conf and code are unchanged since
# the current run is skipped ("up to date", exit 0) unless --force. Changes against the current run go to
# changes.csv and summary.json of the new run. Registry aggregates resume from the job's private state in
# <root>/.state (patient-level, never published): only extract partitions newer than the previous run are read;
# --full recomputes from every partition and rewrites the state.
#
# Exit codes: 0 done or up to date, 1 internal error, 2 bad input or conf (nothing published),
#             3 done with a flagged change (alert someone: see current/changes.csv).
#
# Rejected input rows, two modes (docs/nightly.md). Regulated or unattended nights: --strict (or validation.strict:
# true in the conf): any row rejected by validation is exit 2 with each rule, its rows and studies named, nothing
# published, `current` unchanged. Default (quarantine): the run publishes without those rows, exits 0 (or 3) and
# prints a line starting "aepool: quarantined:"; grep the night's output for it to alert.
#
# crontab line (every night at 02:30; mail or page on exit 3 from a wrapper, or let cron mail the output):
#   30 2 * * * cd /opt/aepool && jobs/nightly.sh --conf conf/nightly.yaml --root /data/aepool/nightly >>/var/log/aepool-nightly.log 2>&1
#
# Spark settings come from the environment as for run-local.sh (SPARK_MASTER, SHUFFLE_PARTITIONS, JAVA_OPTS, AEPOOL_COMET).
set -euo pipefail
cd "$(dirname "$0")/.."

CONF=conf/sample.yaml
ROOT=out/nightly
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --conf) CONF=$2; shift 2 ;;
    --root) ROOT=$2; shift 2 ;;
    --as-of) EXTRA+=(--as-of "$2"); shift 2 ;;
    --force) EXTRA+=(--force); shift ;;
    --full) EXTRA+=(--full); shift ;;
    --strict) EXTRA+=(--strict); shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "nightly.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

mkdir -p "$(dirname "$ROOT")"
# one nightly run per root at a time: a second one started by an overlapping schedule waits for nothing, it stops
exec 9>"$ROOT.lock"
if ! flock -n 9; then
  echo "nightly.sh: another run holds $ROOT.lock; not starting" >&2
  exit 1
fi
echo "nightly.sh: $(date -u +%FT%TZ) conf=$CONF root=$ROOT ${EXTRA[*]:-}" >&2
jobs/run-local.sh --conf "$CONF" --out "$ROOT" --nightly "${EXTRA[@]}"
