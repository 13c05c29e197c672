# Oracle values for the Bayesian normal-normal model and the binomial-normal GLMM (issue 20).
# Run from the project root:  Rscript src/test/resources/oracle/make-bayes-glmm-oracle.R
# Needs R >= 4.2, metafor 3.8-1, lme4 (Debian: r-cran-metafor r-cran-lme4) and jsonlite. Writes
# bayes-normal-normal.json and glmm-um-fs.json next to this script; README.md in this folder says what every key means.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

ref <- "src/test/resources/reference"
out <- "src/test/resources/oracle"
rd <- function(name, dir = ref) read.csv(file.path(dir, paste0(name, ".csv")), stringsAsFactors = FALSE)
write <- function(x, file) {
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, file))
}
es <- function(d, measure) {
  e <- escalc(measure = measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, add = 1/2, to = "only0",
              drop00 = TRUE)
  e[!is.na(e$yi) & !is.na(e$vi), ]
}
bcg <- rd("bcg"); li <- rd("li2007"); hine <- rd("hine1989"); sparse <- rd("sparse10", out)

# ---- 1. Bayesian normal-normal model, half-normal prior on tau, flat or normal prior on mu --------------------
# Every posterior quantity is a one-dimensional integral over tau, computed with integrate() (QUADPACK) at
# rel.tol 1e-13; quantiles are uniroot() roots (tol 1e-15) of those integrals. Independent of the Java code:
# mu given tau is normal with the inverse-variance mean and variance of weights 1/(v + tau^2) (plus the prior's
# precision), the marginal likelihood of tau is the normal likelihood with mu integrated out.
bayes <- function(y, v, tau_scale, mu_sd = Inf, mu_mean = 0, threshold = 1.25) {
  w0 <- if (is.finite(mu_sd)) 1 / mu_sd^2 else 0
  cond <- function(t) {            # mu | tau, y: mean and precision
    w <- 1 / (v + t^2)
    sw <- sum(w) + w0
    c(mean = (sum(w * y) + w0 * mu_mean) / sw, prec = sw)
  }
  loglik <- function(t) {          # log p(y | tau), mu integrated out (constants dropped)
    w <- 1 / (v + t^2)
    cm <- cond(t)
    0.5 * sum(log(w)) - 0.5 * log(cm[["prec"]]) -
      0.5 * (sum(w * (y - cm[["mean"]])^2) + w0 * (mu_mean - cm[["mean"]])^2)
  }
  logpost <- function(t) loglik(t) + dnorm(t, 0, tau_scale, log = TRUE)
  grid <- seq(0, 20 * tau_scale + 10 * sqrt(max(v)), length.out = 4001)
  lp <- sapply(grid, logpost)
  top <- max(lp)
  upper <- max(grid[lp > top - 60]) * 1.05
  dens <- function(t) sapply(t, function(s) exp(logpost(s) - top))
  integ <- function(f, lo = 0, hi = upper) integrate(f, lo, hi, rel.tol = 1e-13, abs.tol = 0, subdivisions = 10000L)$value
  z <- integ(dens)
  post <- function(t) dens(t) / z
  over_tau <- function(g) integ(function(t) sapply(t, function(s) g(s) * post(s)))
  q_root <- function(cdf, p, lo, hi) uniroot(function(x) cdf(x) - p, c(lo, hi), tol = 1e-15, maxiter = 1000)$root
  tau_cdf <- function(x) if (x <= 0) 0 else integ(post, 0, min(x, upper))
  mu_cdf <- function(x) over_tau(function(s) { cm <- cond(s); pnorm((x - cm[["mean"]]) * sqrt(cm[["prec"]])) })
  pred_cdf <- function(x) over_tau(function(s) { cm <- cond(s); pnorm((x - cm[["mean"]]) / sqrt(1 / cm[["prec"]] + s^2)) })
  # (post_mean, not mu_mean: the prior's mean is an argument that cond() reads)
  post_mean <- over_tau(function(s) cond(s)[["mean"]])
  post_sq <- over_tau(function(s) { cm <- cond(s); cm[["mean"]]^2 + 1 / cm[["prec"]] })
  span <- 50
  list(k = length(y), tau_prior_scale = tau_scale, mu_prior_sd = if (is.finite(mu_sd)) mu_sd else NA,
       mu_median = q_root(mu_cdf, 0.5, -span, span), mu_low = q_root(mu_cdf, 0.025, -span, span),
       mu_high = q_root(mu_cdf, 0.975, -span, span), mu_mean = post_mean, mu_sd = sqrt(post_sq - post_mean^2),
       tau_median = q_root(tau_cdf, 0.5, 0, upper), tau_low = q_root(tau_cdf, 0.025, 0, upper),
       tau_high = q_root(tau_cdf, 0.975, 0, upper),
       pred_low = q_root(pred_cdf, 0.025, -span, span), pred_high = q_root(pred_cdf, 0.975, -span, span),
       prob_above_1 = 1 - mu_cdf(0), threshold = threshold, prob_above_threshold = 1 - mu_cdf(log(threshold)))
}
bayes_of <- function(d, measure, ...) { e <- es(d, measure); bayes(e$yi, e$vi, ...) }
write(list(
  "bcg/RR/half-normal(0.5)/flat" = bayes_of(bcg, "RR", tau_scale = 0.5),
  "bcg/OR/half-normal(0.5)/flat" = bayes_of(bcg, "OR", tau_scale = 0.5),
  "li2007/OR/half-normal(0.5)/flat" = bayes_of(li, "OR", tau_scale = 0.5),
  "hine1989/RR/half-normal(0.5)/flat" = bayes_of(hine, "RR", tau_scale = 0.5),
  "hine1989/RR/half-normal(1)/normal(0,4)" = bayes_of(hine, "RR", tau_scale = 1, mu_sd = 4),
  "sparse10/OR/half-normal(0.5)/flat" = bayes_of(sparse, "OR", tau_scale = 0.5),
  "hine1989-first1/RR/half-normal(0.5)/flat" = bayes_of(hine[1, ], "RR", tau_scale = 0.5)
), "bayes-normal-normal.json")

# ---- 2. binomial-normal GLMM, fixed study effects, random treatment effect (metafor UM.FS, lme4, nAGQ = 7) -----
# lme4's logLik for nAGQ > 1 is not the marginal likelihood (bcg: -70.97, where integrate() over each study's random
# effect gives -88.64 at the same estimates, and a direct glmer() refit reports -19.47), so the likelihood at metafor's
# estimates is recomputed here: each study's integral by integrate() (rel.tol 1e-10), its intercept by optimize()
# (tol 1e-10), binomial coefficients included. A maximiser must reach at least this value.
loglik_at <- function(d, mu, tau2) {
  tau <- sqrt(tau2)
  one <- function(a, x1, n1, x0, n0) {
    if (tau == 0) return(dbinom(x1, n1, plogis(a + mu), log = TRUE) + dbinom(x0, n0, plogis(a), log = TRUE))
    lf <- function(u) dbinom(x1, n1, plogis(a + mu + u / 2), log = TRUE) + dbinom(x0, n0, plogis(a - u / 2), log = TRUE) +
      dnorm(u, 0, tau, log = TRUE)
    top <- optimize(lf, c(-10 * tau, 10 * tau), maximum = TRUE)$objective
    top + log(integrate(function(u) exp(lf(u) - top), -12 * tau, 12 * tau, rel.tol = 1e-10, subdivisions = 1000L)$value)
  }
  keep <- d$ai + d$ci > 0 & d$ai + d$ci < d$n1i + d$n2i
  d <- d[keep, ]
  sum(sapply(seq_len(nrow(d)), function(i)
    -optimize(function(a) -one(a, d$ai[i], d$n1i[i], d$ci[i], d$n2i[i]), c(-20, 10), tol = 1e-10)$objective))
}
glmm_of <- function(d) {
  m <- rma.glmm(measure = "OR", ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, model = "UM.FS", method = "ML")
  list(k = m$k, loglik_integrate = loglik_at(d, c(m$beta), m$tau2), log_estimate = unname(c(m$beta)), se = m$se, zval = m$zval, pval = m$pval, ci_lb = m$ci.lb,
       ci_ub = m$ci.ub, tau2 = m$tau2, I2 = m$I2, H2 = m$H2, QE_Wld = m$QE.Wld, QE_LRT = m$QE.LRT, QEp_LRT = m$QEp.LRT,
       loglik = unname(c(logLik(m))))
}
write(list(bcg = glmm_of(bcg), li2007 = glmm_of(li), hine1989 = glmm_of(hine), sparse10 = glmm_of(sparse)),
      "glmm-um-fs.json")
