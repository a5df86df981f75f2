#!/usr/bin/env Rscript
# Reference values for internal consistency and ICCs (tests/fixtures/reference/reliability.json).
# Needs Debian packages: r-cran-psych r-cran-lavaan r-cran-lme4 r-cran-jsonlite
# Run from the repository root:  Rscript scripts/reference/reliability.R
suppressPackageStartupMessages({library(psych); library(lavaan); library(lme4); library(jsonlite)})
fix <- "tests/fixtures/reference"
set.seed(20261123)

# ---- data: 150 observations x 8 items (5 binary, 3 three-point) from one latent factor
n <- 150
theta <- rnorm(n)
b <- c(-1, -0.5, 0, 0.5, 1)
bin <- sapply(b, function(bb) as.integer(runif(n) < plogis(1.5 * (theta - bb))))
ord <- sapply(c(-0.5, 0, 0.5), function(bb) {
  e <- 1.5 * (theta - bb); u <- runif(n)
  ifelse(u < plogis(e - 0.9), 2L, ifelse(u < plogis(e + 0.9), 1L, 0L))
})
items <- data.frame(cbind(bin, ord)); names(items) <- paste0("i", 1:8)
items[3, 2] <- NA  # one incomplete row (listwise deletion)
write.csv(items, file.path(fix, "items_mixed.csv"), row.names = FALSE, na = "")
cc <- na.omit(items)

a <- psych::alpha(cc, warnings = FALSE)
alpha_raw <- a$total$raw_alpha
feldt <- function(alpha, n, k, p = 0.05) c(1 - (1 - alpha) * qf(1 - p/2, n - 1, (n - 1) * (k - 1)),
                                             1 - (1 - alpha) * qf(p/2, n - 1, (n - 1) * (k - 1)))
ci <- feldt(alpha_raw, nrow(cc), ncol(cc))
ci_psych <- psych::alpha.ci(alpha_raw, nrow(cc), ncol(cc), digits = 12)

# omega total from a one-factor ML CFA (lavaan), covariance metric
model <- paste("f =~", paste(names(cc), collapse = " + "))
fit <- cfa(model, data = cc, std.lv = TRUE, estimator = "ML")
pe <- parameterEstimates(fit)
lam <- pe$est[pe$op == "=~"]; th <- pe$est[pe$op == "~~" & pe$lhs == pe$rhs & pe$lhs != "f"]
omega <- sum(lam)^2 / (sum(lam)^2 + sum(th))

# ordinal alpha: psych polychoric (global thresholds); and the same objective optimised tightly
pc <- psych::polychoric(cc, correct = 0)$rho
ord_alpha_psych <- psych::alpha(pc, warnings = FALSE)$total$raw_alpha
polyF <- get("polyF", envir = asNamespace("psych"))
k <- ncol(cc); R <- diag(k)
tau <- lapply(cc, function(x) { p <- cumsum(table(x)) / length(x); qnorm(p[-length(p)]) })
for (i in 1:(k - 1)) for (j in (i + 1):k) {
  tab <- table(cc[[i]], cc[[j]]); tab <- tab / sum(tab)
  R[i, j] <- R[j, i] <- optimize(polyF, c(-1, 1), rc = tau[[i]], cc = tau[[j]], tab = tab, tol = 1e-12)$minimum
}
ord_alpha_precise <- (k / (k - 1)) * (1 - k / sum(R))

# ---- ICC: Shrout & Fleiss (1979) and a random 30 x 3 set
sf <- matrix(c(9,2,5,8, 6,1,3,2, 8,4,6,8, 7,1,2,6, 10,5,6,9, 6,2,4,7), ncol = 4, byrow = TRUE)
targets <- 30
truth <- rnorm(targets, 4, 1)
icc_rand <- sapply(c(0, 0.3, -0.2), function(bias) round(truth + bias + rnorm(targets, 0, 0.6), 1))
colnames(icc_rand) <- c("r1", "r2", "r3")
write.csv(icc_rand, file.path(fix, "icc_random.csv"), row.names = FALSE)
icc_tab <- function(m) {
  r <- psych::ICC(m, alpha = 0.05, lmer = FALSE)$results
  lapply(setNames(1:6, c("icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k")), function(i)
    list(estimate = r$ICC[i], f = r$F[i], df1 = r$df1[i], df2 = r$df2[i], p = r$p[i],
         ci_low = r[i, "lower bound"], ci_high = r[i, "upper bound"]))
}

# ---- REML on an unbalanced long table: 40 visits, 8 observers, 2-3 ratings each
visits <- 40
v_eff <- rnorm(visits, 0, 1); o_eff <- rnorm(8, 0, 0.4)
long <- do.call(rbind, lapply(1:visits, function(v) {
  m <- if (v %% 5 == 0) 3 else 2
  obs <- sample(1:8, m)
  data.frame(target = v, rater = obs, value = 3 + v_eff[v] + o_eff[obs] + rnorm(m, 0, 0.5))
}))
write.csv(long, file.path(fix, "icc_unbalanced.csv"), row.names = FALSE)
m2 <- lmer(value ~ 1 + (1 | target) + (1 | rater), data = long, REML = TRUE)
vc2 <- as.data.frame(VarCorr(m2))
m1 <- lmer(value ~ 1 + (1 | target), data = long, REML = TRUE)
vc1 <- as.data.frame(VarCorr(m1))
gv <- function(vc, g) vc$vcov[vc$grp == g]

out <- list(
  versions = list(psych = as.character(packageVersion("psych")), lavaan = as.character(packageVersion("lavaan")),
                  lme4 = as.character(packageVersion("lme4"))),
  items_mixed = list(n = nrow(cc), raw_alpha = alpha_raw, std_alpha = a$total$std.alpha,
                     feldt = ci, feldt_psych = c(ci_psych$lower, ci_psych$upper),
                     alpha_drop = a$alpha.drop$raw_alpha, r_drop = a$item.stats$r.drop,
                     item_mean = a$item.stats$mean, item_sd = a$item.stats$sd,
                     omega_total = omega, loadings = lam,
                     ordinal_alpha_psych = ord_alpha_psych, ordinal_alpha_precise = ord_alpha_precise,
                     polychoric_precise = R[upper.tri(R)]),
  shrout_fleiss = icc_tab(sf),
  icc_random = icc_tab(icc_rand),
  icc_unbalanced = list(two_way = list(target = gv(vc2, "target"), rater = gv(vc2, "rater"), resid = gv(vc2, "Residual")),
                        one_way = list(target = gv(vc1, "target"), resid = gv(vc1, "Residual")))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(fix, "reliability.json"))
cat("wrote reliability.json\n")
