//! Figures: the default run's stacked figure in every format and size, `ngc plot`
//! reading recordings as streams with their sidecar's time axis, and figure sizes
//! that do not grow with the length of a run. Scratch files go to the system's
//! temporary directory.

mod common;

use common::{fails, png_size, scratch, succeeds};
use std::path::{Path, PathBuf};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Writes an `.npy` file: `descr`, `shape` in the header, then `data` as it is.
fn npy(path: &Path, descr: &str, shape: &[u64], data: &[u8]) {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    b.extend_from_slice(dict.as_bytes());
    b.extend_from_slice(data);
    std::fs::write(path, b).unwrap();
}

fn f32s(v: impl IntoIterator<Item = f32>) -> Vec<u8> {
    v.into_iter().flat_map(f32::to_le_bytes).collect()
}

fn i32s(v: impl IntoIterator<Item = i32>) -> Vec<u8> {
    v.into_iter().flat_map(i32::to_le_bytes).collect()
}

/// A membrane-potential-like trace of `n` steps with one excursion, and its sidecar.
fn trace(dir: &Path, stem: &str, n: usize, dt: f64, field: &str) -> PathBuf {
    let p = dir.join(format!("{stem}.npy"));
    let data = f32s((0..n).map(|k| {
        if k == n / 3 {
            20.0
        } else {
            -65.0 + 5.0 * ((k as f32) * 0.01).sin()
        }
    }));
    npy(&p, "<f4", &[n as u64, 1, 1], &data);
    std::fs::write(
        dir.join(format!("{stem}.json")),
        format!(
            r#"{{"component": "post", "class": "LIFCell", "field": "{field}", "kind": "trace", "dt": {dt}, "t0": {dt}, "steps": {n}, "shape": [1, 1], "time_unit": "ms"}}"#
        ),
    )
    .unwrap();
    p
}

#[test]
fn the_default_run_draws_one_stacked_figure_in_every_format() {
    let d = scratch("default");
    let out = d.join("out");
    let o = succeeds(&[
        "run",
        "--steps",
        "2000",
        "--out",
        s(&out),
        "--format",
        "png,svg,pdf",
        "-q",
    ]);
    assert!(o.stdout.is_empty());
    assert_eq!(png_size(&out.join("ei_circuit.png")), (1000, 1150));
    let pdf = std::fs::read(out.join("ei_circuit.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
    let svg = std::fs::read_to_string(out.join("ei_circuit.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    // 1000 x 1150 pixels at 150 dpi.
    assert!(
        svg.contains(r#"width="6.67in" height="7.67in""#),
        "{}",
        &svg[..300]
    );
    for label in [
        "pre_exc",
        "pre_inh",
        "post_exc",
        "v (mV)",
        "g_syn",
        "(Hz)",
        "time (ms)",
    ] {
        assert!(svg.contains(label), "no `{label}` in the figure");
    }
    assert!(!svg.contains(">-0<") && !svg.contains("-0.000"));
    // The post-synaptic rate, of another order than the inputs', has a panel of its
    // own: no second y axis to compare curves against.
    assert!(
        svg.contains("Rate of post_exc") && !svg.contains("right axis"),
        "a second y axis in the rates"
    );
    for f in ["raster", "voltage", "conductance", "rates"] {
        for ext in ["png", "svg", "pdf"] {
            assert!(out.join(format!("{f}.{ext}")).is_file(), "{f}.{ext}");
        }
        assert_eq!(png_size(&out.join(format!("{f}.png"))), (1000, 420), "{f}");
    }
    // Nothing half-written is left.
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        assert!(!name.starts_with('.'), "left behind: {name}");
    }
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn figure_size_in_inches_or_pixels_and_resolution() {
    let d = scratch("size");
    let out = d.join("out");
    succeeds(&[
        "run",
        "--steps",
        "500",
        "--out",
        s(&out),
        "--size",
        "7x8in",
        "--dpi",
        "100",
        "--format",
        "png,svg",
        "-q",
    ]);
    let png = out.join("ei_circuit.png");
    assert_eq!(png_size(&png), (700, 800));
    // The resolution is recorded in the PNG (pHYs, pixels per metre).
    let b = std::fs::read(&png).unwrap();
    let at = b.windows(4).position(|w| w == b"pHYs").expect("pHYs chunk");
    let ppm = u32::from_be_bytes(b[at + 4..at + 8].try_into().unwrap());
    assert_eq!(ppm, 3937);
    assert_eq!(png_size(&out.join("voltage.png")), (700, 294));
    let svg = std::fs::read_to_string(out.join("ei_circuit.svg")).unwrap();
    assert!(svg.contains(r#"width="7in" height="8in""#));
    succeeds(&[
        "run",
        "--steps",
        "200",
        "--out",
        s(&out),
        "--size",
        "800x640",
        "--format",
        "png",
        "-q",
    ]);
    assert_eq!(png_size(&png), (800, 640));
    fails(
        &["run", "--steps", "10", "--out", s(&out), "--size", "7by8"],
        &["--size", "7by8"],
    );
    fails(
        &["run", "--steps", "10", "--out", s(&out), "--format", "gif"],
        &["gif"],
    );
    fails(
        &["run", "--steps", "10", "--out", s(&out), "--dpi", "0"],
        &["--dpi"],
    );
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn figures_do_not_grow_with_the_run() {
    let d = scratch("bounded");
    let size = |steps: &str| {
        let out = d.join(steps);
        succeeds(&[
            "run",
            "--steps",
            steps,
            "--random",
            "fast",
            "--out",
            s(&out),
            "--format",
            "svg",
            "-q",
        ]);
        std::fs::metadata(out.join("ei_circuit.svg")).unwrap().len()
    };
    let (short, long) = (size("10000"), size("200000"));
    // 20 times the steps; the figure holds a fixed number of time buckets.
    assert!(
        long < 3 * short,
        "{short} bytes for 10^4 steps, {long} for 2x10^5"
    );
    assert!(long < 1_500_000, "{long}");
    // `ngc plot` likewise: 10^4 and 10^6 samples of a trace.
    let a = trace(&d, "short.v", 10_000, 0.1, "v");
    let b = trace(&d, "long.v", 1_000_000, 0.1, "v");
    let plots = d.join("plots");
    succeeds(&["plot", s(&a), s(&b), "--out", s(&plots), "--format", "svg"]);
    let (a, b) = (
        std::fs::metadata(plots.join("short.v.svg")).unwrap().len(),
        std::fs::metadata(plots.join("long.v.svg")).unwrap().len(),
    );
    assert!(b < 2 * a && a < 2 * b, "{a} and {b} bytes");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn plot_reads_the_time_axis_from_the_sidecar() {
    let d = scratch("sidecar");
    let v = trace(&d, "post.v", 4000, 0.25, "v");
    let o = succeeds(&["plot", s(&v), "--out", s(&d.join("p"))]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("4000 steps of 0.25 ms, time axis 0.25-1000 ms"),
        "{text}"
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // --dt overrides the sidecar's step (t0 still from the sidecar).
    let o = succeeds(&["plot", s(&v), "--dt", "0.5", "--out", s(&d.join("p"))]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("time axis 0.25-1999.75 ms"), "{text}");
    // Without a sidecar or --dt: 0.1 ms, said on stderr.
    std::fs::remove_file(d.join("post.v.json")).unwrap();
    let o = succeeds(&["plot", s(&v), "--out", s(&d.join("p"))]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("time axis 0.1-400 ms"), "{text}");
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("assuming dt = 0.1 ms") && err.contains("post.v.json"),
        "{err}"
    );
    // A run's own sidecars: 20 s at 1 ms is drawn in seconds.
    let run = d.join("run");
    succeeds(&[
        "run",
        "--steps",
        "20000",
        "--dt",
        "1",
        "--random",
        "fast",
        "--no-plots",
        "--record",
        "post_exc:v",
        "--record-spikes",
        "pre_exc:outputs",
        "--out",
        s(&run),
        "-q",
    ]);
    let o = succeeds(&[
        "plot",
        s(&run.join("post_exc.v.npy")),
        s(&run.join("pre_exc.outputs.spikes.npy")),
        "--out",
        s(&d.join("q")),
        "--format",
        "svg",
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("20000 steps of 1 ms, time axis 1-20000 ms"),
        "{text}"
    );
    let svg = std::fs::read_to_string(d.join("q/stacked.svg")).unwrap();
    assert!(svg.contains("time (s)") && svg.contains("post_exc:v"));
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_header_claiming_more_than_the_file_holds_is_an_error() {
    let d = scratch("header");
    let huge = d.join("huge.v.npy");
    npy(&huge, "<f4", &[1_000_000_000_000, 1, 80], &f32s([0.0; 80]));
    fails(
        &["plot", s(&huge), "--out", s(&d.join("p"))],
        &["huge.v.npy"],
    );
    let ev = d.join("huge.s.spikes.npy");
    npy(&ev, "<i4", &[1_000_000_000_000, 2], &i32s([0, 0]));
    fails(
        &["plot", s(&ev), "--out", s(&d.join("p"))],
        &["huge.s.spikes.npy"],
    );
    let short = d.join("short.v.npy");
    npy(&short, "<f4", &[10, 1, 1], &f32s([1.0; 9]));
    fails(
        &["plot", s(&short), "--out", s(&d.join("p"))],
        &["short.v.npy"],
    );
    let wrong = d.join("wrong.v.npy");
    npy(&wrong, "<i4", &[2, 1, 1], &i32s([1, 2]));
    fails(
        &["plot", s(&wrong), "--out", s(&d.join("p"))],
        &["wrong.v.npy", "float32"],
    );
    let neg = d.join("neg.s.spikes.npy");
    npy(&neg, "<i4", &[1, 2], &i32s([-3, 0]));
    fails(
        &["plot", s(&neg), "--out", s(&d.join("p"))],
        &["neg.s.spikes.npy", "negative"],
    );
    std::fs::write(d.join("bad.v.json"), "{not json").unwrap();
    let bad = trace(&d, "ok.v", 10, 0.1, "v");
    std::fs::rename(bad, d.join("bad.v.npy")).unwrap();
    fails(
        &["plot", s(&d.join("bad.v.npy")), "--out", s(&d.join("p"))],
        &["bad.v.json"],
    );
    assert!(!d.join("p").join("huge.v.png").exists());
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn the_threshold_is_drawn_on_membrane_potentials_only() {
    let d = scratch("threshold");
    let v = trace(&d, "post.v", 100, 0.1, "v");
    let g = trace(&d, "W.g_syn", 100, 0.1, "g_syn");
    let p = d.join("p");
    succeeds(&[
        "plot",
        s(&v),
        s(&g),
        "--threshold",
        "-55",
        "--out",
        s(&p),
        "--format",
        "svg",
    ]);
    let v = std::fs::read_to_string(p.join("post.v.svg")).unwrap();
    let g = std::fs::read_to_string(p.join("W.g_syn.svg")).unwrap();
    assert!(v.contains("threshold (\u{2212}55 mV)"), "no threshold on v");
    assert!(v.contains("stroke-dasharray"));
    assert!(!g.contains("threshold") && !g.contains("stroke-dasharray"));
    let stacked = std::fs::read_to_string(p.join("stacked.svg")).unwrap();
    assert_eq!(stacked.matches("threshold").count(), 1);
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn spike_rasters_stream_and_a_single_unit_has_a_clean_axis() {
    let d = scratch("raster");
    // One unit: (step, unit) rows.
    let one = d.join("post.s.spikes.npy");
    let steps: Vec<i32> = (0..50).map(|i| i * 37).collect();
    npy(
        &one,
        "<i4",
        &[steps.len() as u64, 2],
        &i32s(steps.iter().flat_map(|&k| [k, 0])),
    );
    // Batched: (step, row, unit) rows, 2 rows of 3 units.
    let rows = d.join("pre.s.spikes.npy");
    let ev: Vec<i32> = (0..300).flat_map(|i| [i * 5, i % 2, i % 3]).collect();
    npy(&rows, "<i4", &[300, 3], &i32s(ev));
    let p = d.join("p");
    let o = succeeds(&[
        "plot",
        s(&one),
        s(&rows),
        "--out",
        s(&p),
        "--format",
        "svg,png",
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("post.s.spikes.npy: 1814 steps"), "{text}");
    let svg = std::fs::read_to_string(p.join("post.s.svg")).unwrap();
    let labels: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split('>').nth(1)?.split('<').next())
        .collect();
    assert!(labels.contains(&"0"), "{labels:?}");
    for l in &labels {
        assert!(
            !l.contains("0.0") && !l.starts_with('-') && !l.starts_with('\u{2212}'),
            "tick label `{l}`"
        );
    }
    assert!(p.join("stacked.png").is_file() && p.join("pre.s.png").is_file());
    let _ = std::fs::remove_dir_all(d);
}

/// Each `<text>` of an SVG: (y of the baseline, font size, anchor, bold, text).
fn svg_texts(svg: &str) -> Vec<(f64, f64, String, bool, String)> {
    let attr = |t: &str, name: &str| -> Option<String> {
        let i = t.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(t[i..].split('"').next()?.to_string())
    };
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let head = t.split('>').next()?;
            let text = t.split('>').nth(1)?.split('<').next()?.to_string();
            Some((
                attr(head, "y")?.parse().ok()?,
                attr(head, "font-size")?.parse().ok()?,
                attr(head, "text-anchor").unwrap_or_default(),
                head.contains("bold"),
                text,
            ))
        })
        .collect()
}

#[test]
fn raster_ticks_are_whole_distinct_cell_numbers() {
    let d = scratch("raster_ticks");
    let p = d.join("p");
    for cells in [2, 3, 5, 7] {
        let f = d.join(format!("c{cells}.s.spikes.npy"));
        let ev: Vec<i32> = (0..40).flat_map(|i| [i * 3, i % cells]).collect();
        npy(&f, "<i4", &[40, 2], &i32s(ev));
        succeeds(&["plot", s(&f), "--out", s(&p), "--format", "svg"]);
        let svg = std::fs::read_to_string(p.join(format!("c{cells}.s.svg"))).unwrap();
        // The y axis's labels are right-aligned against it.
        let labels: Vec<String> = svg_texts(&svg)
            .into_iter()
            .filter(|t| t.2 == "end")
            .map(|t| t.4)
            .collect();
        let mut numbers: Vec<i32> = labels
            .iter()
            .map(|l| {
                l.parse()
                    .unwrap_or_else(|_| panic!("tick `{l}` in {labels:?}"))
            })
            .collect();
        let n = numbers.len();
        numbers.dedup();
        assert_eq!(numbers.len(), n, "{cells} cells: repeated ticks {labels:?}");
        assert!(
            numbers.contains(&0) && numbers.iter().all(|&u| (0..cells).contains(&u)),
            "{cells} cells: {labels:?}"
        );
    }
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_tick_at_the_top_of_the_axis_stays_clear_of_the_title() {
    let d = scratch("title_gap");
    // From -6 to 94: padded by 6%, the axis ends at 100, a tick.
    let f = d.join("post.x.npy");
    npy(
        &f,
        "<f4",
        &[101, 1, 1],
        &f32s((0..101).map(|k| k as f32 - 6.0)),
    );
    let p = d.join("p");
    let default = d.join("default");
    succeeds(&["plot", s(&f), "--out", s(&p), "--format", "svg"]);
    succeeds(&["run", "--out", s(&default), "--format", "svg"]);
    let top = svg_texts(&std::fs::read_to_string(p.join("post.x.svg")).unwrap());
    assert!(top.iter().any(|t| t.4 == "100"), "no tick at the top");
    for svg in [p.join("post.x.svg"), default.join("ei_circuit.svg")] {
        let texts = svg_texts(&std::fs::read_to_string(&svg).unwrap());
        let titles: Vec<_> = texts.iter().filter(|t| t.3 && t.2 == "start").collect();
        assert!(!titles.is_empty());
        for t in texts.iter().filter(|t| t.2 == "end") {
            // Digits rise about 0.73 em above the baseline; descenders reach 0.24 em.
            let top = t.0 - 0.73 * t.1;
            for h in titles.iter().filter(|h| h.0 < t.0) {
                let bottom = h.0 + 0.24 * h.1;
                assert!(
                    top >= bottom,
                    "{}: tick `{}` (top {top:.1}) reaches into the title `{}` (bottom {bottom:.1})",
                    svg.display(),
                    t.4,
                    h.4
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(d);
}

/// The tutorial's model file, with its LIF cell's threshold adapting when `adapts`.
fn ei_model(dir: &Path, adapts: bool) -> PathBuf {
    let mut text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/models/ei_alpha.toml"),
    )
    .unwrap();
    if adapts {
        text = text
            .replace("tau_theta = 0.0", "tau_theta = 500.0")
            .replace("theta_plus = 0.0", "theta_plus = 1.0");
    }
    let p = dir.join(if adapts { "adapts.toml" } else { "ei.toml" });
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn run_plot_draws_what_ngc_plot_draws_of_its_recordings() {
    let d = scratch("run_plot");
    let model = ei_model(&d, false);
    let out = d.join("out");
    let o = succeeds(&[
        "run",
        s(&model),
        "--steps",
        "2000",
        "--record",
        "post_exc:v",
        "--record-spikes",
        "pre_inh:outputs",
        "--plot",
        "--out",
        s(&out),
        "--format",
        "svg",
    ]);
    let summary = String::from_utf8(o.stdout).unwrap();
    for f in ["post_exc.v.svg", "pre_inh.outputs.svg", "stacked.svg"] {
        assert!(out.join(f).is_file(), "{f} missing");
        assert!(
            summary.contains(&format!("wrote {}", s(&out.join(f)))),
            "{summary}"
        );
    }
    // The cell's own (fixed) threshold is on its membrane potential.
    let v = std::fs::read_to_string(out.join("post_exc.v.svg")).unwrap();
    assert!(v.contains("threshold (\u{2212}55 mV)"), "no threshold line");
    // ngc plot of the files draws the same figures, byte for byte.
    let again = d.join("again");
    succeeds(&[
        "plot",
        s(&out.join("pre_inh.outputs.spikes.npy")),
        s(&out.join("post_exc.v.npy")),
        "--out",
        s(&again),
        "--format",
        "svg",
    ]);
    for f in ["post_exc.v.svg", "pre_inh.outputs.svg", "stacked.svg"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f} differs from ngc plot's"
        );
    }
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn run_plot_without_recordings_rasters_every_spiking_population() {
    let d = scratch("run_plot_all");
    let model = ei_model(&d, false);
    let (plain, plotted) = (d.join("plain"), d.join("plotted"));
    succeeds(&["run", s(&model), "--steps", "500", "--out", s(&plain)]);
    // Without --plot a model's run draws nothing.
    assert!(!plain.exists() || std::fs::read_dir(&plain).unwrap().next().is_none());
    succeeds(&[
        "run",
        s(&model),
        "--steps",
        "500",
        "--plot",
        "--out",
        s(&plotted),
        "--format",
        "svg",
    ]);
    for f in [
        "pre_exc.outputs.svg",
        "pre_inh.outputs.svg",
        "post_exc.s.svg",
        "stacked.svg",
    ] {
        assert!(plotted.join(f).is_file(), "{f} missing");
    }
    let stacked = std::fs::read_to_string(plotted.join("stacked.svg")).unwrap();
    assert!(stacked.contains("pre_exc:outputs spikes") && stacked.contains("post_exc:s spikes"));
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_threshold_that_adapts_is_not_drawn_as_fixed_and_a_given_one_is_warned_of() {
    let d = scratch("adapts");
    let model = ei_model(&d, true);
    let out = d.join("out");
    succeeds(&[
        "run",
        s(&model),
        "--steps",
        "2000",
        "--record",
        "post_exc:v",
        "--out",
        s(&out),
    ]);
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("post_exc.v.json")).unwrap())
            .unwrap();
    assert_eq!(sidecar["threshold"], -55.0);
    assert!(sidecar["threshold_adapts"]
        .as_str()
        .is_some_and(|w| w.contains("tau_theta = 500") && w.contains("thr_theta")));
    // Drawn from its sidecar: no line at a value where it does not spike.
    let p0 = d.join("p0");
    let o = succeeds(&[
        "plot",
        s(&out.join("post_exc.v.npy")),
        "--out",
        s(&p0),
        "--format",
        "svg",
    ]);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = std::fs::read_to_string(p0.join("post_exc.v.svg")).unwrap();
    assert!(
        !v.contains("threshold ("),
        "a fixed line on an adapting threshold"
    );
    assert!(v.contains("its threshold adapts"));
    // Asked for with --threshold: drawn as the base value, and warned of on stderr.
    let p = d.join("p");
    let o = succeeds(&[
        "plot",
        s(&out.join("post_exc.v.npy")),
        "--threshold",
        "-55",
        "--out",
        s(&p),
        "--format",
        "svg",
    ]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("warning") && err.contains("post_exc:v") && err.contains("adapts"),
        "{err}"
    );
    let v = std::fs::read_to_string(p.join("post_exc.v.svg")).unwrap();
    assert!(v.contains("base threshold (\u{2212}55 mV)"));
    // A fixed threshold draws no warning.
    let fixed = ei_model(&d, false);
    let out2 = d.join("out2");
    succeeds(&[
        "run",
        s(&fixed),
        "--steps",
        "100",
        "--record",
        "post_exc:v",
        "--out",
        s(&out2),
    ]);
    let o = succeeds(&[
        "plot",
        s(&out2.join("post_exc.v.npy")),
        "--threshold",
        "-55",
        "--out",
        s(&p),
        "--format",
        "svg",
    ]);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn an_adapting_threshold_is_drawn_where_it_is_when_its_offset_is_recorded() {
    let d = scratch("moving_threshold");
    let model = ei_model(&d, true);
    let out = d.join("out");
    succeeds(&[
        "run",
        s(&model),
        "--steps",
        "2000",
        "--record",
        "post_exc:v",
        "--record",
        "post_exc:thr_theta",
        "--plot",
        "--out",
        s(&out),
        "--format",
        "svg",
    ]);
    let v = std::fs::read_to_string(out.join("post_exc.v.svg")).unwrap();
    assert!(
        v.contains("threshold (thr + thr_theta)"),
        "no moving threshold"
    );
    // Without the offset, no such line.
    let alone = d.join("alone");
    succeeds(&[
        "plot",
        s(&out.join("post_exc.v.npy")),
        "--out",
        s(&alone),
        "--format",
        "svg",
    ]);
    let v = std::fs::read_to_string(alone.join("post_exc.v.svg")).unwrap();
    assert!(!v.contains("thr + thr_theta"));
    let _ = std::fs::remove_dir_all(d);
}
