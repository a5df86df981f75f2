//! Text encoding detection and decoding.
//!
//! Field exports arrive as UTF-8 (with or without BOM), UTF-16 (Excel "Unicode text"), or
//! Windows-1252/Latin-1 (Spanish-locale Excel "CSV"). Detection order:
//! 1. a byte-order mark decides;
//! 2. bytes that are valid UTF-8 are UTF-8;
//! 3. otherwise Windows-1252 (a superset of the printable Latin-1 range) — unless the file also
//!    holds valid multi-byte UTF-8 sequences, which means two encodings were mixed: an error.

use crate::error::{ErrorKind, InputError};
use encoding_rs::Encoding;
use std::path::Path;

/// What was inferred (or forced) about a file's encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodingInfo {
    /// Canonical name, e.g. `UTF-8`, `windows-1252`, `UTF-16LE`.
    pub name: String,
    pub bom: bool,
    /// `true` if detected, `false` if forced by the spec.
    pub detected: bool,
}

/// Whether a file that is valid UTF-8 reads as it stands: the encoding is detected (no label, or
/// `auto`), it has no byte-order mark and does not look binary: [`decode_owned`]'s fast path.
pub fn reads_as_utf8(bytes: &[u8], label: Option<&str>) -> bool {
    let auto = label.is_none_or(|l| l.trim().is_empty() || l.trim().eq_ignore_ascii_case("auto"));
    auto && Encoding::for_bom(bytes).is_none() && !looks_binary(bytes)
}

/// Decode owned bytes into a UTF-8 string, reusing the buffer when it already is UTF-8 (no
/// copy of a large export). `label` is the spec override (`auto` or `None` detects).
pub fn decode_owned(path: &Path, bytes: Vec<u8>, label: Option<&str>) -> Result<(String, EncodingInfo), InputError> {
    // Fast path: plain UTF-8 without BOM, validated once, no copy.
    if reads_as_utf8(&bytes, label) {
        match String::from_utf8(bytes) {
            Ok(s) => return Ok((s, EncodingInfo { name: "UTF-8".into(), bom: false, detected: true })),
            Err(e) => return decode(path, e.as_bytes(), label),
        }
    }
    let (text, info) = decode(path, &bytes, label)?;
    if info.name == "UTF-8" && text.is_empty() && !bytes.is_empty() {
        let start = if info.bom { 3 } else { 0 };
        let mut bytes = bytes;
        bytes.drain(..start);
        // Validated by `decode`.
        let s = String::from_utf8(bytes)
            .map_err(|_| InputError::new(ErrorKind::Encoding, path).found("invalid UTF-8").expected("UTF-8"))?;
        return Ok((s, info));
    }
    Ok((text, info))
}

/// Decode `bytes` into a UTF-8 string. `label` is the spec override (`auto` or `None` detects).
/// For plain UTF-8 input the returned text is empty and the caller keeps the bytes
/// ([`decode_owned`] does that); every other case returns the decoded text.
pub fn decode(path: &Path, bytes: &[u8], label: Option<&str>) -> Result<(String, EncodingInfo), InputError> {
    let forced = match label.map(|l| l.trim().to_ascii_lowercase()) {
        None => None,
        Some(l) if l.is_empty() || l == "auto" => None,
        Some(l) => {
            let enc = Encoding::for_label(l.as_bytes()).ok_or_else(|| {
                InputError::new(ErrorKind::Spec, path)
                    .found(l.clone())
                    .expected("an encoding label such as auto, utf-8, windows-1252, latin-1, utf-16")
            })?;
            Some(enc)
        }
    };
    if let Some(enc) = forced {
        let (text, had_errors) = enc.decode_with_bom_removal(bytes);
        if had_errors {
            let line = first_bad_utf8_line(bytes);
            let mut e = InputError::new(ErrorKind::Encoding, path)
                .found(format!("bytes that are not valid {}", enc.name()))
                .expected(format!("{} text as the spec says", enc.name()))
                .hint("remove the `encoding` override to let checkval detect it");
            if let Some(l) = line {
                e = e.line(l);
            }
            return Err(e);
        }
        let bom = Encoding::for_bom(bytes).is_some();
        return Ok((text.into_owned(), EncodingInfo { name: enc.name().to_string(), bom, detected: false }));
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        if enc == encoding_rs::UTF_8 {
            return match std::str::from_utf8(&bytes[bom_len..]) {
                Ok(_) => Ok((String::new(), EncodingInfo { name: "UTF-8".into(), bom: true, detected: true })),
                Err(_) => Err(InputError::new(ErrorKind::Encoding, path)
                    .found("a UTF-8 byte-order mark followed by invalid UTF-8 text")
                    .expected("text in the encoding its byte-order mark announces")),
            };
        }
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(InputError::new(ErrorKind::Encoding, path)
                .found(format!("a {} byte-order mark followed by invalid {} text", enc.name(), enc.name()))
                .expected("text in the encoding its byte-order mark announces"));
        }
        return Ok((text.into_owned(), EncodingInfo { name: enc.name().to_string(), bom: true, detected: true }));
    }
    if looks_binary(bytes) {
        return Err(InputError::new(ErrorKind::BinaryFile, path)
            .found("NUL bytes or control characters (a binary file?)")
            .expected("a delimited text file (CSV/TSV)")
            .hint("spreadsheets must be exported to CSV, or named with their .xlsx extension"));
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => Ok((String::new(), EncodingInfo { name: "UTF-8".into(), bom: false, detected: true })),
        Err(_) => {
            if count_utf8_multibyte(bytes) > 0 {
                let mut e = InputError::new(ErrorKind::MixedEncoding, path)
                    .found("both UTF-8 sequences and bytes that are not UTF-8")
                    .expected("one encoding for the whole file")
                    .hint("tried UTF-8 (invalid bytes) and windows-1252 (would garble the UTF-8 accents); re-export the file in one encoding");
                if let Some(l) = first_bad_utf8_line(bytes) {
                    e = e.line(l);
                }
                return Err(e);
            }
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok((text.into_owned(), EncodingInfo { name: "windows-1252".into(), bom: false, detected: true }))
        }
    }
}

fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(8192)];
    if sample.contains(&0) {
        return true;
    }
    let ctrl = sample.iter().filter(|&&b| b < 0x20 && b != b'\n' && b != b'\r' && b != b'\t' && b != 0x0c).count();
    ctrl * 20 > sample.len().max(1)
}

/// Number of well-formed 2–4 byte UTF-8 sequences (evidence that part of a file is UTF-8).
fn count_utf8_multibyte(bytes: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let len = if (0xF0..=0xF4).contains(&b) {
            4
        } else if b >= 0xE0 {
            3
        } else if (0xC2..=0xDF).contains(&b) {
            2
        } else {
            1
        };
        if len > 1 && i + len <= bytes.len() && std::str::from_utf8(&bytes[i..i + len]).is_ok() {
            n += 1;
            i += len;
        } else {
            i += 1;
        }
    }
    n
}

fn first_bad_utf8_line(bytes: &[u8]) -> Option<u64> {
    match std::str::from_utf8(bytes) {
        Ok(_) => None,
        Err(e) => Some(1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn p() -> &'static Path {
        Path::new("x.csv")
    }
    #[test]
    fn utf8_bom_is_stripped() {
        let (t, info) = decode_owned(p(), b"\xEF\xBB\xBFa,b\n".to_vec(), None).unwrap();
        assert_eq!(t, "a,b\n");
        assert!(info.bom);
        assert_eq!(info.name, "UTF-8");
    }
    #[test]
    fn latin1_detected() {
        let (t, info) = decode(p(), b"Observaci\xF3n;S\xED\n", None).unwrap();
        assert_eq!(t, "Observación;Sí\n");
        assert_eq!(info.name, "windows-1252");
    }
    #[test]
    fn utf16le_bom() {
        let mut b = vec![0xFF, 0xFE];
        for c in "sí,no\n".encode_utf16() {
            b.extend_from_slice(&c.to_le_bytes());
        }
        let (t, info) = decode(p(), &b, None).unwrap();
        assert_eq!(t, "sí,no\n");
        assert_eq!(info.name, "UTF-16LE");
    }
    #[test]
    fn mixed_is_an_error() {
        let e = decode(p(), "Sí\n".as_bytes().iter().chain(b"S\xED\n").copied().collect::<Vec<_>>().as_slice(), None)
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::MixedEncoding);
        assert_eq!(e.line, Some(2));
    }
    #[test]
    fn forced_utf8_on_latin1_fails_with_line() {
        let e = decode(p(), b"a\nb\xF3\n", Some("utf-8")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Encoding);
        assert_eq!(e.line, Some(2));
    }
    #[test]
    fn binary_rejected() {
        let e = decode(p(), b"PK\x03\x04\x00\x00garbage", None).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BinaryFile);
    }
}
