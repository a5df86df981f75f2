//! Near-matches for IDs that are not where they should be, so that `check` can propose the fix
//! and `run` does not silently match less:
//!
//! - a center ID of the checklist or the CLASS file that is not in the roster, against the
//!   roster's center IDs;
//! - a CLASS classroom with no checklist observation under its center, against the checklist
//!   classrooms of that center that have no CLASS observation (the roster lists centers only,
//!   so the checklist, the tablet export, is the reference for classroom IDs).
//!
//! The closest ID is the one that is the same ignoring case, spaces and accents or, failing
//! that, one edit away (Levenshtein distance 1 once case, spaces and accents are ignored). It
//! is proposed only when it is the only one at that distance; several are listed instead.

use super::ingest::{ObsMeta, Roster};
use super::privacy::Pseudonymizer;
use crate::io::table::fold_accent;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How close a proposed ID is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Nearness {
    /// The same once case, spaces and accents are ignored.
    Folded,
    /// One character inserted, deleted or replaced (once case, spaces and accents are ignored).
    OneEdit,
}

impl Nearness {
    pub fn describe_en(self) -> &'static str {
        match self {
            Nearness::Folded => "the same ignoring case, spaces and accents",
            Nearness::OneEdit => "one character different",
        }
    }
    pub fn describe_es(self) -> &'static str {
        match self {
            Nearness::Folded => "igual sin contar mayúsculas, espacios ni acentos",
            Nearness::OneEdit => "con un carácter distinto",
        }
    }
}

/// The reference IDs close to an unmatched ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closest {
    /// Exactly one: the proposed fix.
    One { id: String, how: Nearness },
    /// Several equally close (sorted, at most five): named, not proposed.
    Several { ids: Vec<String>, how: Nearness },
}

impl Closest {
    pub fn how(&self) -> Nearness {
        match self {
            Closest::One { how, .. } | Closest::Several { how, .. } => *how,
        }
    }
    /// The proposed ID, when there is exactly one.
    pub fn proposed(&self) -> Option<&str> {
        match self {
            Closest::One { id, .. } => Some(id),
            Closest::Several { .. } => None,
        }
    }
    /// "; closest roster ID: 'GDR-0005' (the same ignoring case, spaces and accents)" and its
    /// Spanish twin, to append to an issue's message.
    pub fn message(&self, what: IdRef) -> (String, String) {
        let (one_en, several_en, one_es, several_es) = what.labels();
        match self {
            Closest::One { id, how } => (
                format!("; {one_en}: '{id}' ({})", how.describe_en()),
                format!("; {one_es}: '{id}' ({})", how.describe_es()),
            ),
            Closest::Several { ids, how } => {
                let list = ids.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", ");
                (
                    format!("; several {several_en} ({}): {list}", how.describe_en()),
                    format!("; varios {several_es} ({}): {list}", how.describe_es()),
                )
            }
        }
    }
}

/// Where a proposed ID comes from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdRef {
    /// A center ID of the roster.
    RosterCenter,
    /// A classroom ID of the checklist (for a CLASS classroom).
    ChecklistClassroom,
    /// A classroom ID of the CLASS file (for a checklist classroom).
    ClassClassroom,
}

impl IdRef {
    /// (closest, several close) in English, then in Spanish.
    fn labels(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            IdRef::RosterCenter => (
                "closest roster ID",
                "close roster IDs",
                "ID más cercano del marco muestral",
                "IDs cercanos del marco muestral",
            ),
            IdRef::ChecklistClassroom => (
                "closest classroom ID in the checklist",
                "close classroom IDs in the checklist",
                "ID de sala más cercano en la lista de cotejo",
                "IDs de sala cercanos en la lista de cotejo",
            ),
            IdRef::ClassClassroom => (
                "CLASS classroom ID close to it",
                "close classroom IDs in the CLASS file",
                "ID de sala cercano en el archivo CLASS",
                "IDs de sala cercanos en el archivo CLASS",
            ),
        }
    }
}

/// An ID folded for comparison: lower case, accents removed, white space dropped.
pub fn fold_id(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).map(|c| fold_accent(c.to_lowercase().next().unwrap_or(c))).collect()
}

/// Levenshtein distance of at most one.
pub fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if b.len() - a.len() > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if a.len() == b.len() {
        // One substitution: the rest after the first difference is equal.
        prefix == a.len() || a[prefix + 1..] == b[prefix + 1..]
    } else {
        // One insertion into the shorter one.
        a[prefix..] == b[prefix + 1..]
    }
}

/// Reference IDs indexed for [`IdIndex::closest`].
pub struct IdIndex {
    by_fold: HashMap<String, Vec<String>>,
    folded: Vec<(Vec<char>, String)>,
}

impl IdIndex {
    pub fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> IdIndex {
        let mut by_fold: HashMap<String, Vec<String>> = HashMap::new();
        let mut folded = Vec::new();
        for id in ids.into_iter().collect::<BTreeSet<_>>() {
            let f = fold_id(id);
            folded.push((f.chars().collect(), id.to_string()));
            by_fold.entry(f).or_default().push(id.to_string());
        }
        IdIndex { by_fold, folded }
    }

    /// The reference IDs closest to `id`, if any is the same once folded or one edit away
    /// (`None` for an ID of the index itself: it needs no fix).
    pub fn closest(&self, id: &str) -> Option<Closest> {
        let f = fold_id(id);
        if self.by_fold.get(&f).is_some_and(|ids| ids.iter().any(|x| x == id)) {
            return None;
        }
        let pick = |mut ids: Vec<String>, how: Nearness| -> Option<Closest> {
            ids.retain(|x| x != id);
            ids.sort();
            ids.dedup();
            match ids.len() {
                0 => None,
                1 => Some(Closest::One { id: ids.remove(0), how }),
                _ => Some(Closest::Several { ids: ids.into_iter().take(5).collect(), how }),
            }
        };
        if let Some(c) = self.by_fold.get(&f).and_then(|ids| pick(ids.clone(), Nearness::Folded)) {
            return Some(c);
        }
        let fc: Vec<char> = f.chars().collect();
        if fc.is_empty() {
            return None;
        }
        let near: Vec<String> =
            self.folded.iter().filter(|(g, _)| within_one_edit(&fc, g)).map(|(_, orig)| orig.clone()).collect();
        pick(near, Nearness::OneEdit)
    }
}

/// Near-matches found in the data, keyed by the IDs as they are in the data.
#[derive(Debug, Clone, Default)]
pub struct IdMatches {
    /// Center IDs (checklist or CLASS) not in the roster → the closest roster IDs.
    pub centers: BTreeMap<String, Closest>,
    /// (center, CLASS classroom) with no checklist observation → the closest checklist
    /// classrooms of that center among those with no CLASS observation.
    pub classrooms: BTreeMap<(String, String), Closest>,
}

impl IdMatches {
    /// Look for near-matches (on the raw IDs: before pseudonymization).
    pub fn find(checklist: &[ObsMeta], class: Option<&[ObsMeta]>, roster: Option<&Roster>) -> IdMatches {
        let mut out = IdMatches::default();
        if let Some(r) = roster {
            // The distinct centers, sorted: rows of a center mostly come together, so repeats of
            // the previous row's center are skipped before the sort (a million rows, 200,000 centers).
            let mut data: Vec<&str> = Vec::new();
            for m in checklist.iter().chain(class.unwrap_or_default()) {
                if data.last() != Some(&&*m.center) {
                    data.push(&m.center);
                }
            }
            data.par_sort_unstable();
            data.dedup();
            data.retain(|c| !r.centers.contains_key(*c));
            // The index of the roster (a national one lists 200,000 centers) is built only when
            // some center is not on it.
            if !data.is_empty() {
                let index = IdIndex::new(r.centers.keys().map(|s| s.as_str()));
                for c in data {
                    if let Some(m) = index.closest(c) {
                        out.centers.insert(c.to_string(), m);
                    }
                }
            }
        }
        if let Some(class) = class {
            let rooms = |ms: &[ObsMeta]| -> BTreeSet<(String, String)> {
                ms.iter().map(|m| (m.center.to_string(), m.classroom.to_string())).collect()
            };
            let (cl_rooms, cs_rooms) = (rooms(checklist), rooms(class));
            // Checklist classrooms without CLASS, by center: the candidates.
            let mut open: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (c, r) in cl_rooms.difference(&cs_rooms) {
                open.entry(c.as_str()).or_default().push(r.as_str());
            }
            for (c, r) in cs_rooms.difference(&cl_rooms) {
                let Some(cands) = open.get(c.as_str()) else { continue };
                if let Some(m) = IdIndex::new(cands.iter().copied()).closest(r) {
                    out.classrooms.insert((c.clone(), r.clone()), m);
                }
            }
        }
        out
    }

    /// The same matches with pseudonymized IDs (`--pseudonymize`), so that messages name no
    /// raw ID.
    pub fn pseudonymize(&mut self, p: &Pseudonymizer) {
        let map = |c: Closest, f: &dyn Fn(&str) -> String| match c {
            Closest::One { id, how } => Closest::One { id: f(&id), how },
            Closest::Several { ids, how } => Closest::Several { ids: ids.iter().map(|i| f(i)).collect(), how },
        };
        self.centers = std::mem::take(&mut self.centers)
            .into_iter()
            .map(|(k, v)| (p.center(&k), map(v, &|i| p.center(i))))
            .collect();
        self.classrooms = std::mem::take(&mut self.classrooms)
            .into_iter()
            .map(|((c, r), v)| ((p.center(&c), p.classroom(&c, &r)), map(v, &|i| p.classroom(&c, i))))
            .collect();
    }

    /// The reverse of [`classrooms`](Self::classrooms) for unique matches: (center, checklist
    /// classroom) → the CLASS classroom that is close to it.
    pub fn class_rooms_for_checklist(&self) -> BTreeMap<(&str, &str), (&str, Nearness)> {
        self.classrooms
            .iter()
            .filter_map(|((c, r), m)| m.proposed().map(|p| ((c.as_str(), p), (r.as_str(), m.how()))))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }
    #[test]
    fn one_edit() {
        assert!(within_one_edit(&chars("gdr-0005"), &chars("gdr-0006")));
        assert!(within_one_edit(&chars("gdr-005"), &chars("gdr-0005")));
        assert!(within_one_edit(&chars("gdr-00055"), &chars("gdr-0005")));
        assert!(within_one_edit(&chars("abc"), &chars("abc")));
        assert!(!within_one_edit(&chars("gdr-0015"), &chars("gdr-0006")));
        assert!(!within_one_edit(&chars("ab"), &chars("abcd")));
        assert!(within_one_edit(&chars(""), &chars("a")));
    }
    #[test]
    fn closest_prefers_folded_and_requires_uniqueness() {
        let idx = IdIndex::new(["GDR-0005", "GDR-0006", "Guardería Sur", "GDR-0100"]);
        assert_eq!(idx.closest("gdr-0005"), Some(Closest::One { id: "GDR-0005".into(), how: Nearness::Folded }));
        assert_eq!(idx.closest(" GDR -0005"), Some(Closest::One { id: "GDR-0005".into(), how: Nearness::Folded }));
        assert_eq!(
            idx.closest("guarderia sur"),
            Some(Closest::One { id: "Guardería Sur".into(), how: Nearness::Folded })
        );
        assert_eq!(idx.closest("GDR-01000"), Some(Closest::One { id: "GDR-0100".into(), how: Nearness::OneEdit }));
        // GDR-0007 is one edit from both GDR-0005 and GDR-0006: named, not proposed.
        let several = idx.closest("GDR-0007").unwrap();
        assert_eq!(several.proposed(), None);
        assert_eq!(
            several,
            Closest::Several { ids: vec!["GDR-0005".into(), "GDR-0006".into()], how: Nearness::OneEdit }
        );
        assert_eq!(idx.closest("GDR-9999"), None);
        assert_eq!(idx.closest("GDR-0005"), None, "an ID in the index is not its own near-match");
    }
    #[test]
    fn messages_name_the_id_in_both_languages() {
        let c = Closest::One { id: "GDR-0005".into(), how: Nearness::Folded };
        let (en, es) = c.message(IdRef::RosterCenter);
        assert!(en.contains("'GDR-0005'") && en.contains("ignoring case"), "{en}");
        assert!(es.contains("'GDR-0005'") && es.contains("mayúsculas"), "{es}");
    }
}
