//! Turn pure statistics into result records (`results.json` / `stat --format json`). Used by
//! both the ad-hoc `stat` commands and the study pipeline, so both report the same numbers
//! under the same names.

pub mod cfa;
pub mod dif;
pub mod efa;
pub mod gtheory;
pub mod irt;
pub mod reliability;
pub mod validity;

use crate::stats::labels::{IccScale, KappaScale};

/// Options shared by every analysis.
#[derive(Debug, Clone, Copy)]
pub struct StatOpts {
    pub ci_level: f64,
    pub bootstrap: usize,
    pub seed: u64,
    pub kappa_scale: KappaScale,
    pub icc_scale: IccScale,
}

impl Default for StatOpts {
    fn default() -> Self {
        StatOpts {
            ci_level: 0.95,
            bootstrap: 2000,
            seed: 20_261_123,
            kappa_scale: KappaScale::LandisKoch,
            icc_scale: IccScale::KooLi,
        }
    }
}

/// Derive a sub-seed for one analysis from the study seed and a label, so that adding an
/// analysis never changes the random draws of another.
pub fn sub_seed(seed: u64, label: &str) -> u64 {
    // FNV-1a over the label, mixed with the seed (SplitMix64 finaliser).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in label.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = seed ^ h;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
