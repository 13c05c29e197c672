# One kind of the analysis grid of io.aepool.bench.EngineBenchmark in R metafor, timed with proc.time():
# measures RR, OR, RD x subsets (all + every leave-one-out, refitted) x the kind's methods:
#   closed-form: MH (rma.mh), IV (rma "FE"), PETO (rma.peto, OR only), DL, SJ, HE; no Q-profile intervals;
#   iterative:   REML, PM, ML, each followed by confint() (Q-profile intervals of tau², I², H²), as the engine computes
#                the Q-profile intervals of tau² and I² in every iterative analysis of the benchmark;
# random-effects methods with intervals z ("wald-z") and knha ("hksj").
# Same conventions as the engine: 0.5 added to every cell of a study with a zero cell, double-zero studies dropped
# for RR/OR, raw counts for MH and Peto. Per-study effects (escalc) are computed once per measure and subset and
# shared by the rma() fits (the Java engine recomputes them in every analysis).
#   Rscript src/test/resources/bench/metafor-grid.R [csv] [repetitions] [closed-form|iterative]
# Prints "metafor analyses_per_second=<n>" as its last line.
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
csv <- if (length(args) >= 1) args[1] else "src/test/resources/bench/sample-32.csv"
reps <- if (length(args) >= 2) as.integer(args[2]) else 3L
kind <- if (length(args) >= 3) args[3] else "closed-form"
if (!kind %in% c("closed-form", "iterative")) stop("kind must be closed-form or iterative, not ", kind)
d <- read.csv(csv, stringsAsFactors = FALSE)
k <- nrow(d)
subsets <- c(list(seq_len(k)), lapply(seq_len(k), function(i) seq_len(k)[-i]))
re <- if (kind == "closed-form") c("DL", "SJ", "HE") else c("REML", "PM", "ML")

grid <- function() {
  n <- 0L; failed <- 0L
  fit <- function(expr) {
    r <- try(suppressWarnings(expr), silent = TRUE)
    n <<- n + 1L
    if (inherits(r, "try-error")) failed <<- failed + 1L
  }
  for (measure in c("RR", "OR", "RD")) {
    for (s in subsets) {
      x <- d[s, ]
      if (kind == "closed-form") {
        fit(rma.mh(ai = x$ai, n1i = x$n1i, ci = x$ci, n2i = x$n2i, measure = measure, add = 1/2, to = "only0",
                   drop00 = measure != "RD"))
        if (measure == "OR") fit(rma.peto(ai = x$ai, n1i = x$n1i, ci = x$ci, n2i = x$n2i, add = 1/2, to = "only0",
                                          drop00 = TRUE))
      }
      e <- escalc(measure = measure, ai = x$ai, n1i = x$n1i, ci = x$ci, n2i = x$n2i, add = 1/2, to = "only0",
                  drop00 = measure != "RD")
      if (kind == "closed-form") fit(rma(yi, vi, data = e, method = "FE"))
      for (m in re) {
        for (test in c("z", "knha")) {
          if (kind == "closed-form") {
            fit(rma(yi, vi, data = e, method = m, test = test))
          } else {
            fit({ f <- rma(yi, vi, data = e, method = m, test = test); confint(f) })
          }
        }
      }
    }
  }
  c(n = n, failed = failed)
}

first <- grid()  # warm-up (byte compilation, package loading)
cat(sprintf("kind=%s studies=%d analyses_per_grid=%d failed=%d\n", kind, k, first[["n"]], first[["failed"]]))
t0 <- proc.time()
for (r in seq_len(reps)) grid()
el <- (proc.time() - t0)[["elapsed"]]
cat(sprintf("repetitions=%d elapsed=%.2fs per grid=%.0fms\n", reps, el, 1000 * el / reps))
cat(sprintf("metafor analyses_per_second=%.1f\n", first[["n"]] * reps / el))
