//! Shared helpers of the parity tests: locate and read ngclearn's fixtures, compare.
#![allow(dead_code)]

use ndarray::Array2;
use serde_json::Value;
use std::path::PathBuf;

/// `../shared/fixtures/ngclearn-3.1.1` from the repository root (or `$NGCLEARN_FIXTURES`).
pub fn fixtures_dir() -> PathBuf {
    if let Ok(d) = std::env::var("NGCLEARN_FIXTURES") {
        return PathBuf::from(d);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("../shared/fixtures/ngclearn-3.1.1");
    assert!(
        dir.is_dir(),
        "fixtures not found at {} (set NGCLEARN_FIXTURES)",
        dir.display()
    );
    dir
}

/// The parsed JSON fixture `name` (without `.json`).
pub fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn f(v: &Value) -> f32 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")) as f32
}

/// A 2-D JSON list as an array.
pub fn mat(v: &Value) -> Array2<f32> {
    let rows = v.as_array().expect("list of rows");
    let r = rows.len();
    let c = rows[0].as_array().expect("row").len();
    let flat: Vec<f32> = rows
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(f))
        .collect();
    Array2::from_shape_vec((r, c), flat).unwrap()
}

/// A 3-D JSON list as one array per step.
pub fn steps(v: &Value) -> Vec<Array2<f32>> {
    v.as_array()
        .expect("list of steps")
        .iter()
        .map(mat)
        .collect()
}

/// Relative error of `got` against `want`, elementwise maximum (0 where both are equal).
pub fn max_rel_err(got: &Array2<f32>, want: &Array2<f32>) -> f64 {
    assert_eq!(got.shape(), want.shape());
    got.iter()
        .zip(want)
        .map(|(&g, &w)| {
            if g == w {
                0.0
            } else {
                ((g as f64 - w as f64).abs()) / (w as f64).abs().max(f64::MIN_POSITIVE)
            }
        })
        .fold(0.0, f64::max)
}

/// Tracks the largest relative error per named trace and checks it against `tol`.
#[derive(Default)]
pub struct Report {
    worst: Vec<(String, f64, usize)>,
}

pub const TOL: f64 = 1e-5;

impl Report {
    pub fn check(&mut self, what: &str, step: usize, got: &Array2<f32>, want: &Array2<f32>) {
        let e = max_rel_err(got, want);
        match self.worst.iter_mut().find(|(n, _, _)| n == what) {
            Some(w) if e > w.1 => {
                w.1 = e;
                w.2 = step;
            }
            Some(_) => {}
            None => self.worst.push((what.to_string(), e, step)),
        }
        assert!(
            e <= TOL,
            "{what} at step {step}: relative error {e:e} > {TOL:e}\n got  {got}\n want {want}"
        );
    }

    /// Spikes must be identical.
    pub fn spikes(&mut self, what: &str, step: usize, got: &Array2<f32>, want: &Array2<f32>) {
        assert_eq!(got, want, "{what} differ at step {step}");
        self.check(what, step, got, want);
    }

    pub fn print(&self, fixture: &str) {
        for (n, e, s) in &self.worst {
            println!("PARITY {fixture} {n}: max relative error {e:.3e} (step {s})");
        }
    }
}
