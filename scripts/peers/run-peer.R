#!/usr/bin/env Rscript
# Peer for `checkval run` on the demo (issue 12): a researcher's R script for a subset of what
# `run` computes, timed end to end. psych alpha with 2,000 bootstrap replicates, item kappa on
# double-coded visits, ICC of the double-coded totals, cor.test and a cluster bootstrap (boot)
# of the classroom correlation checklist vs CLASS, pROC AUC with the DeLong CI.
#   Rscript scripts/peers/run-peer.R [data-samples/demo-150]
# Debian packages: r-cran-psych r-cran-boot r-cran-proc.
suppressPackageStartupMessages({ library(psych); library(boot); library(pROC) })
t0 <- proc.time()[["elapsed"]]
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) > 0) args[1] else "data-samples/demo-150"
set.seed(20261123)

ck <- read.csv(file.path(dir, "checklist.csv"), check.names = FALSE, encoding = "UTF-8")
item_cols <- grep("^[a-z]+-[a-z]{2}[0-9]{2}$", names(ck), value = TRUE)
code <- function(v) {
  v <- trimws(as.character(v))
  out <- suppressWarnings(as.numeric(v))
  out[v == "S\u00ed"] <- 1
  out[v == "No"] <- 0
  out[v %in% c("", "No aplica")] <- NA
  out
}
items <- as.data.frame(lapply(ck[item_cols], code))
main <- ck$rol == "principal"

# Internal consistency with a bootstrap CI.
a <- psych::alpha(items[main, ], n.iter = 2000, warnings = FALSE, check.keys = FALSE)

# Double-coded visits: principal and second observer, same classroom and date.
visit <- paste(ck$clave_centro, ck$sala, ck$fecha_visita)
second <- ck[!main, ]
pairs <- match(visit[!main], visit[main])
ok <- !is.na(pairs)
p1 <- items[main, ][pairs[ok], ]
p2 <- items[!main, ][ok, ]
kappas <- suppressWarnings(sapply(seq_along(item_cols), function(j) {
  x <- cbind(p1[[j]], p2[[j]])
  x <- x[complete.cases(x), , drop = FALSE]
  if (nrow(x) < 2 || length(unique(c(x))) < 2) return(NA)
  psych::cohen.kappa(x)$kappa
}))
totals <- cbind(rowMeans(p1, na.rm = TRUE), rowMeans(p2, na.rm = TRUE))
icc <- psych::ICC(totals[complete.cases(totals), ], lmer = FALSE)

# Classroom level: checklist mean vs CLASS emotional support, clustered in centers.
cl <- read.csv2(file.path(dir, "class.csv"), fileEncoding = "windows-1252", check.names = FALSE)
ebs <- rowMeans(cl[, c("Clima positivo", "Sensibilidad del docente", "Consideraci\u00f3n de la perspectiva del ni\u00f1o")])
cls <- aggregate(list(class = ebs), list(center = cl$Centro, room = cl$Sala), mean)
ckm <- aggregate(list(check = rowMeans(items[main, ], na.rm = TRUE)),
                 list(center = ck$clave_centro[main], room = ck$sala[main]), mean)
m <- merge(ckm, cls)
ct <- cor.test(m$check, m$class)
centers <- split(seq_len(nrow(m)), m$center)
stat <- function(ids, i) {
  rows <- unlist(centers[ids[i]], use.names = FALSE)
  cor(m$check[rows], m$class[rows])
}
b <- boot(seq_along(centers), stat, R = 2000)
bci <- boot.ci(b, type = c("perc", "bca"))

# Screening: checklist mean for CLASS EBS below 3.5.
r <- pROC::roc(m$class < 3.5, m$check, quiet = TRUE, direction = ">")
auc_ci <- pROC::ci.auc(r, method = "delong")

elapsed <- proc.time()[["elapsed"]] - t0
cat(sprintf("alpha %.4f [%.4f, %.4f]; median item kappa %.3f; ICC(2,1) %.3f; r %.3f, boot perc [%.3f, %.3f]; AUC %.3f [%.3f, %.3f]\n",
            a$total$raw_alpha, a$boot.ci[1], a$boot.ci[3], median(kappas, na.rm = TRUE), icc$results$ICC[2],
            ct$estimate, bci$percent[4], bci$percent[5], auc_ci[2], auc_ci[1], auc_ci[3]))
cat(sprintf("peer wall (inside R, after start-up): %.2f s\n", elapsed))
