//! The JSON file `ngc run` writes beside each recording: `OUT/COMP.FIELD.json` for
//! `OUT/COMP.FIELD.npy`, `OUT/COMP.FIELD.spikes.json` for `OUT/COMP.FIELD.spikes.npy`.
//!
//! ```json
//! {"component": "post_exc", "class": "LIFCell", "field": "v", "kind": "trace",
//!  "dt": 0.1, "t0": 0.1, "steps": 10000, "shape": [1, 1], "time_unit": "ms"}
//! ```
//! Step k of the recording is at `t0 + k·dt`. `kind` is `trace` or `spikes`; `shape`
//! is the compartment's `(batch, units)`. A cell's `v` also gives its `threshold`
//! (`thr`) and, when that is not where it spikes all run long, `threshold_adapts`
//! (why, and what to record to see it). Unknown keys are ignored, missing ones
//! (other than `dt`) are left to defaults.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a recording holds and its time axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    /// The component, e.g. `post_exc`.
    #[serde(default)]
    pub component: Option<String>,
    /// Its class, e.g. `LIFCell` (for the compartment's units).
    #[serde(default)]
    pub class: Option<String>,
    /// The compartment, e.g. `v`.
    #[serde(default)]
    pub field: Option<String>,
    /// `trace` or `spikes`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The step, in `time_unit`.
    pub dt: f64,
    /// Time of step 0, in `time_unit` (default: `dt`).
    #[serde(default)]
    pub t0: Option<f64>,
    /// Steps the run made.
    #[serde(default)]
    pub steps: Option<usize>,
    /// The compartment's shape, `(batch, units)`.
    #[serde(default)]
    pub shape: Option<Vec<usize>>,
    /// `ms` (the default) or `s`.
    #[serde(default)]
    pub time_unit: Option<String>,
    /// For a cell's membrane potential `v`: the voltage threshold (`thr`), drawn as a
    /// dashed line unless it adapts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Why the threshold is not one fixed value (`tau_theta = 500, theta_plus = 1`)
    /// and what to record to see it; absent when it is fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_adapts: Option<String>,
}

/// The sidecar of recording `npy`: its name with `.npy` replaced by `.json`.
pub fn path_of(npy: &Path) -> PathBuf {
    npy.with_extension("json")
}

impl Sidecar {
    /// Parses sidecar text; `shown` names the file in errors.
    pub fn parse(text: &str, shown: &str) -> Result<Sidecar, String> {
        let s: Sidecar = serde_json::from_str(text)
            .map_err(|e| format!("{shown}: not a recording sidecar: {e}"))?;
        s.ms_per_unit()
            .ok_or_else(|| format!("{shown}: time_unit must be \"ms\" or \"s\""))?;
        if !(s.dt.is_finite() && s.dt > 0.0) {
            return Err(format!("{shown}: dt {} must be positive", s.dt));
        }
        if s.t0.is_some_and(|t| !t.is_finite()) {
            return Err(format!("{shown}: t0 must be a finite number"));
        }
        Ok(s)
    }

    /// Reads the sidecar of `npy`, if there is one.
    pub fn read_for(npy: &Path) -> Result<Option<Sidecar>, String> {
        let p = path_of(npy);
        if !p.exists() && !p.is_symlink() {
            return Ok(None);
        }
        // A regular file of bounded size: a FIFO named X.json must not block.
        let text = ngclearn::io::json::read_text(&p).map_err(|e| e.to_string())?;
        Sidecar::parse(&text, &p.display().to_string()).map(Some)
    }

    fn ms_per_unit(&self) -> Option<f64> {
        match self.time_unit.as_deref() {
            None | Some("ms") => Some(1.0),
            Some("s") => Some(1000.0),
            _ => None,
        }
    }

    /// The step in ms.
    pub fn dt_ms(&self) -> f64 {
        self.dt * self.ms_per_unit().unwrap_or(1.0)
    }

    /// The time of step 0 in ms.
    pub fn t0_ms(&self) -> Option<f64> {
        self.t0.map(|t| t * self.ms_per_unit().unwrap_or(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_ngc_run_writes() {
        let s = Sidecar::parse(
            r#"{"component": "post_exc", "class": "LIFCell", "field": "v", "kind": "trace",
                "dt": 0.25, "t0": 0.25, "steps": 10000, "shape": [1, 1], "time_unit": "ms",
                "columns": ["step", "unit"]}"#,
            "x.json",
        )
        .unwrap();
        assert_eq!(s.dt_ms(), 0.25);
        assert_eq!(s.t0_ms(), Some(0.25));
        assert_eq!(s.shape, Some(vec![1, 1]));
        let s = Sidecar::parse(r#"{"dt": 0.001, "time_unit": "s"}"#, "x.json").unwrap();
        assert_eq!(s.dt_ms(), 1.0);
        assert_eq!(s.t0_ms(), None);
        for bad in [
            r#"{"dt": -1}"#,
            r#"{"dt": 1, "time_unit": "h"}"#,
            "[]",
            r#"{"t0": 1}"#,
        ] {
            let e = Sidecar::parse(bad, "bad.json").unwrap_err();
            assert!(e.starts_with("bad.json: "), "{e}");
        }
        assert_eq!(
            path_of(Path::new("o/post.s.spikes.npy")),
            Path::new("o/post.s.spikes.json")
        );
        assert_eq!(
            path_of(Path::new("o/post.v.npy")),
            Path::new("o/post.v.json")
        );
    }
}
