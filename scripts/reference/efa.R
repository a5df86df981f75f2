#!/usr/bin/env Rscript
# Reference values for exploratory factor analysis (src/stats/efa.rs, src/stats/rotation.rs), from psych::fa.
#
# Usage (from the repository root):  Rscript scripts/reference/efa.R tests/fixtures/structure
# Needs: R with psych, GPArotation and jsonlite (Debian: apt-get install r-cran-psych r-cran-gparotation r-cran-jsonlite).
#
# Data: HolzingerSwineford1939.csv (lavaan's data set, 301 students), items x1..x9, 3 factors.
# Writes efa_psych.json: for each (fm, rotate) fit the loadings (after psych's own sign and column order:
# columns flipped so that each column sum is positive, then ordered by decreasing variance accounted for),
# Phi, uniquenesses, communalities, chi-square (STATISTIC), dof, RMSEA with its 90% CI, TLI; plus the
# eigenvalues of R and of R with squared multiple correlations on the diagonal, and
# fa.parallel(fa = "fa", SMC = TRUE) on this data; and a 1-factor ML fit of the polychoric correlations of
# the ordinal items o1..o4 of dif_data.csv (written by scripts/reference/dif.R).
suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
fixtures <- if (length(args) >= 1) args[1] else "fixtures"
hs <- read.csv(file.path(fixtures, "HolzingerSwineford1939.csv"))
x <- hs[, paste0("x", 1:9)]
fits <- list()
for (fm in c("ml", "minres")) {
  for (rot in c("oblimin", "promax", "varimax", "none")) {
    f <- fa(x, nfactors = 3, fm = fm, rotate = rot)
    L <- unclass(f$loadings)
    fits[[length(fits) + 1]] <- list(
      fm = fm, rotate = rot,
      loadings = unname(L), # rows = items, columns = factors
      phi = if (is.null(f$Phi)) NULL else unname(f$Phi),
      uniquenesses = unname(f$uniquenesses),
      communality = unname(f$communality),
      chisq = f$STATISTIC, dof = f$dof, objective = f$objective,
      rmsea = unname(f$RMSEA[1:3]), tli = f$TLI
    )
  }
}
# Polychoric EFA (psych's polychoric, correct = 0.5) on the four 3-category items of the DIF fixture, 1 factor, ML.
ord <- read.csv(file.path(fixtures, "dif_data.csv"))[, paste0("o", 1:4)]
fp <- fa(ord, nfactors = 1, fm = "ml", cor = "poly")
poly <- list(loadings = as.vector(unclass(fp$loadings)), uniquenesses = unname(fp$uniquenesses),
             rho = unname(polychoric(ord)$rho), chisq = fp$STATISTIC, dof = fp$dof)
r <- cor(x)
rs <- r
diag(rs) <- smc(r)
set.seed(20261130)
pa <- fa.parallel(x, fa = "fa", SMC = TRUE, n.iter = 20, plot = FALSE)
out <- list(
  r_version = R.version.string, psych = as.character(packageVersion("psych")),
  gparotation = as.character(packageVersion("GPArotation")),
  n = nrow(x), items = names(x), fits = fits,
  eigen_pc = eigen(r)$values, eigen_fa_smc = eigen(rs)$values,
  parallel_nfact = pa$nfact, parallel_fa_values = pa$fa.values, polychoric = poly
)
write(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", pretty = TRUE), file.path(fixtures, "efa_psych.json"))
