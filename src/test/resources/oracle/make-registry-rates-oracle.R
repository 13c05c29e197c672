# Oracle values for io.aepool.stats.MantelHaenszelRates and io.aepool.stats.ClusteredPoissonRates
# (R 4.2.2, epiR 2.0.57, metafor 3.8-1, sandwich 3.0-2, jsonlite; Debian r-cran-epir, r-cran-metafor, r-cran-sandwich).
# Run from the project root:  Rscript src/test/resources/oracle/make-registry-rates-oracle.R
# Writes registry-rates.json next to this script (15 significant digits); see README.md in this folder.
suppressPackageStartupMessages({ library(epiR); library(metafor); library(sandwich); library(jsonlite) })
out <- "src/test/resources/oracle"

# --- Mantel-Haenszel rate ratio with the Greenland-Robins (1985) variance: epiR::epi.2by2(method = "cohort.time"),
# IRR.mh.wald (Wald interval on the log scale). Each stratum: a events in exposed time t1, b events in unexposed
# time t0. epiR needs person-time in both groups of every stratum; a case's `dropped` strata (no person-time in one
# group) are given to Java with the others and must drop out, so R sees the strata used only (metafor's rma.mh stops
# on a person-time of 0). metafor::rma.mh(measure = "IRR") takes each stratum as a study: the same estimator and
# Greenland-Robins variance, recorded as metafor_* and checked too.
mh <- function(name, a, t1, b, t0, dropped = list(), conf.level = 0.95) {
  tab <- array(NA_real_, dim = c(2, 2, length(a)))
  for (j in seq_along(a)) tab[, , j] <- matrix(c(a[j], b[j], t1[j], t0[j]), 2, 2)
  r <- epi.2by2(as.table(tab), method = "cohort.time", conf.level = conf.level)$massoc.detail
  m <- rma.mh(measure = "IRR", x1i = a, t1i = t1, x2i = b, t2i = t0, level = 100 * conf.level)
  list(name = name, a = a, t1 = t1, b = b, t0 = t0, dropped = dropped, conf_level = conf.level,
       estimate = r$IRR.mh.wald$est, low = r$IRR.mh.wald$lower, high = r$IRR.mh.wald$upper,
       crude = r$IRR.crude.wald$est, metafor_estimate = exp(m$beta[1]), metafor_low = exp(m$ci.lb),
       metafor_high = exp(m$ci.ub))
}

# --- Patient-clustered sandwich: glm Poisson with one rate per group and log person-time offset, clustered by
# patient, without small-sample factors: vcovCL(type = "HC0", cadjust = FALSE). var(log IRR) = V11 + V22 - 2 V12.
sandwich_case <- function(name, d) {
  fit <- glm(y ~ 0 + group + offset(log(t)), family = poisson, data = d,
             control = glm.control(epsilon = 1e-14, maxit = 100))
  V <- vcovCL(fit, cluster = ~ patient, type = "HC0", cadjust = FALSE)
  list(name = name, patient = d$patient, group = as.character(d$group), y = d$y, t = d$t,
       log_rate_a = unname(coef(fit)[1]), log_rate_b = unname(coef(fit)[2]),
       var_log_rate_a = V[1, 1], var_log_rate_b = V[2, 2], cov = V[1, 2],
       var_log_irr = V[1, 1] + V[2, 2] - 2 * V[1, 2])
}

# the hand case of ClusteredPoissonRatesTest: patient 3 is in both groups
small <- data.frame(patient = c(1, 2, 3, 4, 3), group = factor(c("a", "a", "a", "b", "b"), levels = c("a", "b")),
                    y = c(0, 2, 4, 1, 3), t = c(1, 1, 2, 2, 1))
# simulated: 300 patients, gamma frailty (shape 0.5) shared by a patient's rows, about 30% of patients in both groups
set.seed(20261202)
n <- 300
u <- rgamma(n, shape = 0.5, rate = 0.5)
in_a <- runif(n) < 0.6
in_b <- !in_a | runif(n) < 0.3
ta <- round(runif(n, 0.1, 3), 4)
tb <- round(runif(n, 0.1, 2), 4)
sim <- rbind(data.frame(patient = which(in_a), group = "a", y = rpois(sum(in_a), 0.8 * u[in_a] * ta[in_a]), t = ta[in_a]),
             data.frame(patient = which(in_b), group = "b", y = rpois(sum(in_b), 0.5 * u[in_b] * tb[in_b]), t = tb[in_b]))
sim$group <- factor(sim$group, levels = c("a", "b"))

dh <- list(a = c(32, 104, 206, 186, 102), t1 = c(52407, 43248, 28612, 12663, 5317),
           b = c(2, 12, 28, 28, 31), t0 = c(18790, 10673, 5710, 2585, 1462))
res <- list(
  mantel_haenszel = list(
    mh("dollhill3", dh$a, dh$t1, dh$b, dh$t0),
    mh("dollhill3 90%", dh$a, dh$t1, dh$b, dh$t0, conf.level = 0.90),
    mh("sparse, a stratum without events", c(1, 0, 3), c(10.5, 2.25, 40), c(2, 0, 1), c(12, 3.5, 20.75)),
    mh("two dropped strata", c(5, 2), c(100, 30), c(4, 5), c(80, 90),
       dropped = list(list(a = 3, t1 = 12, b = 0, t0 = 0), list(a = 0, t1 = 0, b = 2, t0 = 7.5)))
  ),
  sandwich = list(sandwich_case("hand case", small), sandwich_case("simulated 300 patients", sim))
)
writeLines(toJSON(res, auto_unbox = TRUE, digits = I(15), pretty = TRUE), file.path(out, "registry-rates.json"))
