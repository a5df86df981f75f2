//! WLSMV (stub).
use super::model::Model;
use super::CfaFit;
use crate::stats::Na;
pub(crate) fn fit(_model: &Model, _cols: &[&[f64]], _df: usize) -> Result<CfaFit, Na> {
    Err(Na::new("todo"))
}
