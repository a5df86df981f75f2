//! Markdown renderer (GitHub-flavoured tables).

use super::{Block, Doc};

fn esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn table_md(t: &super::Table) -> String {
    let mut s = String::new();
    s.push_str(&format!("<a id=\"{}\"></a>\n\n**{}**\n\n", t.id, t.caption));
    s.push_str(&format!("| {} |\n", t.headers.iter().map(|h| esc(h)).collect::<Vec<_>>().join(" | ")));
    s.push_str(&format!(
        "|{}|\n",
        t.numeric.iter().map(|&n| if n { "---:" } else { ":---" }).collect::<Vec<_>>().join("|")
    ));
    for r in &t.rows {
        s.push_str(&format!("| {} |\n", r.iter().map(|c| esc(&c.text)).collect::<Vec<_>>().join(" | ")));
    }
    if let Some(n) = &t.note {
        s.push_str(&format!("\n*{}*\n", esc(n)));
    }
    s
}

pub fn render(doc: &Doc) -> String {
    let mut s = format!("# {}\n\n{}\n\n", doc.title, doc.subtitle);
    for sec in &doc.sections {
        s.push_str(&format!("## {}\n\n", sec.title));
        for b in &sec.blocks {
            match b {
                Block::Para(p) => s.push_str(&format!("{p}\n\n")),
                Block::Findings(fs) => {
                    for f in fs {
                        s.push_str(&format!("- {} ([{}](#{}))\n", f.text, f.target_label, f.target));
                    }
                    s.push('\n');
                }
                Block::List(items) => {
                    for i in items {
                        s.push_str(&format!("- {i}\n"));
                    }
                    s.push('\n');
                }
                Block::Table(t) => {
                    s.push_str(&table_md(t));
                    s.push('\n');
                }
                Block::Figure { id, caption, .. } => {
                    s.push_str(&format!(
                        "![{}](figures/{id}.svg)\n\n*{}* ([PNG](figures/{id}.png))\n\n",
                        esc(caption),
                        esc(caption)
                    ));
                }
            }
        }
    }
    s
}
