#!/usr/bin/env Rscript
# Reference values for marginal-ML IRT (src/stats/irt.rs) on LSAT section 6 (Bock & Lieberman 1970).
#
# Usage (from the repository root):  Rscript scripts/reference/irt.R tests/fixtures/structure
# Needs: R with jsonlite. ltm is not packaged for Debian, so this script is an independent base-R
# implementation of ltm's model (N(0,1) trait, 21-point Gauss–Hermite quadrature, logit = c_j + a_j θ,
# difficulty b_j = −c_j / a_j), maximised with optim(BFGS, reltol 1e-14) and the observed information
# from optimHess; the Rust tests also pin ltm's published estimates (Rizopoulos 2006, ltm vignette:
# rasch(LSAT, constraint = cbind(6, 1)), ltm(LSAT ~ z1)).
# Also written: item and test information on θ = −4..4 by 0.5; marginal reliability as mirt's
# marginal_rxx (1 / (1 + ∫ φ(θ)/I(θ) dθ), integrate() over [−10, 10]); EAP θ per pattern; infit/outfit mean squares
# at the EAP θ.
suppressPackageStartupMessages(library(jsonlite))
args <- commandArgs(trailingOnly = TRUE)
fixtures <- if (length(args) >= 1) args[1] else "fixtures"
d <- read.csv(file.path(fixtures, "lsat6_patterns.csv"))
X <- as.matrix(d[, 1:5]); f <- d$freq; J <- ncol(X)
gh <- function(n) { # Golub–Welsch for the standard normal
  i <- seq_len(n - 1); Jm <- matrix(0, n, n); Jm[cbind(i, i + 1)] <- sqrt(i); Jm[cbind(i + 1, i)] <- sqrt(i)
  e <- eigen(Jm, symmetric = TRUE); list(x = e$values, w = e$vectors[1, ]^2)
}
q <- gh(21)
unpack <- function(par, model) {
  switch(model,
    rasch = list(c = par, a = rep(1, J)),
    `1pl` = list(c = par[1:J], a = rep(par[J + 1], J)),
    `2pl` = list(c = par[1:J], a = par[(J + 1):(2 * J)]))
}
pat_lik <- function(c, a) { # patterns x nodes
  P <- plogis(outer(q$x, a) + matrix(c, length(q$x), J, byrow = TRUE)) # nodes x items
  exp(X %*% t(log(P)) + (1 - X) %*% t(log(1 - P)))
}
nll <- function(par, model) { p <- unpack(par, model); -sum(f * log(pat_lik(p$c, p$a) %*% q$w)) }
fits <- list()
for (model in c("rasch", "1pl", "2pl")) {
  start <- switch(model, rasch = rep(0, J), `1pl` = c(rep(0, J), 1), `2pl` = c(rep(0, J), rep(1, J)))
  o <- optim(start, nll, model = model, method = "BFGS", control = list(reltol = 1e-14, maxit = 10000))
  o <- optim(o$par, nll, model = model, method = "BFGS", control = list(reltol = 1e-14, maxit = 10000))
  p <- unpack(o$par, model)
  if (sum(p$a) < 0) p$a <- -p$a # θ ~ N(0, 1) is symmetric: (c, a) and (c, −a) fit equally; report a > 0
  b <- -p$c / p$a
  # Observed information in the IRT parametrisation (b, a) directly.
  irt_nll <- function(th) {
    bb <- th[1:J]
    aa <- switch(model, rasch = rep(1, J), `1pl` = rep(th[J + 1], J), `2pl` = th[(J + 1):(2 * J)])
    -sum(f * log(pat_lik(-bb * aa, aa) %*% q$w))
  }
  th <- switch(model, rasch = b, `1pl` = c(b, p$a[1]), `2pl` = c(b, p$a))
  V <- solve(optimHess(th, irt_nll))
  se <- sqrt(diag(V))
  k <- length(th); ll <- -o$value; n <- sum(f)
  theta <- seq(-4, 4, by = 0.5)
  info <- sapply(1:J, function(j) { P <- plogis(p$a[j] * (theta - b[j])); p$a[j]^2 * P * (1 - P) })
  tinfo <- function(t) sapply(t, function(u) sum(p$a^2 * plogis(p$a * (u - b)) * (1 - plogis(p$a * (u - b)))))
  ve <- integrate(function(t) dnorm(t) / tinfo(t), -10, 10, rel.tol = 1e-10)$value
  L <- pat_lik(p$c, p$a); post <- sweep(L, 2, q$w, "*"); post <- post / rowSums(post)
  eap <- as.vector(post %*% q$x)
  Pe <- plogis(sweep(outer(eap, p$a), 2, p$c, "+")); Ve <- Pe * (1 - Pe); R2 <- (X - Pe)^2
  outfit <- colSums(f * R2 / Ve) / n
  infit <- colSums(f * R2) / colSums(f * Ve)
  fits[[model]] <- list(
    difficulty = b, discrimination = p$a, se_difficulty = se[1:J],
    se_discrimination = switch(model, rasch = NULL, `1pl` = se[J + 1], `2pl` = se[(J + 1):(2 * J)]),
    loglik = ll, aic = -2 * ll + 2 * k, bic = -2 * ll + k * log(n), n_par = k,
    theta = theta, item_information = info, test_information = rowSums(info),
    marginal_reliability = 1 / (1 + ve), eap = eap, infit = infit, outfit = outfit)
}
out <- list(r_version = R.version.string, quadrature = 21, items = names(d)[1:J], n = sum(f), fits = fits,
  published = list(
    rasch_fixed = list(difficulty = c(-2.872, -1.063, -0.258, -1.388, -2.219), loglik = -2473.054),
    twopl = list(difficulty = c(-3.360, -1.370, -0.280, -1.866, -3.124),
      discrimination = c(0.825, 0.723, 0.891, 0.689, 0.658), loglik = -2466.653)))
write(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", pretty = TRUE), file.path(fixtures, "irt_lsat6.json"))
