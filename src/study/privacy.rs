//! `--pseudonymize`: observer and center IDs replaced by salted hashes in every output.
//!
//! A pseudonym is `O-` (observer) or `C-` (center) followed by the first 12 hex digits of
//! HMAC-SHA-256(salt, kind ‖ 0x00 ‖ id) (RFC 2104). The same salt gives the same pseudonyms in
//! every run and every command, so files from different evenings still link; without the salt
//! the IDs cannot be recovered by hashing a list of candidate IDs. A classroom ID that contains
//! its center's ID (`C012-S1`) is pseudonymized too (`R-…`), since it would reveal the center.
//!
//! The salt comes from the `CHECKVAL_SALT` environment variable or from `--salt-file` (first
//! line), never from the command line (which shells and process lists keep), and is never
//! written out: provenance records only that pseudonymization was applied.

use super::ingest::ObsMeta;
use crate::error::{ErrorKind, InputError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Minimum salt length (bytes): shorter salts are guessable.
pub const MIN_SALT: usize = 8;

#[derive(Clone)]
pub struct Pseudonymizer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer { key: <hidden> }")
    }
}

impl Pseudonymizer {
    pub fn new(salt: &str) -> Result<Self, InputError> {
        let s = salt.trim_end_matches(['\r', '\n']);
        if s.len() < MIN_SALT {
            return Err(InputError::new(ErrorKind::Usage, "--pseudonymize")
                .found(format!("a salt of {} byte(s)", s.len()))
                .expected(format!("a secret salt of at least {MIN_SALT} characters in CHECKVAL_SALT or --salt-file")));
        }
        Ok(Pseudonymizer { key: s.as_bytes().to_vec() })
    }

    /// The salt from `--salt-file` (first line) or else `CHECKVAL_SALT`.
    pub fn from_sources(salt_file: Option<&Path>) -> Result<Self, InputError> {
        if let Some(p) = salt_file {
            let t = std::fs::read_to_string(p).map_err(|e| {
                InputError::new(ErrorKind::FileNotFound, p).found(e.to_string()).expected("a readable salt file")
            })?;
            return Self::new(t.lines().next().unwrap_or(""));
        }
        match std::env::var("CHECKVAL_SALT") {
            Ok(s) => Self::new(&s),
            Err(_) => Err(InputError::new(ErrorKind::Usage, "--pseudonymize")
                .found("no salt")
                .expected("the salt in the CHECKVAL_SALT environment variable or in a file given with --salt-file")),
        }
    }

    /// HMAC-SHA-256 (RFC 2104) of `kind ‖ 0 ‖ id`, first 6 bytes in hex.
    fn mac(&self, kind: &str, id: &str) -> String {
        hmac_sha256(&self.key, &[kind.as_bytes(), &[0u8], id.as_bytes()])[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub fn center(&self, id: &str) -> String {
        if id.is_empty() {
            String::new()
        } else {
            format!("C-{}", self.mac("center", id))
        }
    }
    pub fn observer(&self, id: &str) -> String {
        if id.is_empty() {
            String::new()
        } else {
            format!("O-{}", self.mac("observer", id))
        }
    }
    /// Classroom IDs are kept unless they contain the center ID.
    pub fn classroom(&self, center: &str, id: &str) -> String {
        if !center.is_empty() && id.contains(center) {
            format!("R-{}", self.mac("classroom", id))
        } else {
            id.to_string()
        }
    }

    fn apply_meta(&self, metas: &mut [ObsMeta], cache: &mut HashMap<(u8, Arc<str>), Arc<str>>) {
        for m in metas {
            let raw_center = m.center.clone();
            let c = cache.entry((0, raw_center.clone())).or_insert_with(|| Arc::from(self.center(&raw_center))).clone();
            let o =
                cache.entry((1, m.observer.clone())).or_insert_with(|| Arc::from(self.observer(&m.observer))).clone();
            let key = Arc::from(format!("{raw_center}\u{0}{}", m.classroom));
            let r =
                cache.entry((2, key)).or_insert_with(|| Arc::from(self.classroom(&raw_center, &m.classroom))).clone();
            m.center = c;
            m.observer = o;
            m.classroom = r;
        }
    }

    /// Replace IDs in everything ingested, before any score or output is computed.
    pub fn apply(
        &self,
        checklist: &mut [ObsMeta],
        class: Option<&mut [ObsMeta]>,
        roster: Option<&mut super::ingest::Roster>,
    ) {
        let mut cache = HashMap::new();
        self.apply_meta(checklist, &mut cache);
        if let Some(c) = class {
            self.apply_meta(c, &mut cache);
        }
        if let Some(r) = roster {
            r.centers = std::mem::take(&mut r.centers).into_iter().map(|(k, v)| (self.center(&k), v)).collect();
            r.lines = std::mem::take(&mut r.lines).into_iter().map(|(k, v)| (self.center(&k), v)).collect();
        }
    }

    /// Replace the IDs attached to values excluded at ingest (they name the row's observation).
    pub fn apply_excluded(&self, excluded: &mut [super::ingest::ValueIssue]) {
        for v in excluded {
            let ids = &mut v.ids;
            if !ids.center.is_empty() {
                ids.classroom = self.classroom(&ids.center, &ids.classroom);
                ids.center = self.center(&ids.center);
            }
            if !ids.observer.is_empty() {
                ids.observer = self.observer(&ids.observer);
            }
        }
    }
}

/// HMAC-SHA-256 (RFC 2104) of the concatenated `parts`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    const B: usize = 64;
    let mut k = if key.len() > B { Sha256::digest(key).to_vec() } else { key.to_vec() };
    k.resize(B, 0);
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let mut inner = Sha256::new().chain_update(&ipad);
    for p in parts {
        inner.update(p);
    }
    let outer = Sha256::new().chain_update(&opad).chain_update(inner.finalize()).finalize();
    outer.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231() {
        let hex = |b: [u8; 32]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        // Test case 2: key "Jefe", data "what do ya want for nothing?" (split in two parts).
        assert_eq!(
            hex(hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a 131-byte key (longer than the block, hashed first).
        let key = [0xaau8; 131];
        assert_eq!(
            hex(hmac_sha256(&key, &[b"Test Using Larger Than Block-Size Key - Hash Key First"])),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn pseudonyms_are_stable_salted_and_distinct() {
        let a = Pseudonymizer::new("sal-de-prueba-1").unwrap();
        let b = Pseudonymizer::new("sal-de-prueba-2").unwrap();
        assert_eq!(a.center("C001"), a.center("C001"));
        assert_ne!(a.center("C001"), b.center("C001"));
        assert_ne!(a.center("C001"), a.observer("C001"));
        assert!(a.center("C001").starts_with("C-") && a.center("C001").len() == 14);
        assert_eq!(a.classroom("C001", "S1"), "S1");
        assert!(a.classroom("C001", "C001-S1").starts_with("R-"));
        assert!(Pseudonymizer::new("corta").is_err());
    }
}
