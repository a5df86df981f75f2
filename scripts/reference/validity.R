#!/usr/bin/env Rscript
# Reference values for correlations, ROC, bootstrap intervals and Bland-Altman
# (tests/fixtures/reference/validity_r.json). Needs Debian: r-cran-proc r-cran-psych r-cran-boot r-cran-jsonlite
# Run from the repository root:  Rscript scripts/reference/validity.R
suppressPackageStartupMessages({library(pROC); library(psych); library(boot); library(jsonlite)})
fix <- "tests/fixtures/reference"
set.seed(7)

# ---- correlation data: 60 units, 12 clusters, two covariates, ties in y
n <- 60
cl <- rep(1:12, each = 5)
z1 <- rnorm(n); z2 <- rbinom(n, 1, 0.4)
x <- 0.5 * z1 + rnorm(12)[cl] * 0.5 + rnorm(n)
y <- round(0.6 * x + 0.3 * z2 + rnorm(n), 1)
d <- data.frame(x = x, y = y, z1 = z1, z2 = z2, cluster = cl)
write.csv(d, file.path(fix, "corr_data.csv"), row.names = FALSE)
ct <- cor.test(x, y)

# ---- bootstrap interval logic: boot.ci on fixed replicates with given influence values
b <- boot(d, function(dd, i) cor(dd$x[i], dd$y[i]), R = 999)
L <- (n - 1) * (mean(sapply(1:n, function(i) cor(x[-i], y[-i]))) - sapply(1:n, function(i) cor(x[-i], y[-i])))
bc <- boot.ci(b, conf = 0.95, type = c("perc", "bca"), L = L)
writeLines(format(b$t[, 1], digits = 17), file.path(fix, "boot_replicates.txt"))

# ---- ROC: pROC aSAH
data(aSAH)
a <- data.frame(outcome = as.integer(aSAH$outcome == "Poor"), s100b = aSAH$s100b, ndka = aSAH$ndka, wfns = as.integer(aSAH$wfns))
write.csv(a, file.path(fix, "asah.csv"), row.names = FALSE)
r1 <- roc(aSAH$outcome, aSAH$s100b, levels = c("Good", "Poor"), direction = "<", quiet = TRUE)
r2 <- roc(aSAH$outcome, aSAH$ndka, levels = c("Good", "Poor"), direction = "<", quiet = TRUE)
ci1 <- ci.auc(r1, method = "delong")
t12 <- roc.test(r1, r2, method = "delong", paired = TRUE)
co <- coords(r1, "all", ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
yb <- coords(r1, "best", best.method = "youden", ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
rl <- roc(aSAH$outcome, aSAH$s100b, levels = c("Good", "Poor"), direction = ">", quiet = TRUE)

# ---- psych r.test
w <- r.test(n = 100, r12 = 0.5, r13 = 0.3, r23 = 0.4)
no <- r.test(n = 100, r12 = 0.5, r34 = 0.3, r13 = 0.2, r14 = 0.25, r23 = 0.15, r24 = 0.35)

# ---- Bland & Altman (1986) peak expiratory flow, Wright vs mini-Wright (first readings)
wr <- c(494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478, 178, 423, 427)
mw <- c(512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477, 259, 350, 451)
write.csv(data.frame(wright = wr, mini = mw), file.path(fix, "bland_altman_1986.csv"), row.names = FALSE)
dd <- wr - mw; mm <- (wr + mw) / 2
fit <- lm(dd ~ mm)
sl <- summary(fit)$coefficients

out <- list(
  versions = list(pROC = as.character(packageVersion("pROC")), psych = as.character(packageVersion("psych")), boot = as.character(packageVersion("boot"))),
  pearson = list(r = unname(ct$estimate), ci = unname(ct$conf.int[1:2]), p = ct$p.value, n = n),
  boot = list(t0 = b$t0, perc = bc$percent[4:5], bca = bc$bca[4:5], L = L),
  roc = list(auc = as.numeric(auc(r1)), delong_ci = as.numeric(ci1)[c(1, 3)], var = var(r1, method = "delong"),
             auc_ndka = as.numeric(auc(r2)), paired_z = unname(t12$statistic), paired_p = t12$p.value,
             sens = co$sensitivity, spec = co$specificity, youden_sens = yb$sensitivity, youden_spec = yb$specificity,
             youden_threshold = yb$threshold, auc_lower_direction = as.numeric(auc(rl))),
  williams = list(t = w$t, p = w$p),
  steiger_nonoverlap = list(z = no$z, p = no$p),
  bland_altman = list(bias = mean(dd), sd = sd(dd), slope = sl[2, 1], slope_se = sl[2, 2], slope_p = sl[2, 4])
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(fix, "validity_r.json"))
cat("wrote validity_r.json\n")
