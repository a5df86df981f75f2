//! Report labels in Spanish and English. Spanish is written for Mexican readers (IMSS
//! guarderías, "sala", "lista de cotejo"), not translated word for word.

/// Look up a label. Unknown keys return the key itself (a test checks every key used exists).
pub fn tr(lang: &str, key: &str) -> &'static str {
    let es = lang == "es";
    macro_rules! t {
        ($($k:literal => $en:literal, $es:literal;)*) => {
            match key {
                $($k => if es { $es } else { $en },)*
                _ => "??",
            }
        };
    }
    t! {
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
        "consistency_note" => "Listwise deletion: n counts observations with every item of the scale answered and applicable. ω from a one-factor maximum-likelihood model; ordinal α from polychoric correlations.", "Eliminación por lista: n cuenta las observaciones con todos los reactivos de la escala respondidos y aplicables. ω proviene de un modelo unifactorial de máxima verosimilitud; el α ordinal, de correlaciones policóricas.";
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
        "obs_note" => "Observation level uses primary observations only; classroom level averages a classroom's primary observations; center level averages its classrooms.", "El nivel de observación usa solo observaciones principales; el nivel de sala promedia las observaciones principales de cada sala y el de centro promedia sus salas.";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn all_keys_exist_in_both_languages() {
        for k in [
            "title", "sample", "quality", "scores", "methods", "provenance", "centers", "classrooms", "checklist_obs",
            "class_obs", "class_cycles", "double_coded", "reliability_obs", "quantity", "value", "score", "mean", "sd",
            "ci", "min", "max", "level_observation", "level_classroom", "level_center", "desc_caption", "level",
            "severity", "sev_info", "sev_warning", "sev_error", "no_problems", "file", "version", "seed", "spec",
            "checklist_total", "checklist_prefix", "obs_note", "reliability", "consistency_caption", "consistency_note",
            "scale", "ordinal_alpha", "item", "subscale", "pairs", "agreement", "item_agreement_caption", "icc_caption",
            "icc_note", "reml_icc", "interpretation", "class_agreement_caption", "dimension", "cycle_pairs", "exact",
            "within_one", "yes", "no", "observer_caption", "observer", "instrument", "criterion", "comparisons",
        ] {
            assert_ne!(tr("es", k), "??", "{k}");
            assert_ne!(tr("en", k), "??", "{k}");
        }
        assert_ne!(tr("es", "title"), tr("en", "title"));
    }
}
