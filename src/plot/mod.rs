//! Figures, drawn once with plotters into SVG (inline in the HTML report) and PNG at 2× (for
//! slides), with an embedded font (DejaVu Sans, `assets/fonts`) so nothing depends on system
//! fonts, and the Okabe–Ito colour-blind-safe palette.

pub mod figures;

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

pub const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Okabe & Ito (2008) palette.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(240, 228, 66),  // yellow
    RGBColor(0, 0, 0),
];
pub const GREY: RGBColor = RGBColor(120, 120, 120);

fn register_font() {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, FONT_BYTES);
    });
}

/// Drawing scale: 1 for SVG, 2 for PNG; every size goes through it.
#[derive(Clone, Copy)]
pub struct Scale(pub f64);

impl Scale {
    pub fn px(self, v: f64) -> u32 {
        (v * self.0).round() as u32
    }
    pub fn font(self, size: f64) -> TextStyle<'static> {
        (FONT, size * self.0).into_font().color(&BLACK)
    }
    pub fn stroke(self, w: f64) -> u32 {
        (w * self.0).round().max(1.0) as u32
    }
}

/// A figure: drawn on any backend at a scale.
pub trait Figure {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: Scale) -> Result<()>
    where
        DB::ErrorType: 'static;
}

pub fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing failed: {e:?}")
}

/// Render a figure to an SVG string.
pub fn to_svg<F: Figure>(f: &F) -> Result<String> {
    register_font();
    let (w, h) = f.size();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        f.draw(&root, Scale(1.0))?;
        root.present().map_err(err)?;
    }
    Ok(s)
}

/// Render a figure to a PNG file at 2×, atomically (temporary file, then rename). The pixels are drawn into a
/// buffer and encoded with the Paeth filter on every row and fast deflate; plotters' own encoder tries all five
/// PNG filters on every row (adaptive), which cost `run` 12 ms more CPU for files 10% smaller
/// (docs/performance.md, issue 11 section).
pub fn to_png<F: Figure>(f: &F, path: &Path) -> Result<()> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    register_font();
    let (w, h) = f.size();
    let (pw, ph) = (2 * w, 2 * h);
    let mut buf = vec![0u8; pw as usize * ph as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (pw, ph)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        f.draw(&root, Scale(2.0))?;
        root.present().map_err(err)?;
    }
    let mut png = Vec::with_capacity(buf.len() / 8);
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Paeth)
        .write_image(&buf, pw, ph, image::ColorType::Rgb8)
        .map_err(err)?;
    crate::io::atomic::write_atomic(path, &png)?;
    Ok(())
}

/// Write `<dir>/<id>.svg` and `<dir>/<id>.png`; returns the SVG text.
pub fn write_both<F: Figure>(f: &F, dir: &Path, id: &str) -> Result<String> {
    let svg = to_svg(f)?;
    crate::io::atomic::write_atomic_str(&dir.join(format!("{id}.svg")), &svg)?;
    to_png(f, &dir.join(format!("{id}.png")))?;
    Ok(svg)
}
