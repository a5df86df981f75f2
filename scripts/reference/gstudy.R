#!/usr/bin/env Rscript
# Reference variance components for the G-theory module (src/stats/gtheory.rs), from lme4 REML fits.
#
# Usage (from the repository root):  Rscript scripts/reference/gstudy.R tests/fixtures/gtheory
# Needs: R with lme4 and jsonlite (Debian: apt-get install r-cran-lme4 r-cran-jsonlite).
#
# Writes to fixtures_dir (default "fixtures"):
#   gtheory_ds3_unbalanced.csv     Brennan (2001) synthetic data set 3 (p x i x o) with ~15% of rows deleted
#   gtheory_ds4_unbalanced.csv     Brennan (2001) synthetic data set 4 (p x (r:t)) with ~15% of rows deleted
#   gtheory_class_sparse.csv       simulated classroom x cycle x observer, 2 of 12 observers per classroom,
#                                  ~10% of cells missing
#   gtheory_checklist_sparse.csv   simulated classroom x item x observer, 300 classrooms, 10 items,
#                                  15% of visits double-coded (a few thousand random-effect levels)
#   gtheory_nested3_balanced.csv   simulated classroom x (item:domain) x observer, 12 x (3:3) x 3, balanced, with
#                                  small components (negative ANOVA estimates, REML on the boundary)
#   gtheory_nested3_unbalanced.csv the same with ~15% of rows deleted
#   gstudy_lme4.json               variance components (lmer, REML = TRUE) for each data set, effect names as
#                                  the Rust module names them, plus the REML criterion and R/lme4 versions.
#
# The model for every data set is y = mu + sum of all random effects of the design + e, the residual being the
# highest-order effect: lmer(score ~ 1 + (1|p) + (1|i) + (1|p:i) + ..., REML = TRUE). Each data set is fitted twice:
# with lme4's default control ("default") and with tight optimizer tolerances ("tight", the reference the Rust
# tests use); the JSON records both so the optimizer's own tolerance is visible.
suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
fixtures <- if (length(args) >= 1) args[1] else "fixtures"
reference <- "/work/shared/reference-data"
if (!dir.exists(reference)) reference <- fixtures  # the Brennan CSVs are copied into fixtures/

tight <- lmerControl(
  optimizer = "nloptwrap",
  optCtrl = list(xtol_abs = 1e-13, ftol_abs = 1e-15, xtol_rel = 1e-13, ftol_rel = 1e-15, maxeval = 100000),
  calc.derivs = FALSE
)

# effects: named list, Rust effect name -> lme4 grouping term ("p", "p:i", ...); the residual is implicit.
fit_one <- function(name, file, data, object, facets, effects) {
  form <- as.formula(paste("score ~ 1 +", paste0("(1|", unlist(effects), ")", collapse = " + ")))
  fits <- list(default = lmer(form, data = data, REML = TRUE),
               tight = lmer(form, data = data, REML = TRUE, control = tight))
  comps <- lapply(fits, function(f) {
    vc <- as.data.frame(VarCorr(f))
    out <- list()
    for (eff in names(effects)) out[[eff]] <- vc$vcov[vc$grp == effects[[eff]]]
    out[["residual"]] <- vc$vcov[vc$grp == "Residual"]
    out
  })
  cat(sprintf("%-22s n = %4d  REML crit default %.8f tight %.8f\n", name, nrow(data),
              REMLcrit(fits$default), REMLcrit(fits$tight)))
  for (eff in names(comps$tight)) {
    cat(sprintf("   %-28s %.8f  (default %.8f)\n", eff, comps$tight[[eff]], comps$default[[eff]]))
  }
  list(file = file, object = object, facets = facets, n = nrow(data),
       formula = deparse(form, width.cutoff = 500L),
       components = comps$tight, components_default_control = comps$default,
       reml_criterion = REMLcrit(fits$tight), reml_criterion_default_control = REMLcrit(fits$default))
}

as_factors <- function(d, cols) {
  for (c in cols) d[[c]] <- factor(d[[c]])
  d
}

out <- list()

# ---- (a) Brennan data set 3, p x i x o, ~15% of rows deleted ------------------------------------------------------
set.seed(20010301)
ds3 <- read.csv(file.path(reference, "brennan_ds3_pxixo.csv"))
ds3u <- ds3[sort(sample(nrow(ds3), round(0.85 * nrow(ds3)))), ]
write.csv(ds3u, file.path(fixtures, "gtheory_ds3_unbalanced.csv"), row.names = FALSE, quote = FALSE)
out$ds3_unbalanced <- fit_one(
  "ds3_unbalanced", "gtheory_ds3_unbalanced.csv", as_factors(ds3u, c("person", "item", "occasion")), "person",
  list(list(name = "item", column = "item", nested_in = NULL), list(name = "occasion", column = "occasion", nested_in = NULL)),
  list("person" = "person", "item" = "item", "occasion" = "occasion", "person x item" = "person:item",
       "person x occasion" = "person:occasion", "item x occasion" = "item:occasion"))

# ---- (b) Brennan data set 4, p x (r:t), ~15% of rows deleted ------------------------------------------------------
set.seed(20010401)
ds4 <- read.csv(file.path(reference, "brennan_ds4_px_r_in_t.csv"))
ds4u <- ds4[sort(sample(nrow(ds4), round(0.85 * nrow(ds4)))), ]
write.csv(ds4u, file.path(fixtures, "gtheory_ds4_unbalanced.csv"), row.names = FALSE, quote = FALSE)
out$ds4_unbalanced <- fit_one(
  "ds4_unbalanced", "gtheory_ds4_unbalanced.csv", as_factors(ds4u, c("person", "task", "rater")), "person",
  list(list(name = "task", column = "task", nested_in = NULL), list(name = "rater", column = "rater", nested_in = "task")),
  list("person" = "person", "task" = "task", "rater:task" = "task:rater", "person x task" = "person:task"))

# ---- (c) classroom x cycle x observer, sparse observers, missing cells ---------------------------------------------
set.seed(20240607)
n_class <- 60; n_cycle <- 4; n_obs <- 12
sd <- sqrt(c(cl = 0.50, cy = 0.05, ob = 0.15, clcy = 0.20, clob = 0.10, cyob = 0.03, e = 0.30))
obs_of <- t(sapply(seq_len(n_class), function(i) sort(sample(n_obs, 2))))
g <- expand.grid(observer_slot = 1:2, cycle = 1:n_cycle, classroom = 1:n_class)
g$observer <- obs_of[cbind(g$classroom, g$observer_slot)]
u_cl <- rnorm(n_class, 0, sd["cl"]); u_cy <- rnorm(n_cycle, 0, sd["cy"]); u_ob <- rnorm(n_obs, 0, sd["ob"])
u_clcy <- matrix(rnorm(n_class * n_cycle, 0, sd["clcy"]), n_class)
u_clob <- matrix(rnorm(n_class * n_obs, 0, sd["clob"]), n_class)
u_cyob <- matrix(rnorm(n_cycle * n_obs, 0, sd["cyob"]), n_cycle)
g$score <- round(4 + u_cl[g$classroom] + u_cy[g$cycle] + u_ob[g$observer] + u_clcy[cbind(g$classroom, g$cycle)] +
                   u_clob[cbind(g$classroom, g$observer)] + u_cyob[cbind(g$cycle, g$observer)] +
                   rnorm(nrow(g), 0, sd["e"]), 3)
cls <- g[sort(sample(nrow(g), round(0.9 * nrow(g)))), c("classroom", "cycle", "observer", "score")]
write.csv(cls, file.path(fixtures, "gtheory_class_sparse.csv"), row.names = FALSE, quote = FALSE)
out$class_sparse <- fit_one(
  "class_sparse", "gtheory_class_sparse.csv", as_factors(cls, c("classroom", "cycle", "observer")), "classroom",
  list(list(name = "cycle", column = "cycle", nested_in = NULL), list(name = "observer", column = "observer", nested_in = NULL)),
  list("classroom" = "classroom", "cycle" = "cycle", "observer" = "observer", "classroom x cycle" = "classroom:cycle",
       "classroom x observer" = "classroom:observer", "cycle x observer" = "cycle:observer"))

# ---- (d) checklist: classroom x item x observer, 15% of visits double-coded ---------------------------------------
set.seed(20240608)
n_class <- 300; n_item <- 10; n_obs <- 20
sd <- sqrt(c(cl = 0.04, it = 0.06, ob = 0.01, clit = 0.05, clob = 0.01, itob = 0.005, e = 0.12))
first <- sample(n_obs, n_class, replace = TRUE)
double <- runif(n_class) < 0.15
second <- sapply(seq_len(n_class), function(i) sample(setdiff(seq_len(n_obs), first[i]), 1))
visits <- rbind(data.frame(classroom = 1:n_class, observer = first),
                data.frame(classroom = which(double), observer = second[double]))
ck <- merge(visits, data.frame(item = 1:n_item))
ck <- ck[order(ck$classroom, ck$observer, ck$item), ]
u_cl <- rnorm(n_class, 0, sd["cl"]); u_it <- rnorm(n_item, 0, sd["it"]); u_ob <- rnorm(n_obs, 0, sd["ob"])
u_clit <- matrix(rnorm(n_class * n_item, 0, sd["clit"]), n_class)
u_clob <- matrix(rnorm(n_class * n_obs, 0, sd["clob"]), n_class)
u_itob <- matrix(rnorm(n_item * n_obs, 0, sd["itob"]), n_item)
ck$score <- round(0.6 + u_cl[ck$classroom] + u_it[ck$item] + u_ob[ck$observer] + u_clit[cbind(ck$classroom, ck$item)] +
                    u_clob[cbind(ck$classroom, ck$observer)] + u_itob[cbind(ck$item, ck$observer)] +
                    rnorm(nrow(ck), 0, sd["e"]), 3)
ck <- ck[, c("classroom", "item", "observer", "score")]
write.csv(ck, file.path(fixtures, "gtheory_checklist_sparse.csv"), row.names = FALSE, quote = FALSE)
out$checklist_sparse <- fit_one(
  "checklist_sparse", "gtheory_checklist_sparse.csv", as_factors(ck, c("classroom", "item", "observer")), "classroom",
  list(list(name = "item", column = "item", nested_in = NULL), list(name = "observer", column = "observer", nested_in = NULL)),
  list("classroom" = "classroom", "item" = "item", "observer" = "observer", "classroom x item" = "classroom:item",
       "classroom x observer" = "classroom:observer", "item x observer" = "item:observer"))

# ---- (e, f) classroom x (item:domain) x observer: three facets with nesting --------------------------------------
# Balanced (e), with small true components so that some ANOVA estimates are negative and REML sits on the
# boundary, and the same data with ~15% of rows deleted (f). Items are numbered 1-3 within each domain.
set.seed(20240609)
n_class <- 12; n_dom <- 3; n_item <- 3; n_obs <- 3
nd <- expand.grid(observer = 1:n_obs, item = 1:n_item, domain = 1:n_dom, classroom = 1:n_class)
sd <- sqrt(c(c = 0.5, d = 0.3, i = 0.2, o = 0.02, cd = 0.02, ci = 0.3, co = 0.1, do = 0.01, io = 0.05, cdo = 0.02,
             e = 0.4))
eff <- function(s, ...) {
  lv <- interaction(..., drop = TRUE)
  rnorm(nlevels(lv), 0, s)[as.integer(lv)]
}
nd$score <- round(3 + eff(sd["c"], nd$classroom) + eff(sd["d"], nd$domain) + eff(sd["i"], nd$domain, nd$item) +
                    eff(sd["o"], nd$observer) + eff(sd["cd"], nd$classroom, nd$domain) +
                    eff(sd["ci"], nd$classroom, nd$domain, nd$item) + eff(sd["co"], nd$classroom, nd$observer) +
                    eff(sd["do"], nd$domain, nd$observer) + eff(sd["io"], nd$domain, nd$item, nd$observer) +
                    eff(sd["cdo"], nd$classroom, nd$domain, nd$observer) + rnorm(nrow(nd), 0, sd["e"]), 3)
nd <- nd[, c("classroom", "domain", "item", "observer", "score")]
write.csv(nd, file.path(fixtures, "gtheory_nested3_balanced.csv"), row.names = FALSE, quote = FALSE)
nested3_facets <- list(list(name = "domain", column = "domain", nested_in = NULL),
                       list(name = "item", column = "item", nested_in = "domain"),
                       list(name = "observer", column = "observer", nested_in = NULL))
nested3_effects <- list(
  "classroom" = "classroom", "domain" = "domain", "item:domain" = "domain:item", "observer" = "observer",
  "classroom x domain" = "classroom:domain", "classroom x item:domain" = "classroom:domain:item",
  "classroom x observer" = "classroom:observer", "domain x observer" = "domain:observer",
  "item x observer:domain" = "domain:item:observer", "classroom x domain x observer" = "classroom:domain:observer")
nested3_cols <- c("classroom", "domain", "item", "observer")
out$nested3_balanced <- fit_one("nested3_balanced", "gtheory_nested3_balanced.csv", as_factors(nd, nested3_cols),
                                "classroom", nested3_facets, nested3_effects)
# Sums of squares and df of the balanced data from aov (every term, in the Rust effect names).
nd_f <- as_factors(nd, nested3_cols)
av <- summary(aov(as.formula(paste("score ~", paste(unlist(nested3_effects), collapse = " + "))), data = nd_f))[[1]]
rownames(av) <- trimws(rownames(av))
out$nested3_balanced$anova <- c(
  lapply(nested3_effects, function(term) list(ss = av[term, "Sum Sq"], df = av[term, "Df"])),
  list(residual = list(ss = av["Residuals", "Sum Sq"], df = av["Residuals", "Df"])))
ndu <- nd[sort(sample(nrow(nd), round(0.85 * nrow(nd)))), ]
write.csv(ndu, file.path(fixtures, "gtheory_nested3_unbalanced.csv"), row.names = FALSE, quote = FALSE)
out$nested3_unbalanced <- fit_one("nested3_unbalanced", "gtheory_nested3_unbalanced.csv",
                                  as_factors(ndu, nested3_cols), "classroom", nested3_facets, nested3_effects)

# ---- balanced Brennan data sets: REML = ANOVA when no estimate is negative ---------------------------------------
ds1 <- as_factors(read.csv(file.path(reference, "brennan_ds1_pxi.csv")), c("person", "item"))
f1 <- lmer(score ~ 1 + (1|person) + (1|item), data = ds1, REML = TRUE, control = tight)
vc1 <- as.data.frame(VarCorr(f1))
out$ds1_balanced <- list(file = "brennan_ds1_pxi.csv", n = nrow(ds1), reml_criterion = REMLcrit(f1),
                         components = list("person" = vc1$vcov[vc1$grp == "person"],
                                           "item" = vc1$vcov[vc1$grp == "item"],
                                           "residual" = vc1$vcov[vc1$grp == "Residual"]))

meta <- list(
  generated_by = "scripts/reference/gstudy.R",
  r_version = R.version.string,
  lme4_version = as.character(packageVersion("lme4")),
  method = "lmer(REML = TRUE); components = as.data.frame(VarCorr(fit))$vcov; reml_criterion = REMLcrit(fit)",
  tight_control = "nloptwrap, xtol_abs 1e-13, ftol_abs 1e-15, xtol_rel 1e-13, ftol_rel 1e-15"
)
write(toJSON(c(meta, list(datasets = out)), auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"),
      file.path(fixtures, "gstudy_lme4.json"))
cat("wrote", file.path(fixtures, "gstudy_lme4.json"), "\n")
