//! Built-in CLASS instrument tables and custom instruments.
//!
//! Scoring convention (CLASS manuals, Pianta, La Paro & Hamre 2008; La Paro, Hamre & Pianta 2012;
//! Hamre, La Paro, Pianta & LoCasale-Crouch 2014): each dimension is scored 1–7 per cycle; the
//! dimension score is the mean over cycles; a domain score is the mean of its dimension scores,
//! with Negative Climate entered as `8 − NC`. `class_NC` itself stays raw.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub code: String,
    pub name_en: String,
    pub name_es: String,
    pub domain: String,
    /// Entered as `(min + max) − x` inside domain means (Negative Climate).
    #[serde(default)]
    pub reversed: bool,
    /// Extra names (any language) that `init` recognises in headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub code: String,
    pub name_en: String,
    pub name_es: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Instrument {
    pub name: String,
    pub dimensions: Vec<Dimension>,
    pub domains: Vec<Domain>,
    pub min: f64,
    pub max: f64,
}

impl Instrument {
    pub fn dimension(&self, code: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.code == code)
    }
    pub fn dims_of(&self, domain: &str) -> Vec<&Dimension> {
        self.dimensions.iter().filter(|d| d.domain == domain).collect()
    }
}

fn dim(code: &str, en: &str, es: &str, domain: &str, reversed: bool, aliases: &[&str]) -> Dimension {
    Dimension {
        code: code.into(),
        name_en: en.into(),
        name_es: es.into(),
        domain: domain.into(),
        reversed,
        aliases: aliases.iter().map(|s| s.to_string()).collect(),
    }
}

fn dom(code: &str, en: &str, es: &str) -> Domain {
    Domain { code: code.into(), name_en: en.into(), name_es: es.into() }
}

/// Built-in versions: `infant`, `toddler`, `prek`.
pub fn builtin(version: &str) -> Option<Instrument> {
    let (dimensions, domains) = match version {
        "toddler" => (
            vec![
                dim("PC", "Positive Climate", "Clima positivo", "EBS", false, &[]),
                dim("NC", "Negative Climate", "Clima negativo", "EBS", true, &[]),
                dim(
                    "TS",
                    "Teacher Sensitivity",
                    "Sensibilidad del docente",
                    "EBS",
                    false,
                    &["sensibilidad de la educadora", "sensibilidad del maestro"],
                ),
                dim(
                    "RCP",
                    "Regard for Child Perspectives",
                    "Consideración de la perspectiva del niño",
                    "EBS",
                    false,
                    &["consideracion de las perspectivas de los ninos", "respeto por la perspectiva del nino"],
                ),
                dim(
                    "BG",
                    "Behavior Guidance",
                    "Guía del comportamiento",
                    "EBS",
                    false,
                    &["orientacion del comportamiento", "guia de la conducta"],
                ),
                dim(
                    "FLD",
                    "Facilitation of Learning and Development",
                    "Facilitación del aprendizaje y desarrollo",
                    "ESL",
                    false,
                    &["facilitacion del aprendizaje y el desarrollo"],
                ),
                dim("QF", "Quality of Feedback", "Calidad de la retroalimentación", "ESL", false, &[]),
                dim(
                    "LM",
                    "Language Modeling",
                    "Modelaje del lenguaje",
                    "ESL",
                    false,
                    &["modelado del lenguaje", "modelamiento del lenguaje"],
                ),
            ],
            vec![
                dom("EBS", "Emotional and Behavioral Support", "Apoyo emocional y conductual"),
                dom("ESL", "Engaged Support for Learning", "Apoyo activo al aprendizaje"),
            ],
        ),
        "prek" => (
            vec![
                dim("PC", "Positive Climate", "Clima positivo", "ES", false, &[]),
                dim("NC", "Negative Climate", "Clima negativo", "ES", true, &[]),
                dim(
                    "TS",
                    "Teacher Sensitivity",
                    "Sensibilidad del docente",
                    "ES",
                    false,
                    &["sensibilidad de la educadora"],
                ),
                dim(
                    "RSP",
                    "Regard for Student Perspectives",
                    "Consideración de la perspectiva de los estudiantes",
                    "ES",
                    false,
                    &["consideracion de la perspectiva de los ninos"],
                ),
                dim("BM", "Behavior Management", "Manejo del comportamiento", "CO", false, &["manejo de la conducta"]),
                dim("PD", "Productivity", "Productividad", "CO", false, &[]),
                dim(
                    "ILF",
                    "Instructional Learning Formats",
                    "Formatos de aprendizaje instruccional",
                    "CO",
                    false,
                    &["formatos didacticos"],
                ),
                dim("CD", "Concept Development", "Desarrollo de conceptos", "IS", false, &[]),
                dim("QF", "Quality of Feedback", "Calidad de la retroalimentación", "IS", false, &[]),
                dim("LM", "Language Modeling", "Modelaje del lenguaje", "IS", false, &["modelado del lenguaje"]),
            ],
            vec![
                dom("ES", "Emotional Support", "Apoyo emocional"),
                dom("CO", "Classroom Organization", "Organización del aula"),
                dom("IS", "Instructional Support", "Apoyo pedagógico"),
            ],
        ),
        "infant" => (
            vec![
                dim("RCL", "Relational Climate", "Clima relacional", "RC", false, &[]),
                dim(
                    "TS",
                    "Teacher Sensitivity",
                    "Sensibilidad del docente",
                    "RC",
                    false,
                    &["sensibilidad de la educadora"],
                ),
                dim("FE", "Facilitated Exploration", "Exploración facilitada", "RC", false, &[]),
                dim("ELS", "Early Language Support", "Apoyo al lenguaje temprano", "RC", false, &[]),
            ],
            vec![dom("RC", "Responsive Caregiving", "Cuidado sensible")],
        ),
        _ => return None,
    };
    Some(Instrument { name: version.to_string(), dimensions, domains, min: 1.0, max: 7.0 })
}

pub const BUILTIN_VERSIONS: [&str; 3] = ["infant", "toddler", "prek"];

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn tables_are_consistent() {
        for v in BUILTIN_VERSIONS {
            let inst = builtin(v).unwrap();
            for d in &inst.dimensions {
                assert!(inst.domains.iter().any(|x| x.code == d.domain), "{v}: {} has unknown domain", d.code);
            }
            for dm in &inst.domains {
                assert!(!inst.dims_of(&dm.code).is_empty());
            }
        }
        assert_eq!(builtin("toddler").unwrap().dimensions.len(), 8);
        assert_eq!(builtin("prek").unwrap().dimensions.len(), 10);
        assert_eq!(builtin("infant").unwrap().dimensions.len(), 4);
        assert!(builtin("toddler").unwrap().dimension("NC").unwrap().reversed);
        assert!(builtin("k3").is_none());
    }
}
