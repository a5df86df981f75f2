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
            "checklist_total", "checklist_prefix", "obs_note",
        ] {
            assert_ne!(tr("es", k), "??", "{k}");
            assert_ne!(tr("en", k), "??", "{k}");
        }
        assert_ne!(tr("es", "title"), tr("en", "title"));
    }
}
