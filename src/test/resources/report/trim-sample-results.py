#!/usr/bin/env python3
"""Trims a run of conf/sample.yaml (default out/sample) into the report fixture sample-results/.

Kept: the primary pool synthetic-32 with RR at the conf's first zero rule (methods on raw counts at its uncorrected
form none,drop00): MH, IV, DL and REML whole-pool rows under wald-z and hksj-adhoc, and MH, DL and REML (wald-z; REML also
hksj-adhoc, the report's random-effects diamond) rows of every subset (subgroup, loo, cum); the whole-pool MH rows of every other pool and measure; the IRR MH/DL whole-pool
and by-design rows of every pool; the robustness reference rows; the family rows of the kept whole-pool analyses (forest rows of the primary pool and measure only);
the specification curve of the primary pool and measure; every row of the small tables (study counts, registries,
robustness, summary.json).

    python3 src/test/resources/report/trim-sample-results.py [RUN_DIR]
"""
import csv
import json
import os
import shutil
import sys

run = sys.argv[1] if len(sys.argv) > 1 else "out/sample"
dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample-results")
ZERO = "only0:0.5,drop00"
RAW = {"MH", "PETO", "CMEL"}


def zero_ok(r):
    return r["zero_rule"] == (("none," + ZERO.split(",")[1]) if r["method"] in RAW else ZERO)


def read(name):
    path = os.path.join(run, name)
    if not os.path.exists(path):
        return None, []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def write(name, header, rows):
    with open(os.path.join(dest, name), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


_, robustness = read("robustness.csv")
references = {r.get("reference_analysis_id") for r in robustness}


def keep_analysis(r):
    if r["analysis_id"] in references:
        return True
    if not zero_ok(r) or r["ci_method"] == "hksj":
        return False
    primary = r["pool"] == "synthetic-32" and r["measure"] == "RR"
    if primary and r["subset"] == "all" and r["method"] in {"MH", "IV", "DL", "REML"}:
        return True
    if primary and (r["method"] in {"MH", "DL", "REML"} and r["ci_method"] == "wald-z"
                    or r["method"] == "REML" and r["ci_method"] == "hksj-adhoc") \
            and r["subset_kind"] in {"subgroup", "loo", "cum"}:
        return True
    if r["subset"] == "all" and r["method"] == "MH" and r["ci_method"] == "wald-z":
        return True
    return r["measure"] == "IRR" and r["method"] in {"MH", "DL"} and r["ci_method"] == "wald-z" \
        and (r["subset"] == "all" or r["subset"].startswith("subgroup:design="))


if os.path.isdir(dest):
    shutil.rmtree(dest)
os.makedirs(dest)
header, analyses = read("analyses.csv")
kept = [r for r in analyses if keep_analysis(r)]
write("analyses.csv", header, kept)
whole = {r["analysis_id"] for r in kept if r["subset"] == "all"}
for name in ["forest.csv", "funnel.csv", "small_study_tests.csv", "trim_and_fill.csv"]:
    h, rows = read(name)
    if h:
        # the primary pool's family rows (funnel and regression tests read the IV input of each zero rule)
        write(name, h, [r for r in rows if (r["analysis_id"] in whole and (name != "forest.csv" or (
            r["pool"] == "synthetic-32" and r["measure"] == "RR"))) or (
            name != "forest.csv" and r["pool"] == "synthetic-32" and r["measure"] == "RR" and zero_ok(r)
            and r["ci_method"] != "hksj")])
h, rows = read("subgroup_tests.csv")
write("subgroup_tests.csv", h, [r for r in rows if r["analysis_id"] in whole])
for name in ["study_counts.csv", "registry_incidence.csv", "registry_rate_ratios.csv", "robustness.csv"]:
    h, rows = read(name)
    if h:
        write(name, h, rows)
h, rows = read("specification_curve.csv")
if h:
    # the curve the report draws: the primary pool and measure
    write("specification_curve.csv", h, [r for r in rows if r["pool"] == "synthetic-32" and r["measure"] == "RR"])
shutil.copy(os.path.join(run, "summary.json"), os.path.join(dest, "summary.json"))
print("trimmed", run, "->", dest, ":", len(kept), "analyses")
