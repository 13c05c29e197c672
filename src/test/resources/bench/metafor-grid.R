# The analysis grid of io.aepool.bench.EngineBenchmark in R metafor, timed with proc.time():
# measures RR, OR, RD x methods MH (rma.mh), IV (rma "FE"), PETO (rma.peto, OR only), DL, REML, PM, ML, SJ, HE
# x intervals z ("wald-z") and knha ("hksj", random effects only) x subsets (all + every leave-one-out, refitted).
# Same conventions as the engine: 0.5 added to every cell of a study with a zero cell, double-zero studies dropped
# for RR/OR, raw counts for MH and Peto. Per-study effects (escalc) are computed once per measure and subset and
# shared by the rma() fits (the Java engine recomputes them in every analysis).
#   Rscript src/test/resources/bench/metafor-grid.R [csv] [repetitions]
# Prints "metafor analyses_per_second=<n>" as its last line.
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
csv <- if (length(args) >= 1) args[1] else "src/test/resources/bench/sample-32.csv"
reps <- if (length(args) >= 2) as.integer(args[2]) else 3L
d <- read.csv(csv, stringsAsFactors = FALSE)
k <- nrow(d)
subsets <- c(list(seq_len(k)), lapply(seq_len(k), function(i) seq_len(k)[-i]))
re <- c("DL", "REML", "PM", "ML", "SJ", "HE")

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
      fit(rma.mh(ai = x$ai, n1i = x$n1i, ci = x$ci, n2i = x$n2i, measure = measure, add = 1/2, to = "only0",
                 drop00 = measure != "RD"))
      if (measure == "OR") fit(rma.peto(ai = x$ai, n1i = x$n1i, ci = x$ci, n2i = x$n2i, add = 1/2, to = "only0",
                                        drop00 = TRUE))
      e <- escalc(measure = measure, ai = x$ai, n1i = x$n1i, ci = x$ci, n2i = x$n2i, add = 1/2, to = "only0",
                  drop00 = measure != "RD")
      fit(rma(yi, vi, data = e, method = "FE"))
      for (m in re) {
        fit(rma(yi, vi, data = e, method = m, test = "z"))
        fit(rma(yi, vi, data = e, method = m, test = "knha"))
      }
    }
  }
  c(n = n, failed = failed)
}

first <- grid()  # warm-up (byte compilation, package loading)
cat(sprintf("studies=%d analyses_per_grid=%d failed=%d\n", k, first[["n"]], first[["failed"]]))
t0 <- proc.time()
for (r in seq_len(reps)) grid()
el <- (proc.time() - t0)[["elapsed"]]
cat(sprintf("repetitions=%d elapsed=%.2fs per grid=%.0fms\n", reps, el, 1000 * el / reps))
cat(sprintf("metafor analyses_per_second=%.1f\n", first[["n"]] * reps / el))
