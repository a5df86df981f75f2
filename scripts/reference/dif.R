#!/usr/bin/env Rscript
# Reference values for DIF (src/stats/dif.rs) on a simulated fixture with planted DIF.
#
# Usage (from the repository root):  Rscript scripts/reference/dif.R tests/fixtures/structure
# Needs: R with MASS and jsonlite. difR is not packaged for Debian, so the references are R's own
# mantelhaen.test, glm and MASS::polr, applied the way difR's difMH / difLogistic apply them:
# - matching score = the sum of the anchor items plus the studied item (all items before purification);
# - MH: strata with fewer than 2 persons dropped; mantelhaen.test(correct = TRUE) on the 2 × 2 × K table
#   (rows reference/focal, columns correct/incorrect): statistic, p, common odds ratio, and the
#   Robins–Breslow–Greenland SE of log(alpha) recovered from its 95% CI; Delta_MH = −2.35 log(alpha);
# - purification (difR): flag items with MH p < .05, re-match on the unflagged items (plus the studied
#   item), repeat until the flagged set does not change (at most 10 iterations);
# - logistic DIF (Swaminathan & Rogers 1990): glm(y ~ S), glm(y ~ S + G), glm(y ~ S * G), binomial;
#   likelihood-ratio statistics for uniform (1 df), non-uniform (1 df) and both (2 df); Nagelkerke R²
#   of each model from logLik against the intercept-only model;
# - ordinal items: the same with MASS::polr(factor(y) ~ ..., method = "logistic").
# Writes dif_data.csv (600 persons: group R/F, binary items i1..i10, ordinal items o1..o4 scored 0..2)
# and dif_reference.json.
suppressPackageStartupMessages({ library(MASS); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
fixtures <- if (length(args) >= 1) args[1] else "fixtures"
set.seed(20261130)
n <- 600
g <- rep(c("R", "F"), each = n / 2); foc <- as.numeric(g == "F")
theta <- rnorm(n, mean = ifelse(foc == 1, -0.3, 0))
a <- c(1.2, 0.8, 1.0, 1.5, 0.9, 1.1, 1.3, 0.7, 1.0, 1.2)
b <- c(-1.5, -1, -0.5, 0, 0.3, 0.6, 1, -0.2, 0.4, -0.8)
bi <- sapply(1:10, function(j) {
  bj <- b[j] + if (j == 3) 0.9 * foc else 0 # item 3: uniform DIF against the focal group
  aj <- a[j] * if (j == 7) ifelse(foc == 1, 0.3, 1.6) else 1 # item 7: non-uniform DIF
  rbinom(n, 1, plogis(aj * (theta - bj)))
})
colnames(bi) <- paste0("i", 1:10)
ord <- sapply(1:4, function(j) {
  shift <- if (j == 2) 0.8 * foc else 0 # ordinal item 2: uniform DIF
  eta <- 1.2 * theta - shift
  u <- runif(n)
  p1 <- plogis(-0.5 - eta); p2 <- plogis(0.8 - eta)
  ifelse(u < p1, 0, ifelse(u < p2, 1, 2))
})
colnames(ord) <- paste0("o", 1:4)
dat <- data.frame(group = g, bi, ord)
write.csv(dat, file.path(fixtures, "dif_data.csv"), row.names = FALSE, quote = FALSE)

mh <- function(X, item, anchor) {
  S <- rowSums(X[, union(anchor, item), drop = FALSE])
  keep <- S %in% as.numeric(names(which(table(S) > 1)))
  y <- X[keep, item]; s <- S[keep]; G <- factor(g[keep], levels = c("R", "F"))
  tab <- table(G, factor(y, levels = c(1, 0)), factor(s))
  t <- mantelhaen.test(tab, correct = TRUE)
  se <- (log(t$conf.int[2]) - log(t$estimate)) / qnorm(0.975)
  list(chisq = unname(t$statistic), p = t$p.value, alpha = unname(t$estimate), delta = -2.35 * log(unname(t$estimate)),
       se_delta = 2.35 * se)
}
mh_all <- function(X, anchor) lapply(1:ncol(X), function(j) mh(X, j, anchor))
mh_purified <- function(X) {
  flagged <- integer(0)
  for (it in 1:10) {
    anchor <- setdiff(1:ncol(X), flagged)
    res <- mh_all(X, anchor)
    new <- which(sapply(res, function(r) r$p) < 0.05)
    if (identical(new, flagged)) break
    flagged <- new
  }
  list(results = res, flagged = flagged, iterations = it)
}
nagel <- function(ll, ll0, n) (1 - exp(2 * (ll0 - ll) / n)) / (1 - exp(2 * ll0 / n))
lr_item <- function(X, j, ordinal) {
  S <- rowSums(X); y <- X[, j]
  fit <- function(f) if (ordinal) polr(f, method = "logistic", Hess = FALSE) else glm(f, family = binomial)
  yy <- if (ordinal) factor(y) else y
  m00 <- fit(yy ~ 1); m0 <- fit(yy ~ S); m1 <- fit(yy ~ S + foc); m2 <- fit(yy ~ S * foc)
  l <- sapply(list(m00, m0, m1, m2), function(m) as.numeric(logLik(m)))
  r2 <- nagel(l[2:4], l[1], length(y))
  st <- c(uniform = 2 * (l[3] - l[2]), nonuniform = 2 * (l[4] - l[3]), both = 2 * (l[4] - l[2]))
  list(loglik = l[2:4], r2 = r2, chisq = unname(st),
       p = unname(pchisq(st, c(1, 1, 2), lower.tail = FALSE)),
       delta_r2 = c(r2[2] - r2[1], r2[3] - r2[2], r2[3] - r2[1]))
}
out <- list(
  r_version = R.version.string, mass = as.character(packageVersion("MASS")),
  mh = mh_all(bi, 1:10), mh_purified = mh_purified(bi),
  logistic = lapply(1:10, function(j) lr_item(bi, j, FALSE)),
  ordinal = lapply(1:4, function(j) lr_item(ord, j, TRUE)))
write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(fixtures, "dif_reference.json"))
