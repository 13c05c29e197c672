# Oracle values for the network meta-analysis (issue 20): metafor 3.8-1 rma.mv on the smoking-cessation network of
# Hasselblad (1998) (metadat dat.hasselblad1998: 24 studies, 4 treatments, two three-arm trials), written to
# hasselblad1998.csv here and read back. Run from the project root:
#   Rscript src/test/resources/oracle/make-network-oracle.R
# Needs R >= 4.2, metafor 3.8-1 (Debian r-cran-metafor) and jsonlite; writes network-hasselblad1998.json.
#
# The model (contrast-based, one tau^2; Salanti 2008; Lu & Ades 2004): each study's arms give contrasts against its
# first arm in treatment order (the reference treatment first when the study has it), with the within-study
# covariance of contrasts sharing that arm (its variance off the diagonal), random effects with variance tau^2 and
# covariance tau^2/2 between the contrasts of a study (rma.mv struct = "CS", rho = 1/2), REML.
# Zero cells: a study with an arm without events (or with only events) has 0.5 added to every cell of every arm.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
out <- "src/test/resources/oracle"
d <- read.csv(file.path(out, "hasselblad1998.csv"), stringsAsFactors = FALSE)
reference <- "no_contact"
nodes <- c(reference, sort(setdiff(unique(d$trt), reference)))

network <- function(d, measure) {
  rows <- list(); V <- list(); design <- c()
  for (s in unique(d$study)) {
    a <- d[d$study == s, ]
    a <- a[order(match(a$trt, nodes)), ]
    x <- a$xi; n <- a$ni
    if (any(x == 0 | x == n)) { x <- x + 0.5; n <- n + 1 }
    if (measure == "OR") { l <- log(x / (n - x)); v <- 1 / x + 1 / (n - x) } else { l <- log(x / n); v <- 1 / x - 1 / n }
    m <- length(l) - 1
    for (j in 2:length(l)) rows[[length(rows) + 1]] <- data.frame(study = s, base = a$trt[1], trt = a$trt[j], yi = l[j] - l[1],
                                                                 design = paste(a$trt, collapse = ":"))
    V[[length(V) + 1]] <- matrix(v[1], m, m) + diag(v[-1], m)
  }
  dat <- do.call(rbind, rows)
  Vm <- bldiag(V)
  X <- sapply(nodes[-1], function(t) (dat$trt == t) - (dat$base == t))
  dat$contr <- paste(dat$base, dat$trt, sep = "-")
  re <- rma.mv(dat$yi, Vm, mods = X, intercept = FALSE, random = ~ contr | study, struct = "CS", rho = 1/2,
               data = dat, method = "REML", control = list(rel.tol = 1e-10, iter.max = 10000))
  # nlminb stops short of the REML maximum by ~1e-6 relative (OR: 0.4502296 where the score's root is 0.4502301):
  # the maximum of the restricted log-likelihood at fixed tau^2 (rma.mv(tau2 = t)), by optimize() to 1e-12, is
  # recorded beside it
  reml_at <- function(t) c(logLik(rma.mv(dat$yi, Vm, mods = X, intercept = FALSE, random = ~ contr | study,
                                         struct = "CS", rho = 1/2, tau2 = t, data = dat, method = "REML")))
  tau2_refined <- optimize(reml_at, re$tau2 * c(0.999, 1.001), maximum = TRUE, tol = 1e-12)$maximum
  fe <- rma.mv(dat$yi, Vm, mods = X, intercept = FALSE, data = dat, method = "FE")
  # design-by-treatment interaction model (Higgins 2012): every design its own contrasts
  dcols <- unique(paste(dat$design, dat$trt, sep = "|"))
  Xd <- sapply(dcols, function(k) as.numeric(paste(dat$design, dat$trt, sep = "|") == k))
  dbt <- rma.mv(dat$yi, Vm, mods = Xd, intercept = FALSE, data = dat, method = "FE")
  league <- function(m) {
    b <- c(0, c(m$beta)); vc <- matrix(0, length(nodes), length(nodes)); vc[-1, -1] <- m$vb
    out <- list()
    for (i in seq_along(nodes)) for (j in seq_along(nodes)) if (i < j) {
      out[[length(out) + 1]] <- list(first = nodes[i], second = nodes[j], log_estimate = b[i] - b[j],
                                     se = sqrt(vc[i, i] + vc[j, j] - 2 * vc[i, j]))
    }
    out
  }
  list(nodes = nodes, reference = reference, k_studies = length(unique(d$study)), contrasts = nrow(dat),
       tau2 = re$tau2, tau2_refined = tau2_refined, reml_loglik_at_tau2 = reml_at(re$tau2),
       reml_loglik_at_refined = reml_at(tau2_refined), re_beta = unname(c(re$beta)), re_se = unname(re$se), re_loglik_reml = unname(c(logLik(re))),
       fe_beta = unname(c(fe$beta)), fe_se = unname(fe$se),
       q_total = fe$QE, q_total_df = nrow(dat) - (length(nodes) - 1),
       q_within_designs = dbt$QE, q_within_designs_df = nrow(dat) - length(dcols),
       league_re = league(re), league_fe = league(fe))
}
writeLines(toJSON(list(OR = network(d, "OR"), RR = network(d, "RR")), auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(out, "network-hasselblad1998.json"))
