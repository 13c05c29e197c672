# Oracle values for io.aepool.stats.PoissonRates: exact Poisson intervals of one rate and exact conditional
# intervals of a rate ratio, as R's stats::poisson.test reports them (R 4.2.2, base R only plus jsonlite).
# Run from the project root:  Rscript src/test/resources/oracle/make-rates-oracle.R
# Writes poisson-rates.json next to this script (15 significant digits); see README.md in this folder.
suppressPackageStartupMessages(library(jsonlite))
out <- "src/test/resources/oracle"

# One rate: x events in person-time T. Garwood (1936) limits qchisq(a/2, 2x)/2/T and qchisq(1 - a/2, 2x + 2)/2/T,
# which poisson.test computes as qgamma(a/2, x)/T and qgamma(1 - a/2, x + 1)/T (lower limit 0 when x = 0).
incidence <- function(x, T, conf.level = 0.95) {
  r <- poisson.test(x, T, conf.level = conf.level)
  list(x = x, T = T, conf_level = conf.level, estimate = unname(r$estimate),
       low = r$conf.int[1], high = r$conf.int[2])
}

# Rate ratio (x1/t1)/(x2/t2): binom.test on x1 of x1 + x2 (Clopper-Pearson limits p), limits p/(1 - p) * t2/t1.
# x2 = 0 gives an infinite estimate and upper limit (written as the string "Inf"); x1 = x2 = 0 is an error in R.
rate_ratio <- function(x1, t1, x2, t2, conf.level = 0.95) {
  r <- poisson.test(c(x1, x2), c(t1, t2), conf.level = conf.level)
  list(x1 = x1, t1 = t1, x2 = x2, t2 = t2, conf_level = conf.level, estimate = unname(r$estimate),
       low = r$conf.int[1], high = r$conf.int[2])
}

res <- list(
  incidence = list(
    incidence(0, 0.5), incidence(0, 1234.5), incidence(1, 12.3), incidence(3, 0.5),
    incidence(3, 1234.5), incidence(17, 12.3), incidence(17, 1e6), incidence(250, 1234.5),
    incidence(250, 1e6), incidence(10000, 1e6), incidence(10000, 0.5), incidence(1, 1e6),
    incidence(17, 12.3, 0.99), incidence(0, 12.3, 0.90), incidence(250, 1234.5, 0.80)
  ),
  rate_ratio = list(
    rate_ratio(3, 1234.5, 17, 1234.5), rate_ratio(17, 12.3, 3, 0.5), rate_ratio(250, 1234.5, 17, 12.3),
    rate_ratio(1, 0.5, 10000, 1e6), rate_ratio(10000, 1e6, 1, 0.5), rate_ratio(10000, 1e6, 250, 1234.5),
    rate_ratio(1, 12.3, 1, 1234.5), rate_ratio(17, 1e6, 250, 1e6),
    rate_ratio(0, 12.3, 5, 10), rate_ratio(0, 1e6, 10000, 1e6), rate_ratio(4, 10, 0, 12),
    rate_ratio(250, 1234.5, 0, 0.5), rate_ratio(17, 12.3, 3, 0.5, 0.99), rate_ratio(3, 1234.5, 17, 1234.5, 0.90)
  )
)
writeLines(toJSON(res, auto_unbox = TRUE, digits = I(15), pretty = TRUE, na = "string"),
           file.path(out, "poisson-rates.json"))
