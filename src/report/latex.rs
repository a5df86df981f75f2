//! LaTeX renderer: booktabs longtables and figure includes (`figures/<id>.pdf` is not produced;
//! the PNG at 2× is included, which pdflatex accepts).
//!
//! Two guarantees, both checked by `scripts/latex-check` (the demo in both languages compiled
//! with `pdflatex -halt-on-error`, no overfull box wider than 1pt):
//!
//! * [`esc`] is total: every character comes out as ASCII, as a LaTeX command, or as a Latin-1 /
//!   Latin Extended-A letter that pdflatex's utf8 input with T1 and TS1 encodings typesets
//!   directly. Greek, math symbols, dashes, quotes, sub/superscripts and combining marks are
//!   mapped; anything else becomes `?` rather than an error.
//! * Tables fit the text width. `layout` estimates each column's width from Latin Modern's
//!   character widths and picks, in order, the first layout that fits: the largest type size
//!   (normal, then `\small` and `\footnotesize` with `\tabcolsep` 4pt), and at each size natural
//!   columns, then wrapped headers (a header wraps to the width of its column), then wrapped text
//!   columns (`p{}` columns, ragged right, never narrower than their longest word). Only when
//!   nothing fits on a portrait page is the table set on a landscape page (pdflscape).

use super::{Block, Doc, Table};

/// Text width of the page: `letterpaper` (614.295pt × 794.97pt) with 2.2cm (62.596pt) margins,
/// as set in the preamble; in landscape the text height becomes the line width.
const PORTRAIT_PT: f64 = 614.295 - 2.0 * 62.596;
const LANDSCAPE_PT: f64 = 794.97 - 2.0 * 62.596;
/// Width estimates are multiplied by this, so a column is never narrower than its text.
const SAFETY: f64 = 1.04;
/// A text column wraps to no less than this (in em), unless its text is narrower anyway.
const MIN_TEXT_EM: f64 = 10.0;

/// Escapes report text for LaTeX (T1 font encoding, utf8 input). Total: see the module docs.
pub fn esc(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut o = String::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        // A base character and the combining marks that follow it are escaped together.
        let (base, start) = if combining(chars[i]).is_some() { (None, i) } else { (Some(chars[i]), i + 1) };
        let mut end = start;
        while end < chars.len() && combining(chars[end]).is_some() {
            end += 1;
        }
        let marks = &chars[start..end];
        match base {
            Some(c) if marks.is_empty() => push_char(&mut o, c, chars.get(end).copied()),
            _ => push_accented(&mut o, base, marks),
        }
        i = end;
    }
    o
}

/// One character with nothing combining on it; `next` breaks T1 ligatures (`--`, `''`, `,,`, `<<`, `>>`).
fn push_char(o: &mut String, c: char, next: Option<char>) {
    match map_char(c) {
        Mapped::Same => {
            o.push(c);
            let ligature = matches!(
                (c, next),
                ('-', Some('-')) | ('\'', Some('\'')) | (',', Some(',')) | ('<', Some('<')) | ('>', Some('>'))
            );
            if ligature {
                o.push_str("{}");
            }
        }
        Mapped::Text(t) => o.push_str(t),
        Mapped::Math(m) => {
            o.push('$');
            o.push_str(m);
            o.push('$');
        }
    }
}

/// A base character (or none, for a mark at the start of the text) with combining marks. A bar
/// or arrow over an ASCII letter is math notation (`m̄` → `$\bar{m}$`), as is any mark on a Greek
/// letter; other marks become text accents (`e` + U+0301 → `\'{e}`). Marks with no LaTeX
/// equivalent in the chosen mode are dropped.
fn push_accented(o: &mut String, base: Option<char>, marks: &[char]) {
    let mapped = base.map(map_char);
    let math_mark = marks.iter().any(|&m| matches!(m, '\u{304}' | '\u{305}' | '\u{20D7}'));
    let letter = base.is_some_and(|c| c.is_ascii_alphabetic());
    if matches!(mapped, Some(Mapped::Math(_))) || (letter && math_mark) {
        let mut inner = match (base, mapped) {
            (Some(_), Some(Mapped::Math(m))) => m.to_string(),
            (Some(c), _) => c.to_string(),
            _ => "{}".to_string(),
        };
        for &m in marks {
            if let Some((_, Some(cmd))) = combining(m) {
                inner = format!("{cmd}{{{inner}}}");
            }
        }
        o.push('$');
        o.push_str(&inner);
        o.push('$');
        return;
    }
    let mut inner = String::new();
    if let Some(c) = base {
        push_char(&mut inner, c, None);
    }
    for &m in marks {
        if let Some((Some(cmd), _)) = combining(m) {
            inner = format!("{cmd}{{{inner}}}");
        }
    }
    o.push_str(&inner);
}

/// A combining mark: its text accent command and its math accent command, either may be missing.
/// `Some((None, None))` marks a combining character that is dropped.
fn combining(c: char) -> Option<(Option<&'static str>, Option<&'static str>)> {
    let pair = match c {
        '\u{300}' => (Some("\\`"), Some("\\grave")),
        '\u{301}' => (Some("\\'"), Some("\\acute")),
        '\u{302}' => (Some("\\^"), Some("\\hat")),
        '\u{303}' => (Some("\\~"), Some("\\tilde")),
        '\u{304}' => (Some("\\="), Some("\\bar")),
        '\u{305}' => (Some("\\="), Some("\\overline")),
        '\u{306}' => (Some("\\u"), Some("\\breve")),
        '\u{307}' => (Some("\\."), Some("\\dot")),
        '\u{308}' => (Some("\\\""), Some("\\ddot")),
        '\u{30A}' => (Some("\\r"), Some("\\mathring")),
        '\u{30B}' => (Some("\\H"), None),
        '\u{30C}' => (Some("\\v"), Some("\\check")),
        '\u{323}' => (Some("\\d"), None),
        '\u{327}' => (Some("\\c"), None),
        '\u{328}' => (Some("\\k"), None),
        '\u{331}' => (Some("\\b"), None),
        '\u{20D7}' => (None, Some("\\vec")),
        '\u{300}'..='\u{36F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}' => (None, None),
        _ => return None,
    };
    Some(pair)
}

enum Mapped {
    /// Written as is (ASCII, or a letter pdflatex's utf8 input typesets in T1/TS1).
    Same,
    /// A text-mode replacement.
    Text(&'static str),
    /// A math-mode replacement, written inside `$…$`.
    Math(&'static str),
}

/// Maps one character. Latin-1 and Latin Extended-A letters pass through (utf8 with T1/TS1 sets
/// them), except the few T1 lacks; symbols are mapped; anything else is `?`.
fn map_char(c: char) -> Mapped {
    use Mapped::{Math, Same, Text};
    match c {
        '\\' => Text("\\textbackslash{}"),
        '&' => Text("\\&"),
        '%' => Text("\\%"),
        '$' => Text("\\$"),
        '#' => Text("\\#"),
        '_' => Text("\\_"),
        '{' => Text("\\{"),
        '}' => Text("\\}"),
        '~' => Text("\\textasciitilde{}"),
        '^' => Text("\\textasciicircum{}"),
        // A backtick is shown as one (as in HTML), not as T1's opening quote.
        '`' => Text("\\textasciigrave{}"),
        // Brackets are grouped so that `\item [` or `\\ [` never reads them as an optional argument.
        '[' => Text("{[}"),
        ']' => Text("{]}"),
        ' '..='~' => Same,
        '\0'..='\u{1F}' | '\u{7F}'..='\u{9F}' => Text(" "),
        '\u{A0}' => Text("~"),
        '\u{AD}' => Text("\\-"),
        '«' => Text("\\guillemotleft{}"),
        '»' => Text("\\guillemotright{}"),
        '·' => Math("\\cdot"),
        '±' => Math("\\pm"),
        '×' => Math("\\times"),
        '÷' => Math("\\div"),
        '¬' => Math("\\neg"),
        'Ħ' => Text("H"),
        'ħ' => Text("h"),
        'ĸ' => Text("k"),
        'Ŀ' => Text("L"),
        'ŀ' => Text("l"),
        'ŉ' => Text("n"),
        'Ŧ' => Text("T"),
        'ŧ' => Text("t"),
        'ſ' => Text("s"),
        '\u{A1}'..='\u{17F}' => Same,
        'ȳ' => Math("\\bar{y}"),
        'Ȳ' => Math("\\bar{Y}"),
        _ => map_greek(c).or_else(|| map_symbol(c)).or_else(|| map_script(c)).unwrap_or(Text("?")),
    }
}

fn map_greek(c: char) -> Option<Mapped> {
    use Mapped::{Math, Text};
    Some(match c {
        'α' => Math("\\alpha"),
        'β' => Math("\\beta"),
        'γ' => Math("\\gamma"),
        'δ' => Math("\\delta"),
        'ε' => Math("\\varepsilon"),
        'ϵ' => Math("\\epsilon"),
        'ζ' => Math("\\zeta"),
        'η' => Math("\\eta"),
        'θ' => Math("\\theta"),
        'ϑ' => Math("\\vartheta"),
        'ι' => Math("\\iota"),
        'κ' => Math("\\kappa"),
        'λ' => Math("\\lambda"),
        'μ' => Math("\\mu"),
        'ν' => Math("\\nu"),
        'ξ' => Math("\\xi"),
        'ο' => Text("o"),
        'π' => Math("\\pi"),
        'ρ' => Math("\\rho"),
        'ϱ' => Math("\\varrho"),
        'ς' => Math("\\varsigma"),
        'σ' => Math("\\sigma"),
        'τ' => Math("\\tau"),
        'υ' => Math("\\upsilon"),
        'φ' => Math("\\varphi"),
        'ϕ' => Math("\\phi"),
        'χ' => Math("\\chi"),
        'ψ' => Math("\\psi"),
        'ω' => Math("\\omega"),
        'Γ' => Math("\\Gamma"),
        'Δ' | '\u{2206}' => Math("\\Delta"),
        'Θ' => Math("\\Theta"),
        'Λ' => Math("\\Lambda"),
        'Ξ' => Math("\\Xi"),
        'Π' => Math("\\Pi"),
        'Σ' => Math("\\Sigma"),
        'Υ' => Math("\\Upsilon"),
        'Φ' => Math("\\Phi"),
        'Ψ' => Math("\\Psi"),
        'Ω' | '\u{2126}' => Math("\\Omega"),
        // Capitals that look like Latin ones.
        'Α' => Text("A"),
        'Β' => Text("B"),
        'Ε' => Text("E"),
        'Ζ' => Text("Z"),
        'Η' => Text("H"),
        'Ι' => Text("I"),
        'Κ' => Text("K"),
        'Μ' => Text("M"),
        'Ν' => Text("N"),
        'Ο' => Text("O"),
        'Ρ' => Text("P"),
        'Τ' => Text("T"),
        'Χ' => Text("X"),
        _ => return None,
    })
}

fn map_symbol(c: char) -> Option<Mapped> {
    use Mapped::{Math, Text};
    Some(match c {
        '−' => Text("\\textminus{}"),
        '‐' => Text("-{}"),
        '‑' => Text("\\mbox{-}"),
        '‒' | '–' => Text("\\textendash{}"),
        '—' | '―' => Text("\\textemdash{}"),
        '…' => Text("\\ldots{}"),
        '‘' => Text("\\textquoteleft{}"),
        '’' => Text("\\textquoteright{}"),
        '‚' => Text("\\quotesinglbase{}"),
        '“' => Text("\\textquotedblleft{}"),
        '”' => Text("\\textquotedblright{}"),
        '„' => Text("\\quotedblbase{}"),
        '‹' => Text("\\guilsinglleft{}"),
        '›' => Text("\\guilsinglright{}"),
        '•' => Text("\\textbullet{}"),
        '†' => Text("\\textdagger{}"),
        '‡' => Text("\\textdaggerdbl{}"),
        '‰' => Text("\\textperthousand{}"),
        '€' => Text("\\texteuro{}"),
        '™' => Text("\\texttrademark{}"),
        '№' => Text("\\textnumero{}"),
        '\u{2002}' => Text("\\enspace{}"),
        '\u{2003}' => Text("\\quad{}"),
        '\u{2009}' | '\u{200A}' | '\u{202F}' => Text("\\,"),
        '\u{2000}'..='\u{2008}' | '\u{205F}' | '\u{3000}' => Text(" "),
        '\u{200B}' => Text("\\hspace{0pt}"),
        '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => Text(""),
        '\u{2028}' | '\u{2029}' => Text(" "),
        '≥' | '⩾' => Math("\\geq"),
        '≤' | '⩽' => Math("\\leq"),
        '≠' => Math("\\neq"),
        '≈' => Math("\\approx"),
        '≃' => Math("\\simeq"),
        '≅' => Math("\\cong"),
        '≡' => Math("\\equiv"),
        '∼' => Math("\\sim"),
        '∝' => Math("\\propto"),
        '≪' => Math("\\ll"),
        '≫' => Math("\\gg"),
        '∓' => Math("\\mp"),
        '⋅' | '∙' => Math("\\cdot"),
        '∗' => Math("\\ast"),
        '∘' => Math("\\circ"),
        '◦' => Math("\\circ"),
        '√' => Math("\\surd"),
        '∞' => Math("\\infty"),
        '∂' => Math("\\partial"),
        '∇' => Math("\\nabla"),
        '∑' => Math("\\sum"),
        '∏' => Math("\\prod"),
        '∫' => Math("\\int"),
        '∈' => Math("\\in"),
        '∉' => Math("\\notin"),
        '∋' => Math("\\ni"),
        '∌' => Math("\\not\\ni"),
        '⊂' => Math("\\subset"),
        '⊃' => Math("\\supset"),
        '⊆' => Math("\\subseteq"),
        '⊇' => Math("\\supseteq"),
        '∩' => Math("\\cap"),
        '∪' => Math("\\cup"),
        '∖' => Math("\\setminus"),
        '∅' => Math("\\emptyset"),
        '∀' => Math("\\forall"),
        '∃' => Math("\\exists"),
        '∧' => Math("\\wedge"),
        '∨' => Math("\\vee"),
        '⊥' => Math("\\perp"),
        '∣' => Math("\\mid"),
        '∥' | '‖' => Math("\\|"),
        '⌊' => Math("\\lfloor"),
        '⌋' => Math("\\rfloor"),
        '⌈' => Math("\\lceil"),
        '⌉' => Math("\\rceil"),
        '⟨' | '\u{2329}' | '\u{3008}' => Math("\\langle"),
        '⟩' | '\u{232A}' | '\u{3009}' => Math("\\rangle"),
        'ℓ' => Math("\\ell"),
        '′' => Math("^{\\prime}"),
        '″' => Math("^{\\prime\\prime}"),
        '⋯' => Math("\\cdots"),
        '→' | '⟶' => Math("\\rightarrow"),
        '←' | '⟵' => Math("\\leftarrow"),
        '↔' => Math("\\leftrightarrow"),
        '↑' => Math("\\uparrow"),
        '↓' => Math("\\downarrow"),
        '⇒' | '⟹' => Math("\\Rightarrow"),
        '⇐' => Math("\\Leftarrow"),
        '⇔' => Math("\\Leftrightarrow"),
        '✓' | '✔' => Math("\\checkmark"),
        '✗' | '✘' => Math("\\times"),
        '★' => Math("\\star"),
        _ => return None,
    })
}

/// Superscript and subscript digits, signs and letters.
fn map_script(c: char) -> Option<Mapped> {
    use Mapped::Text;
    Some(Text(match c {
        '⁰' => "\\textsuperscript{0}",
        '⁴' => "\\textsuperscript{4}",
        '⁵' => "\\textsuperscript{5}",
        '⁶' => "\\textsuperscript{6}",
        '⁷' => "\\textsuperscript{7}",
        '⁸' => "\\textsuperscript{8}",
        '⁹' => "\\textsuperscript{9}",
        '⁺' => "\\textsuperscript{+}",
        '⁻' => "\\textsuperscript{\\textminus}",
        '⁼' => "\\textsuperscript{=}",
        '⁽' => "\\textsuperscript{(}",
        '⁾' => "\\textsuperscript{)}",
        'ⁱ' => "\\textsuperscript{i}",
        'ⁿ' => "\\textsuperscript{n}",
        '₀' => "\\textsubscript{0}",
        '₁' => "\\textsubscript{1}",
        '₂' => "\\textsubscript{2}",
        '₃' => "\\textsubscript{3}",
        '₄' => "\\textsubscript{4}",
        '₅' => "\\textsubscript{5}",
        '₆' => "\\textsubscript{6}",
        '₇' => "\\textsubscript{7}",
        '₈' => "\\textsubscript{8}",
        '₉' => "\\textsubscript{9}",
        '₊' => "\\textsubscript{+}",
        '₋' => "\\textsubscript{\\textminus}",
        '₌' => "\\textsubscript{=}",
        '₍' => "\\textsubscript{(}",
        '₎' => "\\textsubscript{)}",
        'ₐ' => "\\textsubscript{a}",
        'ₑ' => "\\textsubscript{e}",
        'ₒ' => "\\textsubscript{o}",
        'ₓ' => "\\textsubscript{x}",
        'ᵢ' => "\\textsubscript{i}",
        'ⱼ' => "\\textsubscript{j}",
        'ₖ' => "\\textsubscript{k}",
        'ₙ' => "\\textsubscript{n}",
        _ => return None,
    }))
}

/// Widths of the printable ASCII characters (U+0020–U+007E) in Latin Modern Roman 10 (T1), in
/// em; the space is the interword space.
#[rustfmt::skip]
const ASCII_EM: [f64; 95] = [
    0.3333, 0.2778, 0.3738, 0.8333, 0.5, 0.8333, 0.7778, 0.2778, 0.3889, 0.3889, 0.5, 0.7778,
    0.2778, 0.3333, 0.2778, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.2778, 0.2778,
    0.7778, 0.7778, 0.7778, 0.4722, 0.7778, 0.75, 0.7083, 0.7222, 0.7639, 0.6806, 0.6528, 0.7847,
    0.75, 0.3611, 0.5139, 0.7778, 0.625, 0.9167, 0.75, 0.7778, 0.6806, 0.7778, 0.7361, 0.5556,
    0.7222, 0.75, 0.75, 1.0278, 0.75, 0.75, 0.6111, 0.2778, 0.5, 0.2778, 0.5556, 0.75, 0.2778, 0.5,
    0.5556, 0.4444, 0.5556, 0.4444, 0.3056, 0.5, 0.5556, 0.2778, 0.3056, 0.5278, 0.2778, 0.8333,
    0.5556, 0.5, 0.5556, 0.5278, 0.3917, 0.3944, 0.3889, 0.5556, 0.5278, 0.7222, 0.5278, 0.5278,
    0.4444, 0.5, 0.2778, 0.5, 0.5556,
];

/// Estimated printed width of report text, in em (ems of the type size it is set in).
fn text_em(s: &str) -> f64 {
    s.chars()
        .map(|c| match c {
            ' '..='~' => ASCII_EM[c as usize - 0x20],
            _ if combining(c).is_some() => 0.0,
            '\u{A1}'..='\u{17F}' if c.is_uppercase() => 0.8,
            '\u{A1}'..='\u{17F}' => 0.6,
            '–' | '’' | '‘' => 0.5,
            '⁰'..='ₜ' => 0.4,
            _ => 1.0,
        })
        .sum()
}

/// Width of the longest space-separated word, in em: the narrowest a wrapped cell can be.
fn word_em(s: &str) -> f64 {
    s.split(' ').map(text_em).fold(0.0, f64::max)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Size {
    Normal,
    Small,
    Footnote,
}

impl Size {
    /// Type size in pt (11pt article), with the wider design of the 9pt font folded in.
    fn pt(self) -> f64 {
        match self {
            Size::Normal => 10.95,
            Size::Small => 10.0,
            Size::Footnote => 9.0 * 1.04,
        }
    }
    fn cmd(self) -> &'static str {
        match self {
            Size::Normal => "",
            Size::Small => "\\small",
            Size::Footnote => "\\footnotesize",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Col {
    /// `l` or `r` at the width of its widest cell.
    Natural,
    /// `l` or `r`; the header is wrapped in a bottom-aligned box of this width (pt).
    Header(f64),
    /// A ragged-right paragraph column of this width (pt); header and cells wrap.
    Para(f64),
}

/// How a table is set: type size, column padding, page orientation and column widths.
#[derive(Debug, Clone, PartialEq)]
struct Layout {
    size: Size,
    tabcolsep: f64,
    landscape: bool,
    cols: Vec<Col>,
}

/// Column widths in em: widest cell, longest word of a cell, header, longest word of the header.
struct Measure {
    body: f64,
    body_word: f64,
    head: f64,
    head_word: f64,
    numeric: bool,
}

fn measure(t: &Table) -> Vec<Measure> {
    (0..t.headers.len())
        .map(|j| {
            let cells = t.rows.iter().filter_map(|r| r.get(j)).map(|c| c.text.as_str());
            let (body, body_word) =
                cells.fold((0.0, 0.0), |(b, w): (f64, f64), s| (b.max(text_em(s)), w.max(word_em(s))));
            let h = &t.headers[j];
            Measure {
                body,
                body_word,
                head: text_em(h),
                head_word: word_em(h),
                numeric: t.numeric.get(j).copied().unwrap_or(false),
            }
        })
        .collect()
}

/// The first layout that fits (see the module docs); if none does, the most compact one.
fn layout(t: &Table) -> Layout {
    let m = measure(t);
    let tries = [
        (false, Size::Normal, 6.0),
        (false, Size::Small, 4.0),
        (false, Size::Footnote, 4.0),
        (true, Size::Small, 4.0),
        (true, Size::Footnote, 4.0),
    ];
    for &(landscape, size, sep) in &tries {
        if let Some(cols) = fit(&m, size, sep, if landscape { LANDSCAPE_PT } else { PORTRAIT_PT }) {
            return Layout { size, tabcolsep: sep, landscape, cols };
        }
    }
    let cols = fit(&m, Size::Footnote, 4.0, f64::NEG_INFINITY).unwrap_or_else(|| vec![Col::Natural; m.len()]);
    Layout { size: Size::Footnote, tabcolsep: 4.0, landscape: true, cols }
}

/// Column widths at one type size for `avail` pt, or `None` when the table cannot fit. Natural
/// widths first; then headers wrap, widest saving first, until the table fits; then text columns
/// wrap, each giving up width in proportion to what it can spare. With `avail` = −∞ it returns
/// the narrowest layout (everything wrapped as far as it goes).
fn fit(m: &[Measure], size: Size, sep: f64, avail: f64) -> Option<Vec<Col>> {
    let pt = size.pt() * SAFETY;
    let pad = 2.0 * sep * m.len() as f64;
    let natural: Vec<f64> = m.iter().map(|c| c.body.max(c.head) * pt).collect();
    let mut widths = natural.clone();
    let mut cols = vec![Col::Natural; m.len()];
    let total = |w: &[f64]| w.iter().sum::<f64>() + pad;
    if total(&widths) <= avail {
        return Some(cols);
    }
    let mut order: Vec<usize> = (0..m.len()).collect();
    let wrapped = |c: &Measure| c.body.max(c.head_word) * pt;
    order.sort_by(|&a, &b| (natural[b] - wrapped(&m[b])).total_cmp(&(natural[a] - wrapped(&m[a]))));
    for &j in &order {
        if total(&widths) <= avail {
            return Some(cols);
        }
        if wrapped(&m[j]) < natural[j] {
            widths[j] = wrapped(&m[j]);
            cols[j] = Col::Header(widths[j]);
        }
    }
    if total(&widths) <= avail {
        return Some(cols);
    }
    // Text columns wrap: each can shrink to its longest word (and not below MIN_TEXT_EM).
    let min: Vec<f64> = m
        .iter()
        .zip(&widths)
        .map(|(c, &w)| if c.numeric { w } else { w.min(c.body_word.max(c.head_word).max(MIN_TEXT_EM) * pt) })
        .collect();
    let spare: f64 = widths.iter().zip(&min).map(|(w, n)| w - n).sum();
    let need = total(&widths) - avail;
    if avail.is_finite() && need > spare {
        return None;
    }
    let share = if spare > 0.0 { (need / spare).min(1.0) } else { 0.0 };
    for j in 0..m.len() {
        if widths[j] > min[j] {
            widths[j] -= (widths[j] - min[j]) * share;
            cols[j] = Col::Para((widths[j] * 10.0).floor() / 10.0);
        }
    }
    Some(cols)
}

/// The document preamble, up to and including `\begin{document}`.
fn preamble(lang: &str, title: &str, date: &str) -> String {
    format!(
        "% Generated by checkval. Compile with pdflatex, twice (packages: lmodern, booktabs, longtable, array,\n\
         % graphicx, amssymb, pdflscape, babel, geometry, hyperref).\n\
         \\documentclass[11pt]{{article}}\n\
         \\usepackage[utf8]{{inputenc}}\n\
         \\usepackage[T1]{{fontenc}}\n\
         \\usepackage{{lmodern}}\n\
         \\usepackage[{lang}]{{babel}}\n\
         \\usepackage{{booktabs,longtable,array,graphicx,textcomp,amssymb,pdflscape}}\n\
         \\usepackage[letterpaper,margin=2.2cm]{{geometry}}\n\
         \\usepackage[hidelinks]{{hyperref}}\n\
         \\title{{{title}}}\n\
         \\author{{}}\n\
         \\date{{{date}}}\n\
         \\begin{{document}}\n"
    )
}

fn render_table(s: &mut String, t: &Table, l: &Layout, continued: &str) {
    let size = l.size.cmd();
    let numeric = |j: usize| t.numeric.get(j).copied().unwrap_or(false);
    let spec: String = l
        .cols
        .iter()
        .enumerate()
        .map(|(j, c)| (c, numeric(j)))
        .map(|(c, num)| match c {
            Col::Para(w) => format!(">{{{size}\\raggedright\\arraybackslash}}p{{{w:.1}pt}}"),
            _ if size.is_empty() => (if num { "r" } else { "l" }).to_string(),
            _ => format!(">{{{size}}}{}", if num { 'r' } else { 'l' }),
        })
        .collect();
    if l.tabcolsep != 6.0 {
        s.push_str(&format!("\\begingroup\\setlength{{\\tabcolsep}}{{{}pt}}\n", l.tabcolsep));
    }
    let caption = esc(&t.caption);
    let headers: Vec<String> = t
        .headers
        .iter()
        .zip(&l.cols)
        .enumerate()
        .map(|(j, (h, c))| match c {
            Col::Header(w) => {
                let align = if numeric(j) { "\\raggedleft" } else { "\\raggedright" };
                format!("\\parbox[b]{{{w:.1}pt}}{{{align} {}}}", esc(h))
            }
            _ => esc(h),
        })
        .collect();
    // The caption and label open the table; pages it continues on repeat the header under
    // "Table n: caption (continued)", without a second label.
    let head = row(&headers);
    s.push_str(&format!(
        "\\begin{{longtable}}{{{spec}}}\n\\caption{{{caption}}}\\label{{{}}}\\\\\n\\toprule\n{head}\\midrule\n\\endfirsthead\n",
        t.id
    ));
    s.push_str(&format!("\\caption[]{{{caption} ({continued})}}\\\\\n\\toprule\n{head}\\midrule\n\\endhead\n"));
    for r in &t.rows {
        s.push_str(&row(&r.iter().map(|c| esc(&c.text)).collect::<Vec<_>>()));
    }
    s.push_str("\\bottomrule\n");
    if let Some(n) = &t.note {
        s.push_str(&format!(
            "\\multicolumn{{{}}}{{p{{0.95\\textwidth}}}}{{\\footnotesize {}}}\\\\\n",
            t.headers.len(),
            esc(n)
        ));
    }
    s.push_str("\\end{longtable}\n");
    if l.tabcolsep != 6.0 {
        s.push_str("\\endgroup\n");
    }
    s.push('\n');
}

/// One table row; a leading `*` is guarded so the previous `\\` does not read it as `\\*`.
fn row(cells: &[String]) -> String {
    let guard = if cells.first().is_some_and(|c| c.starts_with('*')) { "{}" } else { "" };
    format!("{guard}{} \\\\\n", cells.join(" & "))
}

pub fn render(doc: &Doc) -> String {
    let lang = if doc.lang.is_es() { "spanish,es-noshorthands" } else { "english" };
    let continued = esc(super::i18n::tr(doc.lang, "continued"));
    let mut s = preamble(lang, &esc(&doc.title), &esc(&doc.subtitle));
    s.push_str("\\maketitle\n\\tableofcontents\n");
    let mut landscape = false;
    for sec in &doc.sections {
        if std::mem::take(&mut landscape) {
            s.push_str("\\end{landscape}\n\n");
        }
        s.push_str(&format!("\n\\section{{{}}}\\label{{sec:{}}}\n", esc(&sec.title), sec.id));
        for b in &sec.blocks {
            let l = match b {
                Block::Table(t) => Some(layout(t)),
                _ => None,
            };
            // Consecutive landscape tables share one landscape stretch of pages.
            let wide = l.as_ref().is_some_and(|l| l.landscape);
            if wide != landscape {
                s.push_str(if wide { "\\begin{landscape}\n" } else { "\\end{landscape}\n\n" });
                landscape = wide;
            }
            match b {
                Block::Para(p) => s.push_str(&format!("{}\n\n", esc(p))),
                Block::Findings(fs) => {
                    s.push_str("\\begin{itemize}\n");
                    for f in fs {
                        let target =
                            if f.target.starts_with("tab-") { f.target.clone() } else { format!("sec:{}", f.target) };
                        s.push_str(&format!(
                            "  \\item {} ({}~\\ref{{{}}})\n",
                            esc(&f.text),
                            esc(&f.target_label),
                            target
                        ));
                    }
                    s.push_str("\\end{itemize}\n");
                }
                Block::List(items) => {
                    s.push_str("\\begin{itemize}\n");
                    for i in items {
                        s.push_str(&format!("  \\item {}\n", esc(i)));
                    }
                    s.push_str("\\end{itemize}\n");
                }
                Block::Table(t) => render_table(&mut s, t, l.as_ref().expect("layout of a table"), &continued),
                Block::Figure { id, caption, .. } => {
                    s.push_str(&format!(
                        "\\begin{{figure}}[htbp]\n\\centering\n\\includegraphics[width=\\textwidth,height=0.8\\textheight,keepaspectratio]{{figures/{id}.png}}\n\\caption{{{}}}\\label{{fig:{id}}}\n\\end{{figure}}\n\n",
                        esc(caption)
                    ));
                }
            }
        }
    }
    if landscape {
        s.push_str("\\end{landscape}\n");
    }
    s.push_str("\\end{document}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::cell::Cell;

    /// True when `c` may appear in the .tex as is: ASCII, or a letter utf8 + T1/TS1 sets.
    fn allowed(c: char) -> bool {
        c.is_ascii() && !c.is_ascii_control() || c == '\n' || matches!(c, '\u{A1}'..='\u{17E}')
    }

    /// Unescaped `$` come in pairs and braces balance.
    fn balanced(s: &str) -> bool {
        let (mut depth, mut dollars, mut chars) = (0i32, 0, s.chars());
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '{' => depth += 1,
                '}' => depth -= 1,
                '$' => dollars += 1,
                _ => {}
            }
            if depth < 0 {
                return false;
            }
        }
        depth == 0 && dollars % 2 == 0
    }

    #[test]
    fn esc_maps_the_characters_of_the_demo_report() {
        assert_eq!(esc("m̄"), "$\\bar{m}$");
        assert_eq!(esc("1 + (m̄ − 1)·ICC"), "1 + ($\\bar{m}$ \\textminus{} 1)$\\cdot$ICC");
        assert_eq!(esc("«máxima»"), "\\guillemotleft{}máxima\\guillemotright{}");
        assert_eq!(esc("¿Año?"), "¿Año?");
        assert_eq!(
            esc("α ≥ 0.70 – κ ± 1 × 2 — ω…"),
            "$\\alpha$ $\\geq$ 0.70 \\textendash{} $\\kappa$ $\\pm$ 1 $\\times$ 2 \\textemdash{} $\\omega$\\ldots{}"
        );
        assert_eq!(esc("“a” ‘b’ → • ✓"), "\\textquotedblleft{}a\\textquotedblright{} \\textquoteleft{}b\\textquoteright{} $\\rightarrow$ \\textbullet{} $\\checkmark$");
        assert_eq!(esc("R² σ₀ x⁻¹"), "R² $\\sigma$\\textsubscript{0} x\\textsuperscript{\\textminus}¹");
    }

    #[test]
    fn esc_escapes_specials_and_breaks_ligatures() {
        assert_eq!(
            esc("a&b%c$d#e_f{g}h~i^j\\k"),
            "a\\&b\\%c\\$d\\#e\\_f\\{g\\}h\\textasciitilde{}i\\textasciicircum{}j\\textbackslash{}k"
        );
        assert_eq!(esc("[1, 2]"), "{[}1, 2{]}");
        assert_eq!(esc("a--b---c"), "a-{}-b-{}-{}-c");
        assert_eq!(esc("''x <<y>> ,, !`kr20` ?"), "'{}'x <{}<y>{}> ,{}, !\\textasciigrave{}kr20\\textasciigrave{} ?");
        assert_eq!(esc("- -x"), "- -x");
        assert_eq!(esc("line\nbreak\ttab"), "line break tab");
        assert_eq!(esc("\u{A0}x\u{AD}y\u{200B}z\u{FEFF}"), "~x\\-y\\hspace{0pt}z");
    }

    #[test]
    fn esc_applies_combining_marks() {
        assert_eq!(esc("e\u{301}"), "\\'{e}");
        assert_eq!(esc("n\u{303}o"), "\\~{n}o");
        assert_eq!(esc("x\u{304}\u{302}"), "$\\hat{\\bar{x}}$");
        assert_eq!(esc("α\u{304}"), "$\\bar{\\alpha}$");
        assert_eq!(esc("v\u{20D7}"), "$\\vec{v}$");
        assert_eq!(esc("1\u{20D7}"), "1");
        assert_eq!(esc("\u{304}x"), "\\={}x");
        assert_eq!(esc("&\u{308}"), "\\\"{\\&}");
        assert_eq!(esc("c\u{327}a\u{35C}"), "\\c{c}a");
        assert_eq!(esc("ȳ ŷ"), "$\\bar{y}$ ŷ");
    }

    #[test]
    fn esc_degrades_unknown_characters_to_a_question_mark() {
        assert_eq!(esc("Жx中😀"), "?x??");
        assert_eq!(esc("ŉ ſ"), "n s");
    }

    #[test]
    fn esc_is_total() {
        // Every character, alone and after a letter and before a mark, comes out as allowed text.
        let samples = (0u32..=0x2FFFF).chain(0xE0000..=0xE01EF).filter_map(char::from_u32);
        for c in samples {
            for s in [c.to_string(), format!("a{c}"), format!("{c}\u{304}"), format!("{c}{c}")] {
                let e = esc(&s);
                assert!(e.chars().all(allowed), "{s:?} -> {e:?}");
                assert!(balanced(&e), "{s:?} -> {e:?}");
            }
        }
    }

    fn table(headers: &[&str], numeric: &[bool], rows: &[Vec<&str>]) -> Table {
        Table {
            id: "tab-x".into(),
            caption: "Caption".into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows.iter().map(|r| r.iter().map(|&c| Cell::from(c)).collect()).collect(),
            numeric: numeric.to_vec(),
            note: None,
        }
    }

    /// The estimated width of a table set with `l`, in pt, as `fit` counts it.
    fn width(t: &Table, l: &Layout) -> f64 {
        let pt = l.size.pt() * SAFETY;
        measure(t)
            .iter()
            .zip(&l.cols)
            .map(|(m, c)| {
                2.0 * l.tabcolsep
                    + match *c {
                        Col::Natural => m.body.max(m.head) * pt,
                        Col::Header(w) => w.max(m.body * pt),
                        Col::Para(w) => w,
                    }
            })
            .sum()
    }

    #[test]
    fn narrow_tables_keep_their_natural_layout() {
        let t = table(&["Quantity", "Value"], &[false, true], &[vec!["Classrooms", "150"]]);
        let l = layout(&t);
        assert_eq!(l, Layout { size: Size::Normal, tabcolsep: 6.0, landscape: false, cols: vec![Col::Natural; 2] });
        let tex = {
            let mut s = String::new();
            render_table(&mut s, &t, &l, "continued");
            s
        };
        assert!(tex.starts_with("\\begin{longtable}{lr}\n"), "{tex}");
    }

    #[test]
    fn wide_tables_wrap_headers_shrink_type_and_wrap_text() {
        let ci = ".98 [.97, .99]";
        let heads = ["Score", "Pairs", "ICC(A,1) [95% CI]", "ICC(1) [95% CI]", "REML ICC(A,1)", "Interpretation"];
        let row = vec!["Checklist: Sensitivity and responsiveness", "105", ci, ci, ".91", "excellent"];
        let t = table(&heads, &[false, true, true, true, true, false], &[row]);
        let l = layout(&t);
        assert!(!l.landscape && width(&t, &l) <= PORTRAIT_PT, "{l:?}");
        assert!(l.cols.iter().any(|c| matches!(c, Col::Header(_))), "{l:?}");

        let long = "r(checklist_total, class_EBS) vs r(checklist_total, class_ESL) and some more words here";
        let t = table(&["Comparison", "Test", "Statistic"], &[false, false, true], &[vec![long, "steiger_z", "2.06"]]);
        let l = layout(&t);
        assert_eq!(l.size, Size::Normal);
        assert!(matches!(l.cols[0], Col::Para(_)) && width(&t, &l) <= PORTRAIT_PT, "{l:?}");
        let mut s = String::new();
        render_table(&mut s, &t, &l, "continued");
        assert!(s.contains("{>{\\raggedright\\arraybackslash}p{"), "{s}");

        let heads: Vec<String> = (0..11).map(|i| format!("D{i}")).collect();
        let heads: Vec<&str> = heads.iter().map(|h| h.as_str()).collect();
        let row: Vec<&str> =
            std::iter::once("Checklist: Language and interaction").chain(["\u{2212}.62"; 10]).collect();
        let numeric: Vec<bool> = (0..11).map(|i| i > 0).collect();
        let t = table(&heads, &numeric, &[row]);
        let l = layout(&t);
        assert!(!l.landscape && l.size != Size::Normal && width(&t, &l) <= PORTRAIT_PT, "{l:?}");
        let mut s = String::new();
        render_table(&mut s, &t, &l, "continued");
        assert!(s.starts_with("\\begingroup\\setlength{\\tabcolsep}{4pt}\n") && s.ends_with("\\endgroup\n\n"));
    }

    #[test]
    fn the_widest_tables_go_landscape() {
        let heads: Vec<String> = (0..16).map(|i| format!("H{i}")).collect();
        let heads: Vec<&str> = heads.iter().map(|h| h.as_str()).collect();
        let t = table(&heads[..10], &[true; 10], &[vec![".84 [.75, .93]"; 10]]);
        let l = layout(&t);
        assert!(l.landscape && l.size == Size::Small && width(&t, &l) <= LANDSCAPE_PT, "{l:?}");
        // Too wide even for landscape: the most compact layout, still landscape.
        let t = table(&heads, &[true; 16], &[vec![".84 [.75, .93] [.75, .93]"; 16]]);
        let l = layout(&t);
        assert!(l.landscape && l.size == Size::Footnote, "{l:?}");
    }

    /// Compiles `tex` with pdflatex twice in a temporary directory and returns the log, or `None`
    /// when pdflatex is not installed.
    fn pdflatex(tex: &str) -> Option<String> {
        if std::process::Command::new("pdflatex").arg("--version").output().is_err() {
            eprintln!("pdflatex not installed; skipped");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.tex"), tex).unwrap();
        for _ in 0..2 {
            let out = std::process::Command::new("pdflatex")
                .args(["-interaction=nonstopmode", "-halt-on-error", "t.tex"])
                .current_dir(dir.path())
                .output()
                .unwrap();
            let log = std::fs::read_to_string(dir.path().join("t.log")).unwrap_or_default();
            assert!(out.status.success(), "{}", &log[log.find("\n!").unwrap_or(0)..]);
        }
        let log = std::fs::read_to_string(dir.path().join("t.log")).unwrap();
        assert!(log.contains("Output written on t.pdf"), "{log}");
        for bad in ["not provided by font family", "Missing character", "undefined"] {
            assert!(!log.contains(bad), "{bad}: {log}");
        }
        Some(log)
    }

    /// Widths of the overfull boxes in a log, in pt.
    fn overfull(log: &str) -> Vec<f64> {
        log.lines()
            .filter_map(|l| l.strip_prefix("Overfull \\hbox ("))
            .filter_map(|l| l.split("pt").next()?.parse().ok())
            .collect()
    }

    /// Compiles every character `esc` maps, alone, with a macron and before an accented letter
    /// (run by scripts/latex-check).
    #[test]
    #[ignore = "needs pdflatex; run by scripts/latex-check"]
    fn every_character_compiles_with_pdflatex() {
        let mut body = String::new();
        let chars = (0x20u32..0x3000).chain(0xFB00..0xFB07).chain([0x1F600, 0xFEFF]).filter_map(char::from_u32);
        for (i, c) in chars.enumerate() {
            body.push_str(&esc(&format!("{c}{c}\u{304}a\u{301}")));
            body.push_str(if i % 16 == 15 { "\n\n" } else { " " });
        }
        let tex = format!("{}{}\n\\end{{document}}\n", preamble("spanish,es-noshorthands", "T", "D"), body);
        if let Some(log) = pdflatex(&tex) {
            assert_eq!(overfull(&log), Vec::<f64>::new());
        }
    }

    /// Every layout, landscape included, compiles without an overfull box wider than 1pt.
    #[test]
    #[ignore = "needs pdflatex; run by scripts/latex-check"]
    fn every_layout_compiles_and_fits() {
        let ci = ".84 [.75, .93]";
        let long = "r(checklist_total, class_EBS) vs r(checklist_total, class_ESL) — a comparison that wraps";
        let wide: Vec<String> = (0..10).map(|i| format!("Upper limit {i}")).collect();
        let wide: Vec<&str> = wide.iter().map(|h| h.as_str()).collect();
        let mut tables = vec![
            table(&["Quantity", "Value"], &[false, true], &[vec!["Classrooms", "150"]]),
            table(&["Comparison", "Test", "Statistic"], &[false, false, true], &[vec![long, "steiger_z", "2.06"]]),
            table(&wide, &[true; 10], &vec![vec![ci; 10]; 60]),
            table(&wide, &[true; 10], &[vec![ci; 10]]),
            table(
                &[
                    "Score",
                    "Pairs",
                    "ICC(A,1) [95% CI]",
                    "ICC(1) [95% CI]",
                    "Lower limit of agreement",
                    "Interpretation",
                ],
                &[false, true, true, true, true, false],
                &vec![
                    vec!["Checklist: Sensitivity and responsiveness", "105", ci, ci, "−0.188 [−0.221, −0.156]", "ok"];
                    80
                ],
            ),
        ];
        for (i, t) in tables.iter_mut().enumerate() {
            t.id = format!("tab-{i}");
            t.note = Some("A note: 1 + (m̄ − 1)·ICC, α ≥ .70.".into());
        }
        let layouts: Vec<Layout> = tables.iter().map(layout).collect();
        assert!(layouts[2].landscape && layouts[3].landscape && !layouts[4].landscape, "{layouts:?}");
        let mut blocks: Vec<Block> = vec![Block::Findings(vec![super::super::Finding {
            text: "Landscape".into(),
            target: "tab-2".into(),
            target_label: "see table".into(),
        }])];
        blocks.extend(tables.into_iter().map(Block::Table));
        let doc = Doc {
            title: "T".into(),
            subtitle: "S".into(),
            lang: crate::choices::Lang::En,
            sections: vec![super::super::Section { id: "s".into(), title: "Tables (α)".into(), blocks }],
        };
        let tex = render(&doc);
        assert_eq!(tex.matches("\\begin{landscape}").count(), 1, "consecutive landscape tables share pages");
        if let Some(log) = pdflatex(&tex) {
            assert!(overfull(&log).iter().all(|&w| w <= 1.0), "{:?}", overfull(&log));
        }
    }
}
