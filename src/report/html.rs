//! Self-contained HTML renderer: inline CSS, no scripts, no external requests; readable on a
//! phone (responsive tables scroll horizontally).

use super::{Block, Doc};

/// HTML-escape text ([`crate::format::html_escape`]).
pub fn esc(s: &str) -> String {
    crate::format::html_escape(s)
}

const CSS: &str = r#"
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--accent:#0072b2;--bg:#fff}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0;line-height:1.5}
main{max-width:980px;margin:0 auto;padding:1rem 1.25rem 4rem}
h1{font-size:1.7rem;margin:.5rem 0 .25rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
.subtitle{color:var(--muted);margin-top:0}
nav.toc{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
nav.toc ol{margin:.25rem 0;padding-left:1.25rem}
a{color:var(--accent)}
.table-wrap{overflow-x:auto;margin:.5rem 0 1.25rem}
table{border-collapse:collapse;font-size:.9rem;min-width:50%}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{border-bottom:2px solid var(--fg);text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
p.note{color:var(--muted);font-size:.85rem;margin-top:.25rem}
figure{margin:1rem 0 1.5rem;overflow-x:auto}
figure svg.fig{max-width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:.85rem;margin-top:.25rem}
@media (max-width:600px){main{padding:.75rem}table{font-size:.8rem}}
"#;

pub fn render(doc: &Doc) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
        doc.lang.code(),
        esc(&doc.title),
        CSS
    ));
    s.push_str(&format!("<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n", esc(&doc.title), esc(&doc.subtitle)));
    s.push_str("<nav class=\"toc\"><ol>\n");
    for sec in &doc.sections {
        s.push_str(&format!("<li><a href=\"#{}\">{}</a></li>\n", esc(&sec.id), esc(&sec.title)));
    }
    s.push_str("</ol></nav>\n");
    for sec in &doc.sections {
        s.push_str(&format!("<section id=\"{}\">\n<h2>{}</h2>\n", esc(&sec.id), esc(&sec.title)));
        for b in &sec.blocks {
            match b {
                Block::Para(p) => s.push_str(&format!("<p>{}</p>\n", esc(p))),
                Block::Findings(fs) => {
                    s.push_str("<ul class=\"findings\">\n");
                    for f in fs {
                        s.push_str(&format!(
                            "<li>{} <a href=\"#{}\">{}</a></li>\n",
                            esc(&f.text),
                            esc(&f.target),
                            esc(&f.target_label)
                        ));
                    }
                    s.push_str("</ul>\n");
                }
                Block::List(items) => {
                    s.push_str("<ul>\n");
                    for i in items {
                        s.push_str(&format!("<li>{}</li>\n", esc(i)));
                    }
                    s.push_str("</ul>\n");
                }
                Block::Figure { id, caption, svg } => {
                    // plotters writes a complete <svg> element; make it scale to the page.
                    let svg = svg.trim_start_matches(|c| c != '<');
                    let svg = svg.replacen("<svg ", "<svg class=\"fig\" preserveAspectRatio=\"xMidYMid meet\" ", 1);
                    s.push_str(&format!(
                        "<figure id=\"fig-{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
                        esc(id),
                        svg,
                        esc(caption)
                    ));
                }
                Block::Table(t) => {
                    s.push_str(&format!(
                        "<div class=\"table-wrap\"><table id=\"{}\">\n<caption>{}</caption>\n<thead><tr>",
                        esc(&t.id),
                        esc(&t.caption)
                    ));
                    for (h, &n) in t.headers.iter().zip(&t.numeric) {
                        s.push_str(&format!("<th{}>{}</th>", if n { " class=\"num\"" } else { "" }, esc(h)));
                    }
                    s.push_str("</tr></thead>\n<tbody>\n");
                    for r in &t.rows {
                        s.push_str("<tr>");
                        for (c, &n) in r.iter().zip(&t.numeric) {
                            s.push_str(&format!("<td{}>{}</td>", if n { " class=\"num\"" } else { "" }, esc(&c.text)));
                        }
                        s.push_str("</tr>\n");
                    }
                    s.push_str("</tbody></table></div>\n");
                    if let Some(n) = &t.note {
                        s.push_str(&format!("<p class=\"note\">{}</p>\n", esc(n)));
                    }
                }
            }
        }
        s.push_str("</section>\n");
    }
    s.push_str("</main>\n</body>\n</html>\n");
    s
}
