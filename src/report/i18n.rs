//! Report labels in Spanish and English. Spanish is written for Mexican readers (IMSS
//! guarderías, "sala", "lista de cotejo"), not translated word for word.

use crate::choices::Lang;
use crate::stats::consistency::Missing;

/// An interpretation code of a record (`"almost_perfect"`) in words. ICC labels agree in gender
/// with "correlación" in Spanish; κ-type labels with "coeficiente". Unknown codes pass through.
pub fn interpretation(lang: Lang, code: &str, statistic: &str) -> String {
    use crate::stats::labels::Interpretation::*;
    let Some(i) = crate::stats::labels::Interpretation::from_code(code) else {
        return code.to_string();
    };
    let icc = statistic.starts_with("icc");
    let (en, es) = match i {
        Poor => ("poor", "pobre"),
        Slight => ("slight", "leve"),
        Fair => ("fair", "aceptable"),
        Moderate => ("moderate", if icc { "moderada" } else { "moderado" }),
        Substantial => ("substantial", "sustancial"),
        AlmostPerfect => ("almost perfect", "casi perfecto"),
        Good => ("good", if icc { "buena" } else { "bueno" }),
        VeryGood => ("very good", if icc { "muy buena" } else { "muy bueno" }),
        Excellent => ("excellent", "excelente"),
    };
    lang.pick(es, en).to_string()
}

/// The consistency table's note for the rule on missing items (`analysis.alpha_missing`).
pub fn consistency_note_key(missing: Missing) -> &'static str {
    match missing {
        Missing::Pairwise => "consistency_note_pairwise",
        Missing::Listwise => "consistency_note_listwise",
    }
}

/// The Methods sentence on the rule on missing items in α.
pub fn consistency_methods(lang: Lang, missing: Missing) -> &'static str {
    tr(
        lang,
        match missing {
            Missing::Pairwise => "consistency_methods_pairwise",
            Missing::Listwise => "consistency_methods_listwise",
        },
    )
}

/// Look up a label. Unknown keys return the key itself (a test checks every key used exists).
/// One key's text in the report language, `"??"` for an unknown key (a test checks every key).
pub fn tr(lang: Lang, key: &str) -> &'static str {
    match tr_main(lang.is_es(), key) {
        "??" => tr_dependability(lang.is_es(), key),
        text => text,
    }
}

/// `(key => English, Spanish; ...)` as a match on `key`.
macro_rules! table {
    ($es:expr, $key:expr, $($k:literal => $en:literal, $sp:literal;)*) => {
        match $key {
            $($k => if $es { $sp } else { $en },)*
            _ => "??",
        }
    };
}

fn tr_main(es: bool, key: &str) -> &'static str {
    table! { es, key,
        "title" => "Checklist validation against CLASS", "Validación de la lista de cotejo frente a CLASS";
        "sample" => "Sample", "Muestra";
        "quality" => "Data quality", "Calidad de los datos";
        "scores" => "Score distributions", "Distribución de los puntajes";
        "methods" => "Methods", "Métodos";
        "provenance" => "Provenance", "Procedencia";
        "centers" => "Centers", "Centros";
        "classrooms" => "Classrooms", "Salas";
        "checklist_obs" => "Checklist observations", "Observaciones con la lista de cotejo";
        "class_obs" => "CLASS observations", "Observaciones CLASS";
        "class_cycles" => "CLASS cycles", "Ciclos CLASS";
        "double_coded" => "Double-coded classrooms (checklist)", "Salas con doble codificación (lista de cotejo)";
        "reliability_obs" => "Reliability (double-coded) observations", "Observaciones de confiabilidad (doble codificación)";
        "quantity" => "Quantity", "Concepto";
        "value" => "Value", "Valor";
        "score" => "Score", "Puntaje";
        "mean" => "Mean", "Media";
        "sd" => "SD", "DE";
        "ci" => "CI", "IC";
        "min" => "Min", "Mín.";
        "max" => "Max", "Máx.";
        "level_observation" => "observation", "observación";
        "level_classroom" => "classroom", "sala";
        "level_center" => "center", "centro";
        "desc_caption" => "Descriptive statistics by level of analysis", "Estadísticos descriptivos por nivel de análisis";
        "level" => "Level", "Nivel";
        "severity" => "Severity", "Gravedad";
        "sev_info" => "info", "info";
        "sev_warning" => "warning", "advertencia";
        "sev_error" => "error", "error";
        "no_problems" => "No data problems found.", "No se encontraron problemas en los datos.";
        "file" => "File", "Archivo";
        "version" => "checkval version", "Versión de checkval";
        "seed" => "Random seed", "Semilla aleatoria";
        "spec" => "Study spec", "Especificación del estudio";
        "checklist_total" => "Checklist total", "Lista de cotejo: total";
        "checklist_prefix" => "Checklist", "Lista de cotejo";
        "reliability" => "Reliability", "Confiabilidad";
        "consistency_caption" => "Internal consistency of the checklist (primary observations)", "Consistencia interna de la lista de cotejo (observaciones principales)";
        "consistency_note_pairwise" => "Pairwise deletion (as R psych and pingouin): each covariance between two items uses the observations where both were answered and applicable; n counts observations with at least one item of the scale answered and applicable, and is the n of the Feldt CI. The bootstrap resamples observations. ω from a one-factor maximum-likelihood model of the same covariance matrix; ordinal α from pairwise polychoric correlations.", "Eliminación por pares (como R psych y pingouin): cada covarianza entre dos reactivos usa las observaciones en que ambos se respondieron y aplicaban; n cuenta las observaciones con al menos un reactivo de la escala respondido y aplicable, y es la n del IC de Feldt. El bootstrap remuestrea observaciones. ω proviene de un modelo unifactorial de máxima verosimilitud sobre la misma matriz de covarianzas; el α ordinal, de correlaciones policóricas por pares.";
        "consistency_note_listwise" => "Listwise deletion: n counts observations with every item of the scale answered and applicable. ω from a one-factor maximum-likelihood model; ordinal α from polychoric correlations.", "Eliminación por lista: n cuenta las observaciones con todos los reactivos de la escala respondidos y aplicables. ω proviene de un modelo unifactorial de máxima verosimilitud; el α ordinal, de correlaciones policóricas.";
        "consistency_methods_pairwise" => "Primary observations with pairwise deletion, as R psych and pingouin: each covariance between two items uses the observations where both were answered (KR-20, which needs a total score, uses complete observations); not-applicable answers count as missing here.", "Se usan las observaciones principales con eliminación por pares, como R psych y pingouin: cada covarianza entre dos reactivos usa las observaciones en que ambos se respondieron (KR-20, que requiere un puntaje total, usa las observaciones completas); los reactivos «no aplica» cuentan como faltantes en estos cálculos.";
        "consistency_methods_listwise" => "Primary observations with listwise deletion; not-applicable answers count as missing here.", "Se usan las observaciones principales con eliminación por lista; los reactivos «no aplica» cuentan como faltantes en estos cálculos.";
        "scale" => "Scale", "Escala";
        "ordinal_alpha" => "Ordinal α", "α ordinal";
        "item" => "Item", "Reactivo";
        "subscale" => "Subscale", "Subescala";
        "pairs" => "Pairs", "Pares";
        "agreement" => "Agreement", "Acuerdo";
        "item_agreement_caption" => "Inter-observer agreement by item (double-coded checklist visits)", "Acuerdo entre observadores por reactivo (visitas con doble codificación)";
        "icc_caption" => "Intraclass correlations of scores on double-coded visits", "Correlaciones intraclase de los puntajes en visitas con doble codificación";
        "icc_note" => "ICC(A,1) and ICC(1) from the two-way and one-way ANOVA (pairs with both scores; CIs as in R psych). The REML ICC(A,1) treats the actual observers as crossed random raters and uses every score.", "CCI(A,1) y CCI(1) del ANOVA de dos y una vía (pares con ambos puntajes; IC como en R psych). La CCI(A,1) por REML trata a los observadores reales como evaluadores aleatorios cruzados y usa todos los puntajes.";
        "reml_icc" => "REML ICC(A,1)", "CCI(A,1) REML";
        "interpretation" => "Interpretation", "Interpretación";
        "class_agreement_caption" => "CLASS agreement on double-coded cycles (criterion: within one point in at least 80% of cycles)", "Acuerdo CLASS en ciclos con doble codificación (criterio: diferencia de a lo más un punto en al menos 80% de los ciclos)";
        "dimension" => "Dimension", "Dimensión";
        "cycle_pairs" => "Cycle pairs", "Pares de ciclos";
        "exact" => "Exact", "Exacto";
        "within_one" => "Within one", "A un punto";
        "yes" => "yes", "sí";
        "no" => "no", "no";
        "observer_caption" => "Agreement of each observer with their double-coding partners", "Acuerdo de cada observador con sus pares de doble codificación";
        "observer" => "Observer", "Observador";
        "instrument" => "Instrument", "Instrumento";
        "criterion" => "Criterion", "Criterio";
        "comparisons" => "Comparisons", "Comparaciones";
        "validity" => "Concurrent validity", "Validez concurrente";
        "validity_caption" => "Checklist scores against CLASS domains", "Puntajes de la lista de cotejo frente a los dominios CLASS";
        "validity_note" => "Pearson r. Classroom level: CI by Fisher z and by a cluster bootstrap over centers; center level: Fisher z and a bootstrap over centers.", "r de Pearson. Nivel sala: IC por z de Fisher y por bootstrap por conglomerados (centros); nivel centro: z de Fisher y bootstrap de centros.";
        "domain" => "Domain", "Dominio";
        "mtmm_caption" => "Multitrait–multimethod matrix: checklist scores × CLASS dimensions and domains", "Matriz multirrasgo–multimétodo: puntajes de la lista × dimensiones y dominios CLASS";
        "disatt_caption" => "Correlations of the checklist total with CLASS domains, corrected for unreliability and adjusted for covariates (classroom level)", "Correlaciones del total de la lista con los dominios CLASS, corregidas por falta de confiabilidad y ajustadas por covariables (nivel sala)";
        "rel_short" => "Reliability", "Confiabilidad";
        "disatt_r" => "Disattenuated r", "r desatenuada";
        "partial_r" => "Partial r", "r parcial";
        "partial_r_none" => "Partial r (no covariates in the spec)", "r parcial (sin covariables en la especificación)";
        "disatt_note" => "Reliabilities are the inter-observer ICC(A,1) of each score on double-coded visits (a classroom score rests on one observation).", "Las confiabilidades son la CCI(A,1) entre observadores de cada puntaje en visitas con doble codificación (el puntaje de una sala proviene de una observación).";
        "dependent_caption" => "Is the checklist closer to one CLASS domain than to another? Tests of dependent correlations", "¿La lista se parece más a un dominio CLASS que a otro? Pruebas de correlaciones dependientes";
        "comparison" => "Comparison", "Comparación";
        "test" => "Test", "Prueba";
        "statistic" => "Statistic", "Estadístico";
        "roc_caption" => "Screening low-quality classrooms", "Detección de salas de baja calidad";
        "positives" => "Positives", "Positivos";
        "cutoff" => "Cut-off", "Punto de corte";
        "sensitivity" => "Sensitivity", "Sensibilidad";
        "specificity" => "Specificity", "Especificidad";
        "benchmark" => "Meets benchmark", "Cumple criterio";
        "item_validity_caption" => "Item validity: correlation of each item (classroom mean) with the CLASS domains", "Validez por reactivo: correlación de cada reactivo (promedio por sala) con los dominios CLASS";
        "item_validity_note" => "Point-biserial r for yes/no items. An item is flagged when no domain reaches r ≥ .10 with a Benjamini–Hochberg adjusted p < .05.", "r punto-biserial en reactivos sí/no. Se marca el reactivo si ningún dominio alcanza r ≥ .10 con p ajustada por Benjamini–Hochberg < .05.";
        "flag" => "Flag", "Alerta";
        "no_discrimination" => "does not discriminate", "no discrimina";
        "short_form_caption" => "Short-form search (backward elimination keeping the items that carry the CLASS signal)", "Búsqueda de versión corta (eliminación hacia atrás conservando los reactivos que llevan la señal de CLASS)";
        "removed" => "Item removed", "Reactivo eliminado";
        "proposed" => "Proposed short form", "Versión corta propuesta";
        "items_word" => "items", "reactivos";
        "no_proposal" => "No short form proposed", "No se propone versión corta";
        "cv" => "CV", "VC";
        "fig_test_information" => "Test information of the yes/no items (2PL IRT)", "Información del test de los reactivos sí/no (TRI 2PL)";
        "test_information" => "Information", "Información";
        "roc_cutoff_theta" => "ROC cut-off", "Punto de corte ROC";
        "short_form_cv_note" => "In-sample values come from the classrooms that chose the items and are optimistic. CV: {k}-fold cross-validation by center (each fold chooses its forms on the other centers and scores its own classrooms with them; α is averaged over the folds, r̄ and AUC come from the pooled held-out totals).", "Los valores en la muestra provienen de las salas que eligieron los reactivos y son optimistas. VC: validación cruzada en {k} partes por centro (cada parte elige sus versiones con los otros centros y califica sus propias salas con ellas; α es el promedio de las partes, r̄ y AUC vienen de los totales fuera de muestra combinados).";
        "short_form_oos" => "Out of sample, the proposed form has r̄ = {r_cv} (in sample {r}), AUC = {auc_cv} ({auc}) and α = {a_cv} ({a}).", "Fuera de muestra, la versión propuesta tiene r̄ = {r_cv} (en la muestra {r}), AUC = {auc_cv} ({auc}) y α = {a_cv} ({a}).";
        "short_form_fails_cv" => "Out of sample it does not meet the criteria: choose a longer form or confirm it on new data.", "Fuera de muestra no cumple los criterios: elija una versión más larga o confírmela con datos nuevos.";
        "short_form_cv_na" => "No cross-validation", "Sin validación cruzada";
        "multilevel_caption" => "Clustering of classrooms within centers", "Agrupamiento de salas dentro de centros";
        "icc_center" => "ICC(1) of center", "CCI(1) del centro";
        "deff" => "Design effect", "Efecto de diseño";
        "multilevel_note" => "ICC(1) from REML variance components; design effect 1 + (m̄ − 1)·ICC. Precision of center-level r:", "CCI(1) de componentes de varianza por REML; efecto de diseño 1 + (m̄ − 1)·CCI. Precisión de r a nivel centro:";
        "ba_caption" => "Bland–Altman agreement of double-coded scores (primary − reliability observer)", "Acuerdo de Bland–Altman de los puntajes con doble codificación (observador principal − de confiabilidad)";
        "bias" => "Bias", "Sesgo";
        "loa_low" => "Lower limit of agreement", "Límite inferior de acuerdo";
        "loa_high" => "Upper limit of agreement", "Límite superior de acuerdo";
        "ba_note" => "Limits of agreement: bias ± 1.96 SD of the differences; CIs by Bland & Altman (1986).", "Límites de acuerdo: sesgo ± 1.96 DE de las diferencias; IC según Bland y Altman (1986).";
        "figures" => "Figures", "Figuras";
        "fig_scatter" => "Checklist total against CLASS domains", "Total de la lista de cotejo frente a los dominios CLASS";
        "fig_roc" => "ROC curve of the checklist total", "Curva ROC del total de la lista de cotejo";
        "fig_ba" => "Bland–Altman, double-coded visits", "Bland–Altman, visitas con doble codificación";
        "ba_x" => "Mean of the two observers", "Promedio de los dos observadores";
        "ba_y" => "Difference (primary − reliability)", "Diferencia (principal − confiabilidad)";
        "loa_short" => "LoA", "LdA";
        "fig_forest_agree" => "Inter-observer agreement by item: Gwet's AC1 and Cohen's κ with 95% CIs", "Acuerdo entre observadores por reactivo: AC1 de Gwet y κ de Cohen con IC 95%";
        "fig_forest_validity" => "Item–CLASS correlations with 95% CIs (classroom level)", "Correlaciones reactivo–CLASS con IC 95% (nivel sala)";
        "coefficient" => "Coefficient", "Coeficiente";
        "fig_distributions" => "Score distributions by level and age group (classrooms)", "Distribución de puntajes por nivel y grupo de edad (salas)";
        "count" => "Classrooms", "Salas";
        "fig_observers" => "Observer severity: each observer's mean checklist total minus the others' (95% CI)", "Severidad de cada observador: su total promedio menos el de los demás (IC 95%)";
        "severity_y" => "Difference in checklist total", "Diferencia en el total";
        "fig_drift" => "Checklist total by fieldwork week", "Total de la lista por semana de campo";
        "week" => "Fieldwork week", "Semana de campo";
        "fig_profile" => "CLASS dimension profile (classroom means, 95% CI)", "Perfil de dimensiones CLASS (promedios por sala, IC 95%)";
        "class_score" => "CLASS score (1–7)", "Puntaje CLASS (1–7)";
        "band_low" => "low", "bajo";
        "band_mid" => "mid", "medio";
        "band_high" => "high", "alto";
        "fig_short_form" => "Short-form trade-off: items kept against α, r and AUC", "Versión corta: reactivos conservados frente a α, r y AUC";
        "n_items" => "Items kept", "Reactivos conservados";
        "continued" => "continued", "continuación";
        "obs_note" => "Observation level uses primary observations only; classroom level averages a classroom's primary observations; center level averages its classrooms.", "El nivel de observación usa solo observaciones principales; el nivel de sala promedia las observaciones principales de cada sala y el de centro promedia sus salas.";
        "dependability" => "Dependability (generalizability theory)", "Dependabilidad (teoría de la generalizabilidad)";
    }
}

/// The dependability (G and D study) section's texts.
fn tr_dependability(es: bool, key: &str) -> &'static str {
    table! { es, key,
        "dep_intro" => "Generalizability theory splits the variance of a score into true differences between classrooms and the error contributed by each source (cycles, items, observers, visits). A D study then estimates how dependable the score would be with other numbers of cycles, items, observers or visits: Eρ² (generalizability) for ranking classrooms, and Φ (dependability) for absolute decisions, such as comparing a score with a cut-off, because it counts every source of error. Φ ≥ .80 is the usual target for decisions about single classrooms.", "La teoría de la generalizabilidad separa la varianza de un puntaje en las diferencias reales entre salas y el error que aporta cada fuente (ciclos, reactivos, observadores, visitas). Con un estudio D se estima qué tan confiable sería el puntaje con otro número de ciclos, reactivos, observadores o visitas: Eρ² (generalizabilidad) sirve para ordenar salas y Φ (dependabilidad) para decisiones absolutas, como comparar un puntaje con un punto de corte, porque cuenta todas las fuentes de error. Para decidir sobre salas individuales se suele pedir Φ ≥ .80.";
        "dep_var_classroom" => "σ² classroom", "σ² sala";
        "dep_class_g_caption" => "CLASS variance components on double-coded observations (classroom × cycle × observer)", "Componentes de varianza de CLASS en observaciones con doble codificación (sala × ciclo × observador)";
        "dep_class_g_note" => "REML with the actual observers as a random facet (each classroom is seen by two of them; ANOVA only when the data are balanced). Shares of the variance of one cycle scored by one observer; the residual holds the classroom × cycle × observer interaction and error. Pairs: double-coded observations.", "REML con los observadores reales como faceta aleatoria (cada sala la ven dos de ellos; ANOVA solo si los datos están balanceados). Proporciones de la varianza de un ciclo calificado por un observador; el residual contiene la interacción sala × ciclo × observador y el error. Pares: observaciones con doble codificación.";
        "dep_observers" => "Observers", "Observadores";
        "dep_cycles_short" => "cycles", "ciclos";
        "dep_cycles_needed" => "Cycles needed", "Ciclos necesarios";
        "dep_class_d_caption" => "D study of CLASS: Φ by number of cycles and observers", "Estudio D de CLASS: Φ según el número de ciclos y de observadores";
        "dep_class_d_note" => "Φ of the classroom score averaged over cycles (and observers). '> 12': the target is not reached with 12 cycles. Eρ² of every combination is in results.json and in the figure.", "Φ del puntaje de la sala promediado sobre los ciclos (y los observadores). «> 12»: no se alcanza la meta con 12 ciclos. La Eρ² de cada combinación está en results.json y en la figura.";
        "dep_design_items" => "Primary observations (classroom × item)", "Observaciones principales (sala × reactivo)";
        "dep_design_observers" => "Double-coded visits (classroom × item × observer)", "Visitas con doble codificación (sala × reactivo × observador)";
        "dep_checklist_g_caption" => "Variance components of the checklist", "Componentes de varianza de la lista de cotejo";
        "dep_design" => "Design", "Diseño";
        "dep_effect" => "Effect", "Efecto";
        "dep_share" => "Share", "Proporción";
        "dep_checklist_g_note" => "Item scores as they enter the checklist score (yes/no as 1/0; 3-point items rescaled to 0, .5 and 1 by the proportion method). 'Not applicable' and blank answers leave cells empty, so components are REML estimates (ANOVA only for balanced data). With one observer per visit (primary observations) the observer's effects are inside the classroom and residual components; the double-coded visits separate them.", "Puntajes de los reactivos tal como entran al puntaje de la lista (sí/no como 1/0; los reactivos de 3 puntos reescalados a 0, .5 y 1 en el método de proporción). Las respuestas «no aplica» y en blanco dejan celdas vacías, por lo que los componentes se estiman por REML (ANOVA solo con datos balanceados). Con un observador por visita (observaciones principales) los efectos del observador quedan dentro de los componentes de sala y residual; las visitas con doble codificación los separan.";
        "dep_one_observer" => "1 observer", "1 observador";
        "dep_two_observers" => "2 observers", "2 observadores";
        "dep_primary_short" => "primary", "principales";
        "dep_checklist_d_caption" => "D study of the checklist total: Eρ² and Φ by number of items and observers", "Estudio D del total de la lista de cotejo: Eρ² y Φ según el número de reactivos y de observadores";
        "dep_items" => "Items", "Reactivos";
        "dep_checklist_d_note" => "'primary': from the primary observations (one observer per visit; observer effects not separated). Observer columns: from the double-coded visits.", "«principales»: de las observaciones principales (un observador por visita; los efectos del observador no se separan). Columnas por observador: de las visitas con doble codificación.";
        "dep_center_intro" => "Monitoring design: a center's score is the mean of its classrooms' checklist totals; classrooms are nested in centers, visits in classrooms and observations in visits.", "Diseño de monitoreo: el puntaje de un centro es el promedio de los totales de la lista de cotejo de sus salas; las salas están anidadas en los centros, las visitas en las salas y las observaciones en las visitas.";
        "dep_visits_repeated_visits" => "Classrooms visited on more than one date give the visit-to-visit variance.", "Las salas visitadas en más de una fecha aportan la varianza entre visitas.";
        "dep_visits_observer_error_lower_bound" => "Each classroom was visited once, so only the observer part of the visit-to-visit error is known (from the double-coded visits); the rest is counted as stable classroom variance, which makes Φ with two or more visits a lower bound.", "Cada sala se visitó una sola vez, así que de la variación entre visitas solo se conoce la parte que aporta el observador (por las visitas con doble codificación); el resto se cuenta como varianza estable de la sala, por lo que Φ con dos o más visitas es un límite inferior.";
        "dep_visits_not_identifiable" => "Each classroom was visited once and no visit was double-coded, so the effect of more visits cannot be estimated.", "Cada sala se visitó una sola vez y ninguna visita tuvo doble codificación, así que no se puede estimar el efecto de hacer más visitas.";
        "dep_center_g_caption" => "Variance components of the checklist total for the center mean", "Componentes de varianza del total de la lista de cotejo para el promedio del centro";
        "dep_center_g_note" => "REML on every observation with a checklist total, classrooms numbered within centers (visits within classrooms, observations within visits); the two crossed components of each nested facet are added (Brennan, 2001): σ²(classroom:center) = σ²(classroom) + σ²(center × classroom).", "REML con todas las observaciones que tienen total de la lista, con las salas numeradas dentro de cada centro (las visitas dentro de cada sala y las observaciones dentro de cada visita); los dos componentes cruzados de cada faceta anidada se suman (Brennan, 2001): σ²(sala:centro) = σ²(sala) + σ²(centro × sala).";
        "dep_visits_short" => "visits", "visitas";
        "dep_classrooms_per_center" => "Classrooms per center", "Salas por centro";
        "dep_center_d_caption" => "D study of the center mean: Φ by classrooms per center and visits per classroom", "Estudio D del promedio del centro: Φ según las salas por centro y las visitas por sala";
        "dep_target" => "Target", "Meta";
        "dep_center_needed_caption" => "Classrooms per center needed for the center mean, by visits per classroom", "Salas por centro necesarias para el promedio del centro, según las visitas por sala";
        "dep_center_needed_note" => "'> 20': not reached with 20 classrooms per center. NA: not estimable with these data.", "«> 20»: no se alcanza con 20 salas por centro. NA: no se puede estimar con estos datos.";
        "fig_dstudy_class" => "D study of CLASS: Φ and Eρ² by number of cycles", "Estudio D de CLASS: Φ y Eρ² según el número de ciclos";
        "fig_dstudy_center" => "D study of the center mean: Φ by classrooms per center", "Estudio D del promedio del centro: Φ según las salas por centro";
        "dep_cycles_axis" => "Cycles", "Ciclos";
        "dep_cycle_one" => "cycle", "ciclo";
        "dep_visit_one" => "visit", "visita";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn all_keys_exist_in_both_languages() {
        for k in [
            "title",
            "continued",
            "sample",
            "quality",
            "scores",
            "methods",
            "provenance",
            "centers",
            "classrooms",
            "checklist_obs",
            "class_obs",
            "class_cycles",
            "double_coded",
            "reliability_obs",
            "quantity",
            "value",
            "score",
            "mean",
            "sd",
            "ci",
            "min",
            "max",
            "level_observation",
            "level_classroom",
            "level_center",
            "desc_caption",
            "level",
            "severity",
            "sev_info",
            "sev_warning",
            "sev_error",
            "no_problems",
            "file",
            "version",
            "seed",
            "spec",
            "checklist_total",
            "checklist_prefix",
            "obs_note",
            "reliability",
            "consistency_caption",
            "consistency_note_pairwise",
            "consistency_note_listwise",
            "consistency_methods_pairwise",
            "consistency_methods_listwise",
            "scale",
            "ordinal_alpha",
            "item",
            "subscale",
            "pairs",
            "agreement",
            "item_agreement_caption",
            "icc_caption",
            "icc_note",
            "reml_icc",
            "interpretation",
            "class_agreement_caption",
            "dimension",
            "cycle_pairs",
            "exact",
            "within_one",
            "yes",
            "no",
            "observer_caption",
            "observer",
            "instrument",
            "criterion",
            "comparisons",
            "validity",
            "validity_caption",
            "validity_note",
            "domain",
            "mtmm_caption",
            "disatt_caption",
            "rel_short",
            "disatt_r",
            "partial_r",
            "partial_r_none",
            "disatt_note",
            "dependent_caption",
            "comparison",
            "test",
            "statistic",
            "roc_caption",
            "positives",
            "cutoff",
            "sensitivity",
            "specificity",
            "benchmark",
            "item_validity_caption",
            "item_validity_note",
            "flag",
            "no_discrimination",
            "short_form_caption",
            "removed",
            "proposed",
            "items_word",
            "no_proposal",
            "cv",
            "fig_test_information",
            "test_information",
            "roc_cutoff_theta",
            "short_form_cv_note",
            "short_form_oos",
            "short_form_fails_cv",
            "short_form_cv_na",
            "multilevel_caption",
            "icc_center",
            "deff",
            "multilevel_note",
            "ba_caption",
            "bias",
            "loa_low",
            "loa_high",
            "ba_note",
            "figures",
            "fig_scatter",
            "fig_roc",
            "fig_ba",
            "ba_x",
            "ba_y",
            "loa_short",
            "fig_forest_agree",
            "fig_forest_validity",
            "coefficient",
            "fig_distributions",
            "count",
            "fig_observers",
            "severity_y",
            "fig_drift",
            "week",
            "fig_profile",
            "class_score",
            "band_low",
            "band_mid",
            "band_high",
            "fig_short_form",
            "n_items",
        ] {
            assert_ne!(tr(Lang::Es, k), "??", "{k}");
            assert_ne!(tr(Lang::En, k), "??", "{k}");
        }
        assert_ne!(tr(Lang::Es, "title"), tr(Lang::En, "title"));
    }

    #[test]
    fn dependability_keys_exist_in_both_languages() {
        for k in [
            "dependability",
            "dep_intro",
            "dep_var_classroom",
            "dep_class_g_caption",
            "dep_class_g_note",
            "dep_observers",
            "dep_cycles_short",
            "dep_cycles_needed",
            "dep_class_d_caption",
            "dep_class_d_note",
            "dep_design_items",
            "dep_design_observers",
            "dep_checklist_g_caption",
            "dep_design",
            "dep_effect",
            "dep_share",
            "dep_checklist_g_note",
            "dep_one_observer",
            "dep_two_observers",
            "dep_primary_short",
            "dep_checklist_d_caption",
            "dep_items",
            "dep_checklist_d_note",
            "dep_center_intro",
            "dep_visits_repeated_visits",
            "dep_visits_observer_error_lower_bound",
            "dep_visits_not_identifiable",
            "dep_center_g_caption",
            "dep_center_g_note",
            "dep_visits_short",
            "dep_classrooms_per_center",
            "dep_center_d_caption",
            "dep_target",
            "dep_center_needed_caption",
            "dep_center_needed_note",
            "fig_dstudy_class",
            "fig_dstudy_center",
            "dep_cycles_axis",
            "dep_cycle_one",
            "dep_visit_one",
        ] {
            assert_ne!(tr(Lang::Es, k), "??", "{k}");
            assert_ne!(tr(Lang::En, k), "??", "{k}");
        }
    }
}
