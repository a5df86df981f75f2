//! The decoded text of a delimited file: an owned string, or, for a large file that is plain
//! UTF-8 already, a read-only memory map of it.
//!
//! A million-row export is 450 MB: reading it copies every byte into a fresh allocation whose
//! pages the kernel first zeroes, one fault per 4 KiB page (about a second on the project's
//! 2-core VM). Mapping the file (pre-faulted in one call) skips both, and the UTF-8 check runs on
//! all threads. The map is read-only: the raw input is never written. As with every reader of
//! memory-mapped files (ripgrep, polars), a file truncated by another process while it is read
//! may end the process; field exports are not written while they are analysed.

use rayon::prelude::*;
use std::fs::File;
use std::ops::Deref;

/// Text a table reads: see the module documentation. Derefs to `str`.
#[derive(Default)]
pub struct Text(Repr);

#[derive(Default)]
enum Repr {
    #[default]
    Empty,
    Owned(String),
    /// Checked to be UTF-8 by [`Text::map_utf8`], the only constructor.
    Mapped(memmap2::Mmap),
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Repr::Owned(s))
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        match &self.0 {
            Repr::Empty => "",
            Repr::Owned(s) => s,
            // SAFETY: `map_utf8` returns a `Mapped` text only after `is_utf8` accepted every
            // byte of the map, which is read-only and private to this value.
            Repr::Mapped(m) => unsafe { std::str::from_utf8_unchecked(m) },
        }
    }
}

impl Text {
    /// The file mapped read-only, when it is at least `min_len` bytes and its bytes are UTF-8
    /// as they stand (`plain`: the caller's check of the encoding label, byte-order mark and
    /// binary content on the first bytes); `None` otherwise, or when it cannot be mapped (the
    /// caller then reads and decodes it as any other file).
    pub fn map_utf8(file: &File, min_len: u64, plain: impl FnOnce(&[u8]) -> bool) -> Option<Text> {
        let len = file.metadata().ok()?.len();
        if len < min_len.max(1) {
            return None;
        }
        // SAFETY: the map is read-only; see the module documentation for a file changed
        // underneath it.
        let map = unsafe { memmap2::MmapOptions::new().populate().map(file) }.ok()?;
        (plain(&map) && is_utf8(&map)).then_some(Text(Repr::Mapped(map)))
    }
}

impl Text {
    /// Give back the memory of a part of the text that will not be read again (`part`, a slice
    /// of this text): for a mapped file, the whole pages inside it leave the process's resident
    /// memory (`MADV_DONTNEED`; the file's pages stay in the page cache). A parse that is done
    /// with a chunk releases it, so the text and the records parsed from it do not add up to the
    /// peak. A read of a released page would fault it in again from the file, with the same
    /// bytes. A no-op for other texts and for slices not of this text.
    #[cfg(unix)]
    pub fn release(&self, part: &str) {
        let Repr::Mapped(map) = &self.0 else { return };
        let base = map.as_ptr() as usize;
        let start = (part.as_ptr() as usize).wrapping_sub(base);
        if start > map.len() || part.len() > map.len() - start {
            return;
        }
        let page = page_size();
        // Whole pages only: the neighbours' bytes on a shared page may still be read.
        let (lo, hi) = (start.div_ceil(page) * page, (start + part.len()) / page * page);
        if lo < hi {
            // SAFETY: a read-only file mapping: a released page reads as the file again. The
            // range is inside the map.
            let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, lo, hi - lo) };
        }
    }

    /// See the Unix version: elsewhere nothing is released.
    #[cfg(not(unix))]
    pub fn release(&self, _part: &str) {}
}

/// The memory page size (4 KiB where it cannot be asked).
#[cfg(unix)]
fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as usize,
        _ => 4096,
    }
}

/// Whether `bytes` are UTF-8, checked in pieces on all threads. Pieces start at ASCII bytes,
/// which are never inside a multi-byte sequence of valid UTF-8, so the bytes are valid exactly
/// when every piece is. Test `utf8_in_pieces_equals_whole`.
pub fn is_utf8(bytes: &[u8]) -> bool {
    const PIECE: usize = 8 << 20;
    let mut starts = vec![0usize];
    let mut at = PIECE;
    while at < bytes.len() {
        match bytes[at..].iter().position(|b| b.is_ascii()) {
            Some(k) => starts.push(at + k),
            None => break,
        }
        at = starts[starts.len() - 1] + PIECE;
    }
    starts.push(bytes.len());
    starts.par_windows(2).all(|w| simdutf8::basic::from_utf8(&bytes[w[0]..w[1]]).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_in_pieces_equals_whole() {
        // Multi-byte characters across every piece boundary, then broken sequences at them.
        let line = "centro,sala,Sí,No aplica,niño,€,𝄞\n";
        let mut text = String::new();
        while text.len() < 3 * (8 << 20) + 1000 {
            text.push_str(line);
        }
        assert!(is_utf8(text.as_bytes()));
        for near in [8 << 20, (8 << 20) + 1, 2 * (8 << 20) + 5, text.len() - 2] {
            for bad in [0xC3, 0x80, 0xFF] {
                let mut bytes = text.clone().into_bytes();
                bytes[near] = bad;
                assert_eq!(is_utf8(&bytes), std::str::from_utf8(&bytes).is_ok(), "{bad:x} at {near}");
                // At an ASCII byte, each of them breaks the text.
                let at = near + text.as_bytes()[near..].iter().position(|b| b.is_ascii()).unwrap();
                let mut bytes = text.clone().into_bytes();
                bytes[at] = bad;
                assert!(!is_utf8(&bytes), "{bad:x} at {at}");
            }
        }
        assert!(is_utf8(b""));
    }

    #[test]
    fn a_mapped_file_reads_as_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, "a,b\nSí,1\n").unwrap();
        let f = File::open(&p).unwrap();
        let t = Text::map_utf8(&f, 1, |_| true).expect("mapped");
        assert_eq!(&*t, "a,b\nSí,1\n");
        assert!(Text::map_utf8(&f, 1, |_| false).is_none());
        assert!(Text::map_utf8(&f, 1 << 20, |_| true).is_none(), "below the size to map");
        std::fs::write(&p, b"a,b\n\xe9,1\n").unwrap();
        assert!(Text::map_utf8(&File::open(&p).unwrap(), 1, |_| true).is_none(), "Latin-1 is not mapped");
    }

    /// A released part of a mapped file still reads as the file (its pages come back from the
    /// file), across page boundaries and for slices that are not of the text.
    #[test]
    fn a_released_part_reads_as_the_file_again() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.csv");
        let body: String = (0..40_000).map(|i| format!("{i},Sí,{}\n", i * 7)).collect();
        std::fs::write(&p, &body).unwrap();
        let t = Text::map_utf8(&File::open(&p).unwrap(), 1, |_| true).expect("mapped");
        // Cut at line starts (character boundaries), inside pages and across many.
        let cut = |x: usize| body[..x].rfind('\n').map_or(0, |i| i + 1);
        let (a, b) = (cut(5_000), cut(300_000));
        for (lo, hi) in [(0, a), (a, b), (b, body.len()), (cut(17), cut(17) + 1)] {
            t.release(&t[lo..hi]);
        }
        t.release("not of the text");
        Text::from(body.clone()).release(&body[1..10]);
        assert_eq!(&*t, body.as_str());
    }
}
