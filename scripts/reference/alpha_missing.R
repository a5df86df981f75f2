#!/usr/bin/env Rscript
# Reference values for Cronbach's α with missing item values, pairwise and listwise
# (tests/fixtures/reference/alpha_missing.json), on psychTools::bfi A1–A5 + C1–C5 with
# A1, C4, C5 reversed (7 − x), NAs kept (tests/fixtures/reference/bfi_ac.csv).
# Needs Debian packages: r-cran-psych r-cran-psychtools r-cran-lavaan r-cran-jsonlite
# Run from the repository root:  Rscript scripts/reference/alpha_missing.R
# then  python3 scripts/reference/alpha_missing.py  (adds pingouin's values to the same JSON).
#
# psych::alpha's defaults (use = "pairwise") are the pairwise reference: C = cov(x, use =
# "pairwise"); raw α = k/(k − 1)(1 − tr C / ΣC); std.alpha from cov2cor(C); alpha.drop from
# C[−i, −i]; r.drop = (ΣC[, i] − C[i, i]) / sqrt(C[i, i] ΣC[−i, −i]); item means and SDs over
# each item's answered values; the Feldt CI (alpha.ci) with n = nrow(x). Listwise is psych::alpha
# on the complete rows (na.omit), where every statistic uses the same rows.
suppressPackageStartupMessages({library(psych); library(psychTools); library(lavaan); library(jsonlite)})
fix <- "tests/fixtures/reference"

x <- psychTools::bfi[, c(paste0("A", 1:5), paste0("C", 1:5))]
for (v in c("A1", "C4", "C5")) x[[v]] <- 7 - x[[v]]
rownames(x) <- NULL
write.csv(x, file.path(fix, "bfi_ac.csv"), row.names = FALSE, na = "")
k <- ncol(x)

# omega total from a one-factor ML CFA (lavaan) of a covariance matrix (covariance metric)
omega_cov <- function(S, n) {
  model <- paste("f =~", paste(colnames(S), collapse = " + "))
  fit <- cfa(model, sample.cov = S, sample.nobs = n, std.lv = TRUE, estimator = "ML")
  pe <- parameterEstimates(fit)
  lam <- pe$est[pe$op == "=~"]; th <- pe$est[pe$op == "~~" & pe$lhs == pe$rhs & pe$lhs != "f"]
  sum(lam)^2 / (sum(lam)^2 + sum(th))
}

# ordinal alpha: psych polychoric (global thresholds from each item's answered values, tables on
# the pairs where both items are answered); and the same objective optimised tightly
polyF <- get("polyF", envir = asNamespace("psych"))
ordinal <- function(d) {
  pc <- psych::polychoric(d, correct = 0)$rho
  R <- diag(k)
  tau <- lapply(d, function(v) { v <- v[!is.na(v)]; p <- cumsum(table(v)) / length(v); qnorm(p[-length(p)]) })
  for (i in 1:(k - 1)) for (j in (i + 1):k) {
    tab <- table(d[[i]], d[[j]]); tab <- tab / sum(tab)
    R[i, j] <- R[j, i] <- optimize(polyF, c(-1, 1), rc = tau[[i]], cc = tau[[j]], tab = tab, tol = 1e-12)$minimum
  }
  list(ordinal_alpha_psych = psych::alpha(pc, warnings = FALSE)$total$raw_alpha,
       ordinal_alpha_precise = (k / (k - 1)) * (1 - k / sum(R)))
}

summarise <- function(a, d, S) {
  pw <- crossprod(!is.na(as.matrix(d)))
  c(list(n_obs = nrow(d), n_complete = sum(complete.cases(d)), min_pairwise_n = min(pw),
         raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
         feldt = c(a$feldt$lower.ci[[1]], a$feldt$upper.ci[[1]]),
         alpha_drop = a$alpha.drop$raw_alpha, std_alpha_drop = a$alpha.drop$std.alpha,
         r_drop = a$item.stats$r.drop, item_n = a$item.stats$n,
         item_mean = a$item.stats$mean, item_sd = a$item.stats$sd,
         omega_total = omega_cov(S, nrow(d))), ordinal(d))
}

a_pw <- psych::alpha(x, warnings = FALSE)                 # use = "pairwise" (the default)
cc <- na.omit(x)
a_lw <- psych::alpha(cc, warnings = FALSE)
# use = "complete.obs" gives the same α as na.omit (item means/SDs and n would still use all rows)
stopifnot(abs(psych::alpha(x, use = "complete.obs", warnings = FALSE)$total$raw_alpha - a_lw$total$raw_alpha) < 1e-12)

# The demo study's checklist total on primary observations, coded as the spec says: Sí = 1,
# No = 0, ordinal items 0–2; "No aplica" and blanks missing; cl05, se05, co05, le05, ap05 reversed
# (max − x). The study pipeline's α (`checkval reliability`) must match psych on it.
dm <- read.csv("data-samples/demo-150/checklist.csv", check.names = FALSE, colClasses = "character",
               encoding = "UTF-8")
dm <- dm[dm$rol == "principal", ]
cols <- grep("^(clima|sensibilidad|conducta|lenguaje|aprendizaje)-", names(dm), value = TRUE)
demo <- as.data.frame(lapply(dm[cols], function(v) {
  v[v == "Sí"] <- "1"; v[v == "No"] <- "0"; v[v %in% c("No aplica", "")] <- NA; as.numeric(v)
}))
names(demo) <- sub(".*-", "", cols)
for (r in c("cl05", "se05", "co05", "le05", "ap05")) demo[[r]] <- max(demo[[r]], na.rm = TRUE) - demo[[r]]
demo_total <- list(n_obs = nrow(demo), n_complete = sum(complete.cases(demo)),
                   pairwise = psych::alpha(demo, warnings = FALSE)$total$raw_alpha,
                   listwise = psych::alpha(na.omit(demo), warnings = FALSE)$total$raw_alpha)

out <- list(
  versions = list(R = paste(R.version$major, R.version$minor, sep = "."),
                  psych = as.character(packageVersion("psych")),
                  psychTools = as.character(packageVersion("psychTools")),
                  lavaan = as.character(packageVersion("lavaan"))),
  items = names(x), reversed = c("A1", "C4", "C5"),
  pairwise = summarise(a_pw, x, cov(x, use = "pairwise")),
  listwise = summarise(a_lw, cc, cov(cc)),
  demo_total = demo_total
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(fix, "alpha_missing.json"))
cat("wrote bfi_ac.csv and alpha_missing.json\n")
