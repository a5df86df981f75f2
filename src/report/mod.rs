//! Report model and renderers. A report is a [`Doc`] of sections holding paragraphs, lists and
//! tables; `markdown` and `html` render the same model, so the two never disagree.

pub mod build;
pub mod figures;
pub mod html;
pub mod i18n;
pub mod latex;
pub mod markdown;
pub mod reliability;
pub mod tables;
pub mod validity;

#[derive(Debug, Clone)]
pub struct Table {
    pub id: String,
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Per column: right-align (numbers).
    pub numeric: Vec<bool>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Block {
    Para(String),
    List(Vec<String>),
    Table(Table),
    /// A figure: inline SVG in HTML, an image link in Markdown.
    Figure {
        id: String,
        caption: String,
        svg: String,
    },
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
