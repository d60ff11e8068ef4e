//! A display list ([`Item`]s) as PNG (plotters' bitmap backend, with the resolution
//! recorded in the file), SVG (text kept as text, physical size in inches) or PDF
//! (pdf-writer; text as outlines of the same TrueType font, so nothing depends on
//! the reader's fonts).

use super::draw::{Align, Item, Measure, Rot};
use super::{Fonts, Page};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt::Write as _;

/// `on, off` dashes along a polyline, as separate polylines.
fn dashes(pts: &[(f64, f64)], on: f64, off: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let (mut drawing, mut left) = (true, on);
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let mut at = 0.0;
        while at < len {
            let step = left.min(len - at);
            let p = |t: f64| (a.0 + (b.0 - a.0) * t / len, a.1 + (b.1 - a.1) * t / len);
            if drawing {
                if cur.is_empty() {
                    cur.push(p(at));
                }
                cur.push(p(at + step));
            }
            at += step;
            left -= step;
            if left <= 1e-9 {
                if drawing {
                    out.push(std::mem::take(&mut cur));
                }
                drawing = !drawing;
                left = if drawing { on } else { off };
            }
        }
    }
    if cur.len() > 1 {
        out.push(cur);
    }
    out
}

/// The polylines an item strokes (dashes split).
fn strokes(pts: &[(f64, f64)], dash: Option<(f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    match dash {
        Some((on, off)) => dashes(pts, on, off),
        None => vec![pts.to_vec()],
    }
}

/// The unit vector along text drawn in direction `rot`, in pixels (y down).
fn along(rot: Rot) -> (f64, f64) {
    match rot {
        Rot::None => (1.0, 0.0),
        Rot::Up => (0.0, -1.0),
        Rot::Down => (0.0, 1.0),
    }
}

fn shift(align: Align) -> f64 {
    match align {
        Align::Left => 0.0,
        Align::Center => 0.5,
        Align::Right => 1.0,
    }
}

/// Samples per pixel side when drawing a PNG: lines and text are drawn this much
/// larger and averaged down, which smooths their edges.
fn supersampling(page: Page) -> u32 {
    match page.w as u64 * page.h as u64 {
        0..=2_500_000 => 3,
        2_500_001..=12_000_000 => 2,
        _ => 1,
    }
}

/// A stroked polyline on a bitmap: each segment as a filled quadrilateral and round
/// joins (plotters strokes a wide polyline as one polygon, which a path folding back
/// on itself, as min/max envelopes do, fills with holes).
fn stroke_bitmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    pts: &[(f64, f64)],
    color: &RGBColor,
    width: f64,
) -> Result<(), String> {
    let err = |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let ip = |p: (f64, f64)| (p.0.round() as i32, p.1.round() as i32);
    if width < 1.5 {
        let mut v: Vec<(i32, i32)> = pts.iter().map(|&p| ip(p)).collect();
        v.dedup();
        return root
            .draw(&PathElement::new(
                v,
                ShapeStyle::from(color).stroke_width(1),
            ))
            .map_err(err);
    }
    let r = width / 2.0;
    let fill = color.filled();
    for (i, w) in pts.windows(2).enumerate() {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt();
        if len > 1e-6 {
            let (nx, ny) = (-dy / len * r, dx / len * r);
            let quad = vec![
                ip((a.0 + nx, a.1 + ny)),
                ip((b.0 + nx, b.1 + ny)),
                ip((b.0 - nx, b.1 - ny)),
                ip((a.0 - nx, a.1 - ny)),
            ];
            root.draw(&Polygon::new(quad, fill)).map_err(err)?;
        }
        if i + 2 < pts.len() || len <= 1e-6 {
            root.draw(&Circle::new(ip(b), r.round().max(1.0) as i32, fill))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// PNG bytes.
pub fn png(items: &[Item], page: Page, fonts: &Fonts) -> Result<Vec<u8>, String> {
    let me = Measure::new(fonts)?;
    let (w, h) = (page.w, page.h);
    let f = supersampling(page);
    let (bw, bh) = (w * f, h * f);
    let ff = f as f64;
    let mut big = vec![255u8; bw as usize * bh as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut big, (bw, bh)).into_drawing_area();
        let err = |e: plotters::drawing::DrawingAreaErrorKind<_>| e.to_string();
        let ip = |p: (f64, f64)| ((p.0 * ff).round() as i32, (p.1 * ff).round() as i32);
        for it in items {
            match it {
                Item::Line {
                    pts,
                    color,
                    width,
                    dash,
                } => {
                    for s in strokes(pts, *dash) {
                        let s: Vec<(f64, f64)> = s.iter().map(|p| (p.0 * ff, p.1 * ff)).collect();
                        stroke_bitmap(&root, &s, color, width * ff)?;
                    }
                }
                Item::Rect {
                    x0,
                    y0,
                    x1,
                    y1,
                    color,
                } => {
                    // Pixels whose centres lie inside, at least one.
                    let (a, c) = ip((*x0, *y0));
                    let (b, d) = ip((*x1, *y1));
                    let (b, d) = ((b - 1).max(a), (d - 1).max(c));
                    root.draw(&Rectangle::new([(a, c), (b, d)], color.filled()))
                        .map_err(err)?;
                }
                Item::Text {
                    text,
                    x,
                    y,
                    em,
                    color,
                    align,
                    rot,
                    bold,
                } => {
                    // plotters puts the baseline half a font size below a top anchor.
                    let size = me.px_scale(em * ff, *bold).y as f64;
                    let (x, y) = (x * ff, y * ff);
                    let (px, py, t) = match rot {
                        Rot::None => (x, y - size / 2.0, FontTransform::None),
                        Rot::Up => (x - size / 2.0, y, FontTransform::Rotate270),
                        Rot::Down => (x + size / 2.0, y, FontTransform::Rotate90),
                    };
                    let h = match align {
                        Align::Left => HPos::Left,
                        Align::Center => HPos::Center,
                        Align::Right => HPos::Right,
                    };
                    let style = if *bold {
                        FontStyle::Bold
                    } else {
                        FontStyle::Normal
                    };
                    let font = FontDesc::new(FontFamily::SansSerif, size, style)
                        .transform(t)
                        .color(color)
                        .pos(Pos::new(h, VPos::Top));
                    let at = (px.round() as i32, py.round() as i32);
                    root.draw(&Text::new(text.as_str(), at, font))
                        .map_err(err)?;
                }
            }
        }
        root.present().map_err(err)?;
    }
    // Average each f x f block.
    let buf: Vec<u8> = if f == 1 {
        big
    } else {
        let (w, fu) = (w as usize, f as usize);
        let bwu = bw as usize;
        let mut out = vec![0u8; w * h as usize * 3];
        let mut acc = vec![0u32; w * 3];
        for y in 0..h as usize {
            acc.iter_mut().for_each(|a| *a = 0);
            for sy in 0..fu {
                let row = &big[(y * fu + sy) * bwu * 3..(y * fu + sy + 1) * bwu * 3];
                for (i, px) in row.chunks_exact(3).enumerate() {
                    let o = (i / fu) * 3;
                    acc[o] += px[0] as u32;
                    acc[o + 1] += px[1] as u32;
                    acc[o + 2] += px[2] as u32;
                }
            }
            let n = (fu * fu) as u32;
            for (o, a) in out[y * w * 3..(y + 1) * w * 3].iter_mut().zip(&acc) {
                *o = ((a + n / 2) / n) as u8;
            }
        }
        out
    };
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let ppm = (page.dpi / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let mut wr = enc.write_header().map_err(|e| e.to_string())?;
        wr.write_image_data(&buf).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// A coordinate for SVG: at most two decimals.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

fn hex(c: &RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// SVG text. Coordinates are the PNG's pixels; the width and height say inches.
pub fn svg(items: &[Item], page: Page) -> String {
    let (w, h) = (page.w as f64, page.h as f64);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}in" height="{}in" viewBox="0 0 {} {}" font-family="DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif">"#,
        num(w / page.dpi),
        num(h / page.dpi),
        page.w,
        page.h
    );
    let _ = writeln!(
        s,
        r##"<rect width="{}" height="{}" fill="#ffffff"/>"##,
        page.w, page.h
    );
    let mut i = 0;
    while i < items.len() {
        match &items[i] {
            Item::Line {
                pts,
                color,
                width,
                dash,
            } => {
                let dash = dash
                    .map(|(a, b)| format!(r#" stroke-dasharray="{} {}""#, num(a), num(b)))
                    .unwrap_or_default();
                let mut p = String::with_capacity(pts.len() * 12);
                for &(x, y) in pts {
                    let _ = write!(p, "{},{} ", num(x), num(y));
                }
                let _ = writeln!(
                    s,
                    r#"<polyline fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round"{dash} points="{}"/>"#,
                    hex(color),
                    num(*width),
                    p.trim_end()
                );
                i += 1;
            }
            Item::Rect { color, .. } => {
                // Consecutive rectangles of one colour: one path.
                let c = *color;
                let _ = write!(s, r#"<path fill="{}" d=""#, hex(&c));
                while let Some(Item::Rect {
                    x0,
                    y0,
                    x1,
                    y1,
                    color,
                }) = items.get(i)
                {
                    if *color != c {
                        break;
                    }
                    let _ = write!(
                        s,
                        "M{} {}h{}v{}h{}z",
                        num(*x0),
                        num(*y0),
                        num(x1 - x0),
                        num(y1 - y0),
                        num(x0 - x1)
                    );
                    i += 1;
                }
                let _ = writeln!(s, r#""/>"#);
            }
            Item::Text {
                text,
                x,
                y,
                em,
                color,
                align,
                rot,
                bold,
            } => {
                let anchor = match align {
                    Align::Left => "start",
                    Align::Center => "middle",
                    Align::Right => "end",
                };
                let rotate = match rot {
                    Rot::None => String::new(),
                    Rot::Up => format!(r#" transform="rotate(-90 {} {})""#, num(*x), num(*y)),
                    Rot::Down => format!(r#" transform="rotate(90 {} {})""#, num(*x), num(*y)),
                };
                let weight = if *bold { r#" font-weight="bold""# } else { "" };
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" font-size="{}" text-anchor="{anchor}" fill="{}"{weight}{rotate}>{}</text>"#,
                    num(*x),
                    num(*y),
                    num(*em),
                    hex(color),
                    escape(text)
                );
                i += 1;
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

/// PDF bytes: one page of `w / dpi` by `h / dpi` inches.
pub fn pdf(items: &[Item], page: Page, fonts: &Fonts) -> Result<Vec<u8>, String> {
    use ab_glyph::{Font, OutlineCurve};
    use pdf_writer::{Content, Filter, Finish, Pdf, Rect, Ref, TextStr};
    let me = Measure::new(fonts)?;
    let k = (72.0 / page.dpi) as f32;
    let (wpt, hpt) = (page.w as f32 * k, page.h as f32 * k);
    let mut c = Content::new();
    // Pixel coordinates, y down, from here on.
    c.transform([k, 0.0, 0.0, -k, 0.0, hpt]);
    c.set_line_join(pdf_writer::types::LineJoinStyle::RoundJoin);
    let rgb = |c: &RGBColor| (c.0 as f32 / 255.0, c.1 as f32 / 255.0, c.2 as f32 / 255.0);
    let mut fill: Option<RGBColor> = None;
    let mut set_fill = |c: &mut Content, col: &RGBColor| {
        if fill != Some(*col) {
            let (r, g, b) = rgb(col);
            c.set_fill_rgb(r, g, b);
            fill = Some(*col);
        }
    };
    for it in items {
        match it {
            Item::Line {
                pts,
                color,
                width,
                dash,
            } => {
                let (r, g, b) = rgb(color);
                c.set_stroke_rgb(r, g, b);
                c.set_line_width(*width as f32);
                match dash {
                    Some((a, b)) => c.set_dash_pattern([*a as f32, *b as f32], 0.0),
                    None => c.set_dash_pattern([], 0.0),
                };
                if let Some(&(x, y)) = pts.first() {
                    c.move_to(x as f32, y as f32);
                    for &(x, y) in &pts[1..] {
                        c.line_to(x as f32, y as f32);
                    }
                    c.stroke();
                }
            }
            Item::Rect {
                x0,
                y0,
                x1,
                y1,
                color,
            } => {
                set_fill(&mut c, color);
                c.rect(*x0 as f32, *y0 as f32, (x1 - x0) as f32, (y1 - y0) as f32);
                c.fill_nonzero();
            }
            Item::Text {
                text,
                x,
                y,
                em,
                color,
                align,
                rot,
                bold,
            } => {
                let font = me.font(*bold);
                let sc = em / me.units_per_em(*bold);
                let width = me.width(text, *em, *bold);
                let (ax, ay) = along(*rot);
                let (sx, sy) = (
                    x - ax * width * shift(*align),
                    y - ay * width * shift(*align),
                );
                // Glyph space (units, y up) to pixels: along the text, and "up" is
                // the text direction turned a quarter to the left.
                let (ux, uy) = (ay, -ax);
                let mut pen = 0.0;
                let mut prev = None;
                set_fill(&mut c, color);
                for ch in text.chars() {
                    let g = font.glyph_id(ch);
                    if let Some(p) = prev {
                        pen += font.kern_unscaled(p, g) as f64 * sc;
                    }
                    prev = Some(g);
                    if let Some(o) = font.outline(g) {
                        let at = |p: ab_glyph::Point| {
                            let (lx, ly) = (pen + p.x as f64 * sc, p.y as f64 * sc);
                            (
                                (sx + ax * lx + ux * ly) as f32,
                                (sy + ay * lx + uy * ly) as f32,
                            )
                        };
                        let mut cur: Option<(f32, f32)> = None;
                        for curve in &o.curves {
                            let (p0, rest) = match curve {
                                OutlineCurve::Line(a, b) => (at(*a), vec![at(*b)]),
                                OutlineCurve::Quad(a, b, d) => (at(*a), vec![at(*b), at(*d)]),
                                OutlineCurve::Cubic(a, b, d, e) => {
                                    (at(*a), vec![at(*b), at(*d), at(*e)])
                                }
                            };
                            if cur != Some(p0) {
                                c.move_to(p0.0, p0.1);
                            }
                            match rest.as_slice() {
                                [p1] => {
                                    c.line_to(p1.0, p1.1);
                                }
                                [q, p2] => {
                                    // The quadratic as a cubic.
                                    let c1 = (
                                        p0.0 + 2.0 / 3.0 * (q.0 - p0.0),
                                        p0.1 + 2.0 / 3.0 * (q.1 - p0.1),
                                    );
                                    let c2 = (
                                        p2.0 + 2.0 / 3.0 * (q.0 - p2.0),
                                        p2.1 + 2.0 / 3.0 * (q.1 - p2.1),
                                    );
                                    c.cubic_to(c1.0, c1.1, c2.0, c2.1, p2.0, p2.1);
                                }
                                [c1, c2, p3] => {
                                    c.cubic_to(c1.0, c1.1, c2.0, c2.1, p3.0, p3.1);
                                }
                                _ => {}
                            }
                            cur = rest.last().copied();
                        }
                    }
                    pen += font.h_advance_unscaled(g) as f64 * sc;
                }
                c.fill_nonzero();
            }
        }
    }
    let content = miniz_oxide::deflate::compress_to_vec_zlib(&c.finish(), 6);
    let mut pdf = Pdf::new();
    let (catalog, tree, page_id, content_id, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let mut p = pdf.page(page_id);
    p.media_box(Rect::new(0.0, 0.0, wpt, hpt));
    p.parent(tree);
    p.contents(content_id);
    p.finish();
    pdf.stream(content_id, &content).filter(Filter::FlateDecode);
    pdf.document_info(info)
        .producer(TextStr("ngc (ngclearn-rs)"));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_alternate_along_the_line() {
        let d = dashes(&[(0.0, 0.0), (10.0, 0.0)], 3.0, 2.0);
        assert_eq!(
            d,
            vec![vec![(0.0, 0.0), (3.0, 0.0)], vec![(5.0, 0.0), (8.0, 0.0)]]
        );
    }
}
