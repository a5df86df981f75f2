# Reference values for src/stats/shrinkage.rs (monitor: EB center scores).
# lme4's REML fit of y ~ 0 + round + (1 | group), with groups = center x round, on an unbalanced
# design (1-5 classrooms per center and round), and the conditional modes and SDs.
# Run: Rscript scripts/reference/monitor.R > tests/fixtures/monitor/lmer_oneway.json
suppressPackageStartupMessages({ library(lme4); library(jsonlite) })
set.seed(20261130)
rows <- list(); g <- 0
for (r in 0:1) for (c in 1:25) {
  g <- g + 1; n <- sample(1:5, 1); u <- rnorm(1, 0, 0.12)
  y <- round(0.55 + 0.05 * r + u + rnorm(n, 0, 0.15), 4)
  rows[[g]] <- data.frame(block = r, group = g, y = y)
}
d <- do.call(rbind, rows)
d$round <- factor(d$block); d$grp <- factor(d$group)
m <- lmer(y ~ 0 + round + (1 | grp), data = d, REML = TRUE,
          control = lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 2e-4, rhoend = 2e-11)))
vc <- as.data.frame(VarCorr(m))
re <- ranef(m, condVar = TRUE)$grp
sds <- sqrt(attr(re, "postVar")[1, 1, ])
out <- list(
  source = "lme4 lmer(y ~ 0 + round + (1 | grp), REML = TRUE), scripts/reference/monitor.R",
  lme4 = as.character(packageVersion("lme4")),
  data = unname(lapply(seq_len(nrow(d)), function(i) c(d$block[i], d$group[i], d$y[i]))),
  sigma2 = vc$vcov[vc$grp == "Residual"], tau2 = vc$vcov[vc$grp == "grp"],
  fixef = unname(fixef(m)),
  ranef = as.list(setNames(re[, 1], rownames(re))),
  ranef_sd = as.list(setNames(sds, rownames(re)))
)
cat(toJSON(out, auto_unbox = TRUE, digits = 15, pretty = TRUE), "\n")
