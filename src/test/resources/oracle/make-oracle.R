# Oracle values for the io.aepool.stats methods that have no key in src/test/resources/reference/*.metafor.json.
# Run from the project root:  Rscript src/test/resources/oracle/make-oracle.R
# Needs R >= 4.2, metafor 3.8-1, BiasedUrn (for rma.glmm CM.EL) and jsonlite. Writes the JSON files next to this
# script; see README.md in this folder for what every key means.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
  library(BiasedUrn)
})

ref <- "src/test/resources/reference"
out <- "src/test/resources/oracle"
rd <- function(name, dir = ref) read.csv(file.path(dir, paste0(name, ".csv")), stringsAsFactors = FALSE)
write <- function(x, file) {
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), file.path(out, file))
}

# escalc conventions of reference/README.md: 0.5 added to every cell of a study with a zero cell, ratio measures
# drop double-zero (and double-all) studies; only studies with a usable effect enter the model.
es <- function(d, measure) {
  e <- escalc(measure = measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, add = 1/2, to = "only0",
              drop00 = measure != "RD")
  e$study <- d$study
  e$ni <- d$n1i + d$n2i
  if (!is.null(d$year)) e$year <- d$year
  if (!is.null(d$group)) e$group <- d$group
  e[!is.na(e$yi) & !is.na(e$vi), ]
}

bcg <- rd("bcg"); li <- rd("li2007"); hine <- rd("hine1989")
sparse <- rd("sparse10", out)

# ---- 1a. influence diagnostics and Baujat coordinates ---------------------------------------------------------
influence_of <- function(e, method) {
  m <- rma(yi, vi, data = e, method = method)
  inf <- influence(m)
  b <- baujat(m)
  dev.off()
  list(study = e$study,
       rstudent = unname(inf$inf$rstudent), dffits = unname(inf$inf$dffits), cook_d = unname(inf$inf$cook.d),
       cov_r = unname(inf$inf$cov.r), tau2_del = unname(inf$inf$tau2.del), qe_del = unname(inf$inf$QE.del),
       hat = unname(inf$inf$hat), weight = unname(inf$inf$weight), dfbs = unname(inf$dfbs$intrcpt),
       inf = unname(inf$is.infl), baujat_x = b$x, baujat_y = b$y)
}
pdf(NULL)
write(list(
  "bcg/RR/DL" = influence_of(es(bcg, "RR"), "DL"),
  "bcg/RR/FE" = influence_of(es(bcg, "RR"), "FE"),
  "li2007/OR/DL" = influence_of(es(li, "OR"), "DL"),
  "li2007/OR/FE" = influence_of(es(li, "OR"), "FE")
), "influence.json")

# ---- 1b. meta-regression ---------------------------------------------------------------------------------------
metareg <- function(m) {
  list(k = m$k, coef = unname(c(m$beta)), se = unname(m$se), zval = unname(m$zval), pval = unname(m$pval),
       ci_lb = unname(m$ci.lb), ci_ub = unname(m$ci.ub), tau2 = m$tau2, I2 = m$I2,
       R2 = if (is.null(m$R2)) NA else m$R2, QE = m$QE, QEp = m$QEp, QM = m$QM, QMp = m$QMp)
}
e <- es(bcg, "RR")
mr <- list()
for (meth in c("FE", "DL", "REML")) {
  mr[[paste0("bcg/RR/year/", meth)]] <- metareg(rma(yi, vi, mods = ~ year, data = e, method = meth))
  mr[[paste0("bcg/RR/group/", meth)]] <- metareg(rma(yi, vi, mods = ~ factor(group), data = e, method = meth))
}
write(mr, "metareg.json")

# ---- 1c. trim and fill, R0 estimator ---------------------------------------------------------------------------
tf <- function(e, method) {
  m <- rma(yi, vi, data = e, method = method)
  t <- trimfill(m, estimator = "R0")
  list(k0 = t$k0, se_k0 = t$se.k0, side = t$side, k = t$k, log_estimate = c(t$beta), se = t$se,
       ci_lb = t$ci.lb, ci_ub = t$ci.ub, pval = t$pval, tau2 = t$tau2, QE = t$QE)
}
tfo <- list()
for (d in list(list("bcg", bcg, "RR"), list("bcg", bcg, "OR"), list("li2007", li, "OR"), list("hine1989", hine, "RD"))) {
  for (meth in c("FE", "DL")) {
    tfo[[paste(d[[1]], d[[3]], meth, sep = "/")]] <- tf(es(d[[2]], d[[3]]), meth)
  }
}
write(tfo, "trimfill-r0.json")

# ---- 1d. Peters' test: regtest(model = "lm", predictor = "ninv") on the fixed-effect input -------------------------
peters <- function(e) {
  m <- rma(yi, vi, ni = ni, data = e, method = "FE")
  r <- regtest(m, model = "lm", predictor = "ninv")
  list(k = m$k, t = unname(r$zval), df = unname(r$dfs), pval = unname(r$pval), limit_estimate = unname(r$est),
       slope = unname(coef(r$fit)[2]))
}
po <- list()
for (d in list(list("bcg", bcg, "RR"), list("bcg", bcg, "OR"), list("li2007", li, "OR"), list("li2007", li, "RD"),
               list("hine1989", hine, "OR"))) {
  po[[paste(d[[1]], d[[2 + 1]], sep = "/")]] <- peters(es(d[[2]], d[[3]]))
}
write(po, "peters.json")

# ---- 1e. exact conditional logistic (fixed-effect) odds ratio ----------------------------------------------------
# metafor rma.glmm(model = "CM.EL", method = "EE") maximises the product of noncentral hypergeometric densities
# (BiasedUrn dFNCHypergeo, precision 1e-7) with nlminb (rel.tol 1e-10) and takes the se from a numerical Hessian:
# its estimate is accurate to about 1e-6 relative, its se only to about 1e-4 (and not at all for li2007, where the
# mega-trial defeats the numerical Hessian). 'exact_*' solve the conditional score equation directly (uniroot on
# the exact moments of the noncentral hypergeometric distributions, tol 1e-13) and take se = 1/sqrt(information).
cm <- function(d) {
  m <- rma.glmm(measure = "OR", ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, model = "CM.EL", method = "EE")
  # informative studies: both margins non-degenerate
  t1 <- d$ai + d$ci; n1 <- d$n1i; n2 <- d$n2i
  keep <- t1 > 0 & t1 < n1 + n2
  moments <- function(psi) {
    mu <- 0; v <- 0
    for (i in which(keep)) {
      lo <- max(0, t1[i] - n2[i]); hi <- min(n1[i], t1[i])
      x <- lo:hi
      lw <- lchoose(n1[i], x) + lchoose(n2[i], t1[i] - x) + x * psi
      p <- exp(lw - max(lw)); p <- p / sum(p)
      m1 <- sum(x * p); mu <- mu + m1; v <- v + sum((x - m1)^2 * p)
    }
    c(mu, v)
  }
  obs <- sum(d$ai[keep])
  root <- uniroot(function(psi) obs - moments(psi)[1], c(-20, 20), tol = 1e-13)$root
  se <- 1 / sqrt(moments(root)[2])
  list(k = sum(keep), log_estimate = c(m$beta), se = m$se, zval = m$zval, pval = m$pval,
       ci_lb = m$ci.lb, ci_ub = m$ci.ub, exact_log_estimate = root, exact_se = se)
}
write(list(bcg = cm(bcg), li2007 = cm(li), hine1989 = cm(hine), sparse10 = cm(sparse)), "conditional-logistic.json")

cat("R", R.version$major, ".", R.version$minor, ", metafor ", as.character(packageVersion("metafor")),
    ", BiasedUrn ", as.character(packageVersion("BiasedUrn")), "\n", sep = "")

# Subgroups sharing one tau²: per-subgroup estimates are the coefficients of the no-intercept model on the
# subgroup factor (R meta tau.common = TRUE); QM of the model with intercept is the test (metareg.json).
common <- list()
for (measure in c("RR", "OR")) {
  e <- es(bcg, measure)
  for (method in c("DL", "REML")) {
    m <- rma(yi, vi, mods = ~ factor(group) - 1, data = e, method = method)
    common[[paste("bcg", measure, method, sep = "/")]] <- list(
      groups = sub("factor\\(group\\)", "", rownames(m$beta)), tau2 = m$tau2,
      estimate = as.vector(m$beta), se = m$se, pval = m$pval, ci_lb = m$ci.lb, ci_ub = m$ci.ub,
      k = as.vector(table(e$group)[sub("factor\\(group\\)", "", rownames(m$beta))]))
  }
}
write(common, "subgroup-common-tau2.json")
