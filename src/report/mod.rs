//! Report model and renderers. A report is a [`Doc`] of sections holding paragraphs, lists and
//! tables; `markdown` and `html` render the same model, so the two never disagree.

pub mod build;
pub mod cell;
pub mod dependability;
pub mod figures;
pub mod findings;
pub mod html;
pub mod i18n;
pub mod items;
pub mod latex;
pub mod markdown;
pub mod reliability;
pub mod structure;
pub mod tables;
pub mod validity;

#[derive(Debug, Clone)]
pub struct Table {
    pub id: String,
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<cell::Cell>>,
    /// Per column: right-align (numbers).
    pub numeric: Vec<bool>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Block {
    Para(String),
    List(Vec<String>),
    Table(Table),
    /// Key findings: sentences, each linked to the table (or section) it summarises.
    Findings(Vec<Finding>),
    /// A figure: inline SVG in HTML, an image link in Markdown.
    Figure {
        id: String,
        caption: String,
        svg: String,
    },
}

/// One key finding: the sentence and the id of the table or section it comes from.
#[derive(Debug, Clone)]
pub struct Finding {
    pub text: String,
    pub target: String,
    pub target_label: String,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub struct Doc {
    pub title: String,
    pub subtitle: String,
    pub lang: crate::choices::Lang,
    pub sections: Vec<Section>,
}
