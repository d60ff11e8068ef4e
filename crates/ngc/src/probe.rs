//! `ngc probe`: the tutorial's three conductance time-courses (exponential, alpha,
//! double-exponential) for one pre-synaptic pulse at 1 ms, normalised to [0, 1].

use crate::plot::{write, Figure, Line, PALETTE};
use ngclearn::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::result::Result;

/// The probe's settings (the tutorial's: dt 0.1 ms, 8 ms, pulse at 1 ms, v = -65 mV).
pub struct Probe {
    pub dt: f32,
    pub t_end: f32,
    pub pulse_ms: f32,
    pub tau_exp: f32,
    pub tau_alpha: f32,
    pub tau_rise: f32,
    pub tau_decay: f32,
}

/// `g_syn` of each synapse after each step, and the step of the pulse.
pub struct ProbeTrace {
    pub t: Vec<f64>,
    pub g: [Vec<f32>; 3],
}

impl Probe {
    fn model(&self) -> ngclearn::Result<Model> {
        let dense = || DenseParams {
            weight_init: Some(DistributionGenerator::constant(1.0)),
            key: Some(Key::from_seed(0)),
            ..Default::default()
        };
        let mut ctx = Context::new("probe");
        let mut pe = ExponentialSynapseParams::new(self.tau_exp, 1.0, Some(0.0));
        pe.dense = dense();
        let mut pa = AlphaSynapseParams::new(self.tau_alpha, 1.0, Some(0.0));
        pa.dense = dense();
        let mut p2 = DoubleExpSynapseParams::new(
            self.tau_decay as f64,
            self.tau_rise as f64,
            1.0,
            Some(0.0),
        );
        p2.dense = dense();
        ctx.add(ExponentialSynapse::new("exp", (1, 1), pe)?)?;
        ctx.add(AlphaSynapse::new("alpha", (1, 1), pa)?)?;
        ctx.add(DoubleExpSynapse::new("exp2", (1, 1), p2)?)?;
        ctx.process(
            "adv",
            &[
                ("exp", Method::AdvanceState),
                ("alpha", Method::AdvanceState),
                ("exp2", Method::AdvanceState),
            ],
        )?;
        ctx.build()
    }

    /// Runs the probe: step k at t = k·dt, the pulse at step round(pulse_ms / dt).
    pub fn run(&self) -> Result<ProbeTrace, String> {
        if !(self.dt > 0.0 && self.t_end > 0.0 && self.dt.is_finite() && self.t_end.is_finite()) {
            return Err(format!(
                "--dt {} and --t-end {} must be positive",
                self.dt, self.t_end
            ));
        }
        let mut m = self.model().map_err(|e| e.to_string())?;
        let n = (self.t_end / self.dt) as usize + 1;
        let pulse = (self.pulse_ms / self.dt).round() as usize;
        let names = ["exp", "alpha", "exp2"];
        let inputs: Vec<CompartmentRef> = names
            .iter()
            .map(|c| m.compartment(&format!("{c}:inputs")))
            .collect::<ngclearn::Result<_>>()
            .map_err(|e| e.to_string())?;
        let g: Vec<CompartmentRef> = names
            .iter()
            .map(|c| m.compartment(&format!("{c}:g_syn")))
            .collect::<ngclearn::Result<_>>()
            .map_err(|e| e.to_string())?;
        for c in names {
            m.set(&format!("{c}:v"), &ndarray::array![[-65.0f32]])
                .map_err(|e| e.to_string())?;
        }
        let adv = m.process_id("adv").map_err(|e| e.to_string())?;
        let mut trace = ProbeTrace {
            t: Vec::with_capacity(n),
            g: [vec![], vec![], vec![]],
        };
        for k in 0..n {
            let s = ndarray::array![[if k == pulse { 1.0f32 } else { 0.0 }]];
            for &r in &inputs {
                m.set_ref(r, &s).map_err(|e| e.to_string())?;
            }
            m.run(adv, k as f32 * self.dt, self.dt)
                .map_err(|e| e.to_string())?;
            trace.t.push(k as f64 * self.dt as f64);
            for (i, &r) in g.iter().enumerate() {
                let g = m.view(r).map_err(|e| e.to_string())?;
                trace.g[i].push(g.map_or(0.0, |a| a[[0, 0]]));
            }
        }
        Ok(trace)
    }
}

impl ProbeTrace {
    /// Writes `probe.csv` (t, raw and normalised g) and the figure into `out`.
    pub fn write(&self, out: &Path, p: &Probe) -> Result<Vec<PathBuf>, String> {
        let peak = |g: &[f32]| {
            g.iter()
                .copied()
                .fold(0.0f32, f32::max)
                .max(f32::MIN_POSITIVE)
        };
        let peaks = [peak(&self.g[0]), peak(&self.g[1]), peak(&self.g[2])];
        let csv = out.join("probe.csv");
        let tmp = out.join(format!(".probe.csv.tmp-{}", std::process::id()));
        let mut text =
            String::from("t_ms,g_exp,g_alpha,g_exp2,g_exp_norm,g_alpha_norm,g_exp2_norm\n");
        for (k, t) in self.t.iter().enumerate() {
            let g = [self.g[0][k], self.g[1][k], self.g[2][k]];
            text += &format!(
                "{t:.4},{},{},{},{},{},{}\n",
                g[0],
                g[1],
                g[2],
                g[0] / peaks[0],
                g[1] / peaks[1],
                g[2] / peaks[2]
            );
        }
        std::fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .and_then(|_| std::fs::rename(&tmp, &csv))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                format!("{}: {e}", csv.display())
            })?;
        let line = |i: usize, name: String| Line {
            name,
            points: self
                .t
                .iter()
                .zip(&self.g[i])
                .map(|(&t, &g)| (t, (g / peaks[i]) as f64))
                .collect(),
            color: PALETTE[i],
        };
        let fig = Figure {
            title: format!("one pre-synaptic pulse at {} ms", p.pulse_ms),
            x_label: "time (ms)".into(),
            y_label: "g_syn / max g_syn".into(),
            lines: vec![
                line(0, format!("exponential (tau_decay {} ms)", p.tau_exp)),
                line(1, format!("alpha (tau_decay {} ms)", p.tau_alpha)),
                line(
                    2,
                    format!(
                        "double exponential (tau_rise {}, tau_decay {} ms)",
                        p.tau_rise, p.tau_decay
                    ),
                ),
            ],
            marks: vec![],
            hline: None,
        };
        let mut files = vec![csv];
        files.extend(write(&fig, &out.join("probe"))?);
        Ok(files)
    }

    /// The time of each peak (ms).
    pub fn peak_times(&self) -> [f64; 3] {
        std::array::from_fn(|i| {
            let k =
                self.g[i].iter().enumerate().fold(
                    0,
                    |best, (k, &g)| if g > self.g[i][best] { k } else { best },
                );
            self.t[k]
        })
    }
}
