//! `checkval stat dif FILE --items ... --group COL --reference LEVEL [--purify]`: DIF.

use super::{output, split_list, CommonArgs};
use crate::analysis::dif::{dif_records, DifData};
use crate::error::{ErrorKind, InputError};
use crate::io::numeric::read_numeric;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat dif answers.csv --items q1,q2,q3,q4,q5,q6 --group sex --reference F
  checkval stat dif answers.csv --items q1,q2,q3,q4,q5,q6 --group state --reference CDMX --purify --format json

Input: one row per person, the item columns (0/1, or ordinal scores 0, 1, 2, ...) and a group
column with two levels: --reference names the reference group, the other is the focal group.
Rows with a missing item or group are dropped. The matching score is the sum of the items (with
--purify, of the items not flagged at .05, iterated as difR, plus the studied item).
Records: mh_d_dif (item; ETS delta = -2.35 ln alpha_MH, Robins-Breslow-Greenland SE, MH p,
ets_class A/B/C, p_adjusted) and mh_chisq (item; continuity-corrected) for binary items;
lr_dif_chisq (item, test = uniform|nonuniform|both; likelihood-ratio tests of logistic or, for
ordinal items, cumulative-logit models; p_adjusted = Benjamini-Hochberg across items) and
nagelkerke_delta_r2 (item, test; zumbo_thomas and jodoin_gierl classes A/B/C).";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// CSV/TSV file, one row per person.
    pub file: PathBuf,
    /// Item columns.
    #[arg(long, value_name = "A,B,...")]
    pub items: String,
    /// The group column (two levels).
    #[arg(long, value_name = "COL")]
    pub group: String,
    /// The reference level of the group column; the other level is the focal group.
    #[arg(long, value_name = "LEVEL")]
    pub reference: String,
    /// Iterative purification of the matching score (difR).
    #[arg(long)]
    pub purify: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(a: Args) -> Result<String> {
    a.common.opts()?;
    let cols = split_list(&Some(a.items.clone())).unwrap_or_default();
    let t = read_numeric(&a.file, Some(&cols), std::slice::from_ref(&a.group))?;
    let group = &t.text[0];
    let mut levels: Vec<&str> = group.iter().map(|s| s.trim()).filter(|s| !s.is_empty() && *s != "NA").collect();
    levels.sort_unstable();
    levels.dedup();
    let bad = |found: String, expected: &str| -> anyhow::Error {
        InputError::new(ErrorKind::InvalidValue, &a.file).column(a.group.clone()).found(found).expected(expected).into()
    };
    if !levels.contains(&a.reference.trim()) || levels.len() != 2 {
        return Err(bad(
            format!("levels {}", levels.join(", ")),
            &format!("two groups, one of them the reference level '{}'", a.reference),
        ));
    }
    let (mut x, mut focal) = (Vec::new(), Vec::new());
    for (i, row) in t.rows.iter().enumerate() {
        let g = group[i].trim();
        if g.is_empty() || g == "NA" || row.iter().any(|v| v.is_none()) {
            continue;
        }
        let mut codes = Vec::with_capacity(row.len());
        for (j, v) in row.iter().enumerate() {
            let v = v.unwrap_or(0.0);
            if !((0.0..=255.0).contains(&v) && v.fract() == 0.0) {
                return Err(InputError::new(ErrorKind::InvalidValue, &a.file)
                    .column(t.names[j].clone())
                    .found(format!("{v} in data row {}", i + 1))
                    .expected("item scores 0, 1, 2, ... (whole numbers)")
                    .into());
            }
            codes.push(v as u8);
        }
        x.push(codes);
        focal.push(g != a.reference.trim());
    }
    let recs = dif_records(&DifData { x: &x, focal: &focal, items: &t.names }, a.purify);
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
