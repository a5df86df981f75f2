//! The report's figures. Each is plain data plus labels (already in the report language) and a
//! `Figure` implementation, so `checkval plot` and the report draw exactly the same thing.

use super::{err, Figure, Scale, GREY, PALETTE};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

fn pad(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let d = (hi - lo).abs().max(1e-9);
    (lo - frac * d, hi + frac * d)
}

fn min_max(v: impl Iterator<Item = f64>) -> (f64, f64) {
    v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)))
}

/// One scatter panel with an OLS line, its 95% confidence band and an annotation.
pub struct Panel {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub xlab: String,
    pub ylab: String,
    pub note: String,
}

/// Small multiples of checklist vs CLASS scatters.
pub struct Scatter {
    pub title: String,
    pub panels: Vec<Panel>,
}

impl Figure for Scatter {
    fn size(&self) -> (u32, u32) {
        (300 * self.panels.len().max(1) as u32 + 20, 330)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: Scale) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let root = root.titled(&self.title, s.font(15.0)).map_err(err)?;
        let areas = root.split_evenly((1, self.panels.len().max(1)));
        for (p, area) in self.panels.iter().zip(areas.iter()) {
            let (x0, x1) = pad_range(min_max(p.x.iter().copied()));
            let (y0, y1) = pad_range(min_max(p.y.iter().copied()));
            let mut c = ChartBuilder::on(area)
                .margin(s.px(8.0))
                .x_label_area_size(s.px(36.0))
                .y_label_area_size(s.px(44.0))
                .caption(&p.note, s.font(12.0))
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(err)?;
            c.configure_mesh()
                .x_desc(&p.xlab)
                .y_desc(&p.ylab)
                .label_style(s.font(10.0))
                .axis_desc_style(s.font(11.0))
                .light_line_style(RGBColor(235, 235, 235))
                .bold_line_style(RGBColor(220, 220, 220))
                .draw()
                .map_err(err)?;
            let grid: Vec<f64> = (0..=40).map(|i| x0 + (x1 - x0) * i as f64 / 40.0).collect();
            if let Some(band) = crate::stats::regression::ols_band(&p.x, &p.y, &grid) {
                let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.3.clamp(y0, y1))).collect();
                poly.extend(band.iter().rev().map(|b| (b.0, b.2.clamp(y0, y1))));
                c.draw_series(std::iter::once(Polygon::new(poly, PALETTE[0].mix(0.2).filled()))).map_err(err)?;
                c.draw_series(LineSeries::new(
                    band.iter().map(|b| (b.0, b.1.clamp(y0, y1))),
                    PALETTE[0].stroke_width(s.stroke(2.0)),
                ))
                .map_err(err)?;
            }
            c.draw_series(
                p.x.iter().zip(&p.y).map(|(&x, &y)| Circle::new((x, y), s.px(2.0), PALETTE[1].mix(0.6).filled())),
            )
            .map_err(err)?;
        }
        Ok(())
    }
}

fn pad_range(r: (f64, f64)) -> (f64, f64) {
    pad(r.0, r.1, 0.05)
}

/// ROC curve with its bootstrap envelope (or, without one, a pointwise Wilson band for
/// sensitivity) and the chosen cut-off.
pub struct Roc {
    pub title: String,
    /// (1 − specificity, sensitivity, sensitivity CI low, high), ordered by 1 − specificity.
    pub points: Vec<(f64, f64, f64, f64)>,
    /// Bootstrap envelope: (FPR, TPR low, TPR high).
    pub envelope: Vec<(f64, f64, f64)>,
    pub cutoff: Option<(f64, f64, String)>,
    pub legend: String,
    pub xlab: String,
    pub ylab: String,
}

impl Figure for Roc {
    fn size(&self) -> (u32, u32) {
        (440, 440)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: Scale) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let mut c = ChartBuilder::on(root)
            .caption(&self.title, s.font(14.0))
            .margin(s.px(10.0))
            .x_label_area_size(s.px(40.0))
            .y_label_area_size(s.px(48.0))
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(err)?;
        c.configure_mesh()
            .x_desc(&self.xlab)
            .y_desc(&self.ylab)
            .label_style(s.font(10.0))
            .axis_desc_style(s.font(11.0))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        let mut pts = vec![(0.0, 0.0, 0.0, 0.0)];
        pts.extend(self.points.iter().copied());
        pts.push((1.0, 1.0, 1.0, 1.0));
        let mut poly: Vec<(f64, f64)>;
        if self.envelope.len() >= 2 {
            poly = self.envelope.iter().map(|e| (e.0, e.2)).collect();
            poly.extend(self.envelope.iter().rev().map(|e| (e.0, e.1)));
        } else {
            poly = pts.iter().map(|p| (p.0, p.3)).collect();
            poly.extend(pts.iter().rev().map(|p| (p.0, p.2)));
        }
        c.draw_series(std::iter::once(Polygon::new(poly, PALETTE[0].mix(0.15).filled()))).map_err(err)?;
        c.draw_series(LineSeries::new(vec![(0.0, 0.0), (1.0, 1.0)], GREY.stroke_width(s.stroke(1.0)))).map_err(err)?;
        c.draw_series(LineSeries::new(pts.iter().map(|p| (p.0, p.1)), PALETTE[0].stroke_width(s.stroke(2.5))))
            .map_err(err)?
            .label(&self.legend)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], PALETTE[0].stroke_width(3)));
        if let Some((fx, se, lab)) = &self.cutoff {
            c.draw_series(std::iter::once(Circle::new((*fx, *se), s.px(6.0), PALETTE[5].filled())))
                .map_err(err)?
                .label(lab)
                .legend(move |(x, y)| Circle::new((x + 8, y), 5, PALETTE[5].filled()));
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(s.font(11.0))
            .background_style(WHITE.mix(0.9))
            .border_style(GREY)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// Bland–Altman plot.
pub struct BlandAltmanFig {
    pub title: String,
    pub means: Vec<f64>,
    pub diffs: Vec<f64>,
    pub bias: (f64, f64, f64),
    pub loa_low: (f64, f64, f64),
    pub loa_high: (f64, f64, f64),
    pub xlab: String,
    pub ylab: String,
    pub labels: [String; 2],
}

impl Figure for BlandAltmanFig {
    fn size(&self) -> (u32, u32) {
        (560, 380)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: Scale) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let (x0, x1) = pad_range(min_max(self.means.iter().copied()));
        let (lo, hi) = min_max(self.diffs.iter().copied().chain([self.loa_low.1, self.loa_high.2]));
        let (y0, y1) = pad_range((lo, hi));
        let mut c = ChartBuilder::on(root)
            .caption(&self.title, s.font(14.0))
            .margin(s.px(10.0))
            .x_label_area_size(s.px(40.0))
            .y_label_area_size(s.px(56.0))
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        c.configure_mesh()
            .x_desc(&self.xlab)
            .y_desc(&self.ylab)
            .label_style(s.font(10.0))
            .axis_desc_style(s.font(11.0))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        for (v, color, lab) in [
            (self.bias, PALETTE[0], &self.labels[0]),
            (self.loa_low, PALETTE[5], &self.labels[1]),
            (self.loa_high, PALETTE[5], &self.labels[1]),
        ] {
            c.draw_series(std::iter::once(Rectangle::new([(x0, v.1), (x1, v.2)], color.mix(0.15).filled())))
                .map_err(err)?;
            c.draw_series(LineSeries::new(vec![(x0, v.0), (x1, v.0)], color.stroke_width(s.stroke(2.0))))
                .map_err(err)?;
            c.draw_series(std::iter::once(Text::new(
                format!("{lab} {:.3}", v.0),
                (x0 + 0.01 * (x1 - x0), v.2),
                s.font(10.0),
            )))
            .map_err(err)?;
        }
        c.draw_series(
            self.means
                .iter()
                .zip(&self.diffs)
                .map(|(&x, &y)| Circle::new((x, y), s.px(3.0), PALETTE[1].mix(0.7).filled())),
        )
        .map_err(err)?;
        Ok(())
    }
}

/// Forest plot: one row per item, one marker per series, with CIs.
pub struct Forest {
    pub title: String,
    pub rows: Vec<String>,
    /// (row, series, estimate, low, high)
    pub marks: Vec<(usize, usize, f64, f64, f64)>,
    pub series: Vec<String>,
    pub xlab: String,
    pub xrange: (f64, f64),
    pub reference: Option<f64>,
}

impl Figure for Forest {
    fn size(&self) -> (u32, u32) {
        (620, 80 + 16 * self.rows.len().max(1) as u32)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: Scale) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let n = self.rows.len().max(1) as f64;
        let rows = self.rows.clone();
        let fmt = move |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < rows.len() {
                rows[rows.len() - 1 - i as usize].clone()
            } else {
                String::new()
            }
        };
        let mut c = ChartBuilder::on(root)
            .caption(&self.title, s.font(14.0))
            .margin(s.px(10.0))
            .x_label_area_size(s.px(36.0))
            .y_label_area_size(s.px(60.0))
            .build_cartesian_2d(self.xrange.0..self.xrange.1, -0.7..(n - 0.3))
            .map_err(err)?;
        c.configure_mesh()
            .x_desc(&self.xlab)
            .y_labels(self.rows.len())
            .y_label_formatter(&fmt)
            .label_style(s.font(9.0))
            .axis_desc_style(s.font(11.0))
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .map_err(err)?;
        if let Some(r) = self.reference {
            c.draw_series(LineSeries::new(vec![(r, -0.7), (r, n - 0.3)], GREY.stroke_width(s.stroke(1.0))))
                .map_err(err)?;
        }
        let k = self.series.len().max(1) as f64;
        for (si, name) in self.series.iter().enumerate() {
            let color = PALETTE[si % PALETTE.len()];
            let off = (si as f64 - (k - 1.0) / 2.0) * 0.25;
            let ms: Vec<_> = self.marks.iter().filter(|m| m.1 == si).collect();
            let yv = |r: usize| n - 1.0 - r as f64 + off;
            c.draw_series(ms.iter().map(|m| {
                PathElement::new(
                    vec![(m.3.max(self.xrange.0), yv(m.0)), (m.4.min(self.xrange.1), yv(m.0))],
                    color.stroke_width(s.stroke(1.5)),
                )
            }))
            .map_err(err)?;
            c.draw_series(ms.iter().map(|m| Circle::new((m.2, yv(m.0)), s.px(3.5), color.filled())))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(s.font(10.0))
            .background_style(WHITE.mix(0.9))
            .border_style(GREY)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// Heat map with values printed in the cells, diverging blue–white–vermillion scale on [−1, 1].
pub struct Heatmap {
    pub title: String,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub values: Vec<Vec<Option<f64>>>,
}

fn diverging(v: f64) -> RGBColor {
    let t = v.clamp(-1.0, 1.0);
    let (r, g, b) = if t >= 0.0 { (0.0, 114.0, 178.0) } else { (213.0, 94.0, 0.0) };
    let a = t.abs();
    RGBColor((255.0 + (r - 255.0) * a) as u8, (255.0 + (g - 255.0) * a) as u8, (255.0 + (b - 255.0) * a) as u8)
}

impl Figure for Heatmap {
    fn size(&self) -> (u32, u32) {
        (260 + 58 * self.cols.len() as u32, 90 + 34 * self.rows.len() as u32)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: Scale) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let (nr, nc) = (self.rows.len(), self.cols.len());
        let cols = self.cols.clone();
        let rows = self.rows.clone();
        let xf = move |v: &f64| {
            cols.get(v.floor() as usize).filter(|_| (v.fract() - 0.5).abs() < 1e-6).cloned().unwrap_or_default()
        };
        let yf = move |v: &f64| {
            let i = v.floor() as usize;
            if (v.fract() - 0.5).abs() < 1e-6 && i < rows.len() {
                rows[rows.len() - 1 - i].clone()
            } else {
                String::new()
            }
        };
        let mut c = ChartBuilder::on(root)
            .caption(&self.title, s.font(14.0))
            .margin(s.px(10.0))
            .x_label_area_size(s.px(30.0))
            .y_label_area_size(s.px(220.0))
            .build_cartesian_2d(0.0..nc as f64, 0.0..nr as f64)
            .map_err(err)?;
        c.configure_mesh()
            .disable_mesh()
            .x_labels(2 * nc + 1)
            .y_labels(2 * nr + 1)
            .x_label_formatter(&xf)
            .y_label_formatter(&yf)
            .label_style(s.font(10.0))
            .draw()
            .map_err(err)?;
        for (i, row) in self.values.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                let y = (nr - 1 - i) as f64;
                let fill = v.map(diverging).unwrap_or(RGBColor(230, 230, 230));
                c.draw_series(std::iter::once(Rectangle::new(
                    [(j as f64, y), (j as f64 + 1.0, y + 1.0)],
                    fill.filled(),
                )))
                .map_err(err)?;
                c.draw_series(std::iter::once(Rectangle::new(
                    [(j as f64, y), (j as f64 + 1.0, y + 1.0)],
                    WHITE.stroke_width(s.stroke(1.0)),
                )))
                .map_err(err)?;
                let text = v.map(|x| crate::format::bounded(x, 2)).unwrap_or_else(|| "NA".into());
                let color = if v.is_some_and(|x| x.abs() > 0.6) { WHITE } else { BLACK };
                let style = s.font(10.0).color(&color).pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ));
                c.draw_series(std::iter::once(Text::new(text, (j as f64 + 0.5, y + 0.5), style))).map_err(err)?;
            }
        }
        Ok(())
    }
}

/// Histogram of one score plus box plots by group.
pub struct Distribution {
    pub title: String,
    pub hist: Vec<f64>,
    pub hist_label: String,
    pub groups: Vec<(String, Vec<f64>)>,
    pub xlab: String,
    pub count_label: String,
}

impl Figure for Distribution {
    fn size(&self) -> (u32, u32) {
        (760, 330)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: Scale) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let root = root.titled(&self.title, s.font(14.0)).map_err(err)?;
        let (left, right) = root.split_horizontally(s.px(420.0));
        let (lo, hi) =
            pad_range(min_max(self.hist.iter().copied().chain(self.groups.iter().flat_map(|g| g.1.iter().copied()))));
        let bins = 20usize;
        let w = (hi - lo) / bins as f64;
        let mut counts = vec![0u32; bins];
        for v in &self.hist {
            counts[(((v - lo) / w) as usize).min(bins - 1)] += 1;
        }
        let top = *counts.iter().max().unwrap_or(&1) as f64 * 1.1 + 1.0;
        let mut c = ChartBuilder::on(&left)
            .caption(&self.hist_label, s.font(11.0))
            .margin(s.px(8.0))
            .x_label_area_size(s.px(36.0))
            .y_label_area_size(s.px(44.0))
            .build_cartesian_2d(lo..hi, 0.0..top)
            .map_err(err)?;
        c.configure_mesh()
            .x_desc(&self.xlab)
            .y_desc(&self.count_label)
            .label_style(s.font(10.0))
            .axis_desc_style(s.font(11.0))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        c.draw_series(counts.iter().enumerate().map(|(i, &k)| {
            let x = lo + i as f64 * w;
            Rectangle::new([(x, 0.0), (x + w * 0.95, k as f64)], PALETTE[0].mix(0.75).filled())
        }))
        .map_err(err)?;
        let ng = self.groups.len().max(1);
        let names: Vec<String> = self.groups.iter().map(|g| g.0.clone()).collect();
        let gf = move |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        };
        let mut b = ChartBuilder::on(&right)
            .margin(s.px(8.0))
            .x_label_area_size(s.px(36.0))
            .y_label_area_size(s.px(44.0))
            .build_cartesian_2d(-0.5..(ng as f64 - 0.5), lo..hi)
            .map_err(err)?;
        b.configure_mesh()
            .x_labels(ng)
            .x_label_formatter(&gf)
            .y_desc(&self.xlab)
            .label_style(s.font(10.0))
            .axis_desc_style(s.font(11.0))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        for (gi, (_, vals)) in self.groups.iter().enumerate() {
            if vals.len() < 2 {
                continue;
            }
            let q = |p| crate::stats::descriptive::quantile(vals, p).unwrap_or(f64::NAN);
            let (q1, q2, q3) = (q(0.25), q(0.5), q(0.75));
            let iqr = q3 - q1;
            let lo_w = vals.iter().copied().filter(|v| *v >= q1 - 1.5 * iqr).fold(f64::INFINITY, f64::min);
            let hi_w = vals.iter().copied().filter(|v| *v <= q3 + 1.5 * iqr).fold(f64::NEG_INFINITY, f64::max);
            let x = gi as f64;
            let color = PALETTE[gi % PALETTE.len()];
            b.draw_series(std::iter::once(Rectangle::new([(x - 0.25, q1), (x + 0.25, q3)], color.mix(0.3).filled())))
                .map_err(err)?;
            b.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.25, q1), (x + 0.25, q3)],
                color.stroke_width(s.stroke(1.5)),
            )))
            .map_err(err)?;
            for seg in [vec![(x - 0.25, q2), (x + 0.25, q2)], vec![(x, q3), (x, hi_w)], vec![(x, q1), (x, lo_w)]] {
                b.draw_series(std::iter::once(PathElement::new(seg, color.stroke_width(s.stroke(2.0)))))
                    .map_err(err)?;
            }
        }
        Ok(())
    }
}

/// Mean with CI per category, on shaded bands (CLASS dimension profile; observer severity).
pub struct Dots {
    pub title: String,
    /// (label, estimate, low, high)
    pub rows: Vec<(String, f64, f64, f64)>,
    pub yrange: (f64, f64),
    pub ylab: String,
    /// (from, to, label) shaded horizontal bands.
    pub bands: Vec<(f64, f64, String)>,
    pub reference: Option<f64>,
}

impl Figure for Dots {
    fn size(&self) -> (u32, u32) {
        (120 + 58 * self.rows.len().max(1) as u32, 360)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: Scale) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let n = self.rows.len().max(1);
        let names: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let f = move |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        };
        let mut c = ChartBuilder::on(root)
            .caption(&self.title, s.font(14.0))
            .margin(s.px(10.0))
            .x_label_area_size(s.px(36.0))
            .y_label_area_size(s.px(48.0))
            .build_cartesian_2d(-0.6..(n as f64 - 0.4), self.yrange.0..self.yrange.1)
            .map_err(err)?;
        for (i, (a, b, lab)) in self.bands.iter().enumerate() {
            let shade = [RGBColor(250, 226, 214), RGBColor(245, 245, 245), RGBColor(214, 234, 246)][i % 3];
            c.draw_series(std::iter::once(Rectangle::new([(-0.6, *a), (n as f64 - 0.4, *b)], shade.filled())))
                .map_err(err)?;
            c.draw_series(std::iter::once(Text::new(
                lab.clone(),
                (-0.55, *b - 0.02 * (self.yrange.1 - self.yrange.0)),
                s.font(9.0).color(&GREY),
            )))
            .map_err(err)?;
        }
        c.configure_mesh()
            .x_labels(n)
            .x_label_formatter(&f)
            .y_desc(&self.ylab)
            .label_style(s.font(10.0))
            .axis_desc_style(s.font(11.0))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        if let Some(r) = self.reference {
            c.draw_series(LineSeries::new(vec![(-0.6, r), (n as f64 - 0.4, r)], GREY.stroke_width(s.stroke(1.0))))
                .map_err(err)?;
        }
        c.draw_series(self.rows.iter().enumerate().map(|(i, r)| {
            PathElement::new(vec![(i as f64, r.2), (i as f64, r.3)], PALETTE[0].stroke_width(s.stroke(2.0)))
        }))
        .map_err(err)?;
        c.draw_series(
            self.rows.iter().enumerate().map(|(i, r)| Circle::new((i as f64, r.1), s.px(5.0), PALETTE[0].filled())),
        )
        .map_err(err)?;
        Ok(())
    }
}

/// Lines over a numeric x (short-form trade-off; observer drift by week).
pub struct Lines {
    pub title: String,
    pub x: Vec<f64>,
    pub series: Vec<(String, Vec<Option<f64>>)>,
    pub xlab: String,
    pub ylab: String,
    pub yrange: Option<(f64, f64)>,
    /// A dashed vertical marker at x with its legend label (a cut-off).
    pub vline: Option<(f64, String)>,
}

impl Figure for Lines {
    fn size(&self) -> (u32, u32) {
        (620, 360)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: Scale) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let (x0, x1) = pad(min_max(self.x.iter().copied()).0, min_max(self.x.iter().copied()).1, 0.03);
        let (y0, y1) = self
            .yrange
            .unwrap_or_else(|| pad_range(min_max(self.series.iter().flat_map(|s| s.1.iter().flatten().copied()))));
        let mut c = ChartBuilder::on(root)
            .caption(&self.title, s.font(14.0))
            .margin(s.px(10.0))
            .x_label_area_size(s.px(40.0))
            .y_label_area_size(s.px(48.0))
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        c.configure_mesh()
            .x_desc(&self.xlab)
            .y_desc(&self.ylab)
            .label_style(s.font(10.0))
            .axis_desc_style(s.font(11.0))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        for (i, (name, ys)) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let pts: Vec<(f64, f64)> = self.x.iter().zip(ys).filter_map(|(x, y)| y.map(|y| (*x, y))).collect();
            c.draw_series(LineSeries::new(pts.clone(), color.stroke_width(s.stroke(2.0))))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3)));
            c.draw_series(pts.iter().map(|&p| Circle::new(p, s.px(2.5), color.filled()))).map_err(err)?;
        }
        if let Some((vx, label)) = &self.vline {
            let dash = DashedLineSeries::new(
                vec![(*vx, y0), (*vx, y1)],
                s.px(6.0),
                s.px(4.0),
                BLACK.stroke_width(s.stroke(1.5)),
            );
            c.draw_series(dash)
                .map_err(err)?
                .label(label.as_str())
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(2)));
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .label_font(s.font(10.0))
            .background_style(WHITE.mix(0.9))
            .border_style(GREY)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}
