#!/usr/bin/env Rscript
# Reference values for confirmatory factor analysis (src/stats/cfa/, `checkval stat cfa`), from lavaan.
#
# Usage (from the repository root):
#   Rscript scripts/reference/cfa.R /work/shared/reference-data/HolzingerSwineford1939.csv tests/fixtures/cfa
# Needs: R with lavaan and jsonlite (Debian: apt-get install r-cran-lavaan r-cran-jsonlite).
#
# Writes to the fixtures directory:
#   hs.csv                  the nine Holzinger-Swineford (1939) ability tests x1..x9 (n = 301)
#   hs_ml.json              lavaan ML fit of the classic 3-factor model: fit measures, std.all loadings with SEs,
#                           factor correlations, the 10 largest modification indices
#   binary3x4.csv           simulated: 3 correlated factors x 4 binary items (two cross-loadings the fitted model
#                           omits), n = 500, seed 20261130
#   binary3x4_wlsmv.json    lavaan WLSMV fit (ordered = all items): estimates, robust SEs, chisq, chisq.scaled,
#                           cfi/tli/rmsea scaled, srmr, std.all loadings, thresholds, polychoric correlations
#   zero_cell.csv           y1..y4 of binary3x4 plus a rare item r whose table with y1 has an empty cell
#   zero_cell_wlsmv.json    lavaan WLSMV one-factor fit and lavCor of it (lavaan's 0.5 empty-cell correction)
#   bench_binary48.csv      simulated: 5 factors, 48 binary items, n = 1000, seed 20261131 (benchmark data;
#                           the lavaan time of the same fit is printed, not stored)
suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
hs_path <- if (length(args) >= 1) args[1] else "HolzingerSwineford1939.csv"
out <- if (length(args) >= 2) args[2] else "fixtures"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

fit_json <- function(fit, fm_names) {
  fm <- fitMeasures(fit, fm_names)
  pe <- parameterEstimates(fit)
  ss <- standardizedSolution(fit, type = "std.all")
  list(
    lavaan_version = as.character(packageVersion("lavaan")),
    R_version = R.version.string,
    converged = lavInspect(fit, "converged"),
    fit = as.list(setNames(as.numeric(fm), names(fm))),
    estimates = data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se),
    std_all = data.frame(lhs = ss$lhs, op = ss$op, rhs = ss$rhs, est = ss$est.std, se = ss$se)
  )
}

# Holzinger-Swineford, ML.
hs <- read.csv(hs_path)
hs9 <- hs[, paste0("x", 1:9)]
write.csv(hs9, file.path(out, "hs.csv"), row.names = FALSE)
hs_model <- "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
fit <- cfa(hs_model, data = hs9, estimator = "ML")
res <- fit_json(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
                       "srmr", "aic", "bic", "logl", "npar", "baseline.chisq", "baseline.df"))
mi <- modindices(fit, sort. = TRUE, maximum.number = 10)
res$modindices <- data.frame(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, mi = mi$mi, epc = mi$epc)
fit_lv <- cfa(hs_model, data = hs9, estimator = "ML", std.lv = TRUE)
res$std_lv <- fit_json(fit_lv, c("chisq", "df"))
write_json(res, file.path(out, "hs_ml.json"), digits = NA, pretty = TRUE)

# Binary items: 3 correlated factors x 4 items, n = 500.
sim_binary <- function(n, loadings, phi, taus, seed) {
  set.seed(seed)
  k <- ncol(loadings)
  eta <- matrix(rnorm(n * k), n, k) %*% chol(phi)
  ystar <- eta %*% t(loadings) + matrix(rnorm(n * nrow(loadings)), n, nrow(loadings)) %*%
    diag(sqrt(1 - rowSums((loadings %*% phi) * loadings)))
  y <- sapply(seq_len(ncol(ystar)), function(j) as.integer(ystar[, j] > taus[j]))
  colnames(y) <- paste0("y", seq_len(ncol(y)))
  as.data.frame(y)
}
lam <- matrix(0, 12, 3)
lam[1:4, 1] <- c(0.8, 0.7, 0.6, 0.75)
lam[5:8, 2] <- c(0.7, 0.65, 0.8, 0.55)
lam[9:12, 3] <- c(0.6, 0.75, 0.7, 0.8)
lam[4, 2] <- 0.35 # cross-loadings the fitted model leaves out, so that it misfits a little
lam[10, 1] <- 0.4
phi <- matrix(c(1, 0.4, 0.3, 0.4, 1, 0.5, 0.3, 0.5, 1), 3, 3)
taus <- c(-0.5, 0, 0.4, 0.8, -1, -0.3, 0.2, 0.6, -0.2, 0.1, 0.9, -0.7)
bin <- sim_binary(500, lam, phi, taus, 20261130)
write.csv(bin, file.path(out, "binary3x4.csv"), row.names = FALSE)
bin_model <- "f1 =~ y1 + y2 + y3 + y4; f2 =~ y5 + y6 + y7 + y8; f3 =~ y9 + y10 + y11 + y12"
fitb <- cfa(bin_model, data = bin, ordered = names(bin), estimator = "WLSMV")
resb <- fit_json(fitb, c("chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
                         "chisq.scaling.factor", "baseline.chisq", "baseline.chisq.scaled", "cfi", "tli",
                         "cfi.scaled", "tli.scaled", "rmsea", "rmsea.scaled", "srmr", "srmr_bentler", "ntotal"))
resb$polychoric <- lavCor(bin, ordered = names(bin))[upper.tri(diag(12))]
resb$sample_thresholds <- as.numeric(lavInspect(fitb, "sampstat")$th)
resb$wls_v_diag <- as.numeric(diag(lavInspect(fitb, "WLS.V")))
resb$nacov_diag <- as.numeric(diag(lavInspect(fitb, "gamma")))
fitb_lv <- cfa(bin_model, data = bin, ordered = names(bin), estimator = "WLSMV", std.lv = TRUE)
resb$std_lv <- fit_json(fitb_lv, c("chisq", "chisq.scaled"))
write_json(resb, file.path(out, "binary3x4_wlsmv.json"), digits = NA, pretty = TRUE)

# Empty cells: a rare item r (endorsed only when y1 is) makes the r x y1 table have one empty cell,
# which lavaan corrects by moving 0.5 between cells (zero.add = 0.5, keeping the margins).
set.seed(20261132)
zc <- bin[, c("y1", "y2", "y3", "y4")]
zc$r <- as.integer(zc$y1 == 1 & runif(nrow(zc)) < 0.08)
write.csv(zc, file.path(out, "zero_cell.csv"), row.names = FALSE)
fitz <- cfa("f =~ y1 + y2 + y3 + y4 + r", data = zc, ordered = names(zc), estimator = "WLSMV")
resz <- fit_json(fitz, c("chisq", "df", "chisq.scaled", "cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr"))
resz$polychoric <- lavCor(zc, ordered = names(zc))[upper.tri(diag(5))]
resz$table_r_y1 <- as.vector(table(zc$r, zc$y1))
write_json(resz, file.path(out, "zero_cell_wlsmv.json"), digits = NA, pretty = TRUE)

# Benchmark data: 5 factors, 48 binary items (10, 10, 10, 9, 9), n = 1000.
sizes <- c(10, 10, 10, 9, 9)
lam48 <- matrix(0, 48, 5)
set.seed(20261131)
start <- 0
for (f in 1:5) {
  lam48[start + seq_len(sizes[f]), f] <- runif(sizes[f], 0.5, 0.8)
  start <- start + sizes[f]
}
phi5 <- matrix(0.4, 5, 5); diag(phi5) <- 1
big <- sim_binary(1000, lam48, phi5, runif(48, -1, 1), 20261131)
write.csv(big, file.path(out, "bench_binary48.csv"), row.names = FALSE)
start <- 0
terms <- character(5)
for (f in 1:5) {
  terms[f] <- paste0("f", f, " =~ ", paste(names(big)[start + seq_len(sizes[f])], collapse = " + "))
  start <- start + sizes[f]
}
big_model <- paste(terms, collapse = "; ")
cat("bench model:", big_model, "\n")
tm <- system.time(fit48 <- cfa(big_model, data = big, ordered = names(big), estimator = "WLSMV"))
cat("lavaan WLSMV 48 binary items x 5 factors, n = 1000:", tm[["elapsed"]], "s elapsed\n")
print(fitMeasures(fit48, c("chisq", "chisq.scaled", "cfi.scaled", "rmsea.scaled")), digits = 10)
