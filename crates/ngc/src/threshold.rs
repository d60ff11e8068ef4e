//! A spiking cell's voltage threshold as the figures draw it: one fixed value, or a
//! threshold that moves (adapts with the spikes, or differs from cell to cell), where
//! a line at one value would say something false.

use ngclearn::core::component::Component;

/// Where a cell's membrane potential `v` makes it spike.
#[derive(Debug, Clone, PartialEq)]
pub enum Threshold {
    /// Every cell spikes when `v` passes this value, for the whole run.
    Fixed(f64),
    /// The threshold moves: `base` is the parameter `thr`, `why` says what moves it
    /// (`tau_theta = 500, theta_plus = 1`), `record` what to record to see it.
    Adapts {
        base: f64,
        why: String,
        record: String,
    },
}

impl Threshold {
    /// The one value to draw, if there is one.
    pub fn fixed(&self) -> Option<f64> {
        match self {
            Threshold::Fixed(t) => Some(*t),
            Threshold::Adapts { .. } => None,
        }
    }
}

/// `x` as a short number (500, 0.05, -55).
fn short(x: f64) -> String {
    (x as f32).to_string()
}

/// The threshold of component `c` on its compartment `v`, for the classes whose spikes
/// are `v` passing a threshold; `None` for any other class.
pub fn of(c: &dyn Component) -> Option<Threshold> {
    let kw = c.kwargs();
    let num = |k: &str| kw.get(k).and_then(|v| v.as_f64());
    let class = c.schema().class;
    let name = c.name();
    // The values of one of its compartments (none if it is not one).
    let values = |field: &str| {
        c.schema()
            .compartments
            .iter()
            .position(|i| i.name == field)
            .and_then(|i| c.array(i))
    };
    match class {
        "LIFCell" | "QuadLIFCell" => {
            let thr = num("thr")?;
            let (tau, plus) = (
                num("tau_theta").unwrap_or(0.0),
                num("theta_plus").unwrap_or(0.0),
            );
            let record = format!("record {name}:thr_theta: it spikes above thr + thr_theta");
            if tau > 0.0 && plus != 0.0 {
                Some(Threshold::Adapts {
                    base: thr,
                    why: format!("tau_theta = {}, theta_plus = {}", short(tau), short(plus)),
                    record,
                })
            } else if values("thr_theta").is_some_and(|a| a.iter().any(|&x| x != 0.0)) {
                Some(Threshold::Adapts {
                    base: thr,
                    why: "thr_theta is not zero".into(),
                    record,
                })
            } else {
                Some(Threshold::Fixed(thr))
            }
        }
        "SLIFCell" => {
            let thr = num("thr")?;
            let moving: Vec<String> = ["thr_gain", "thr_leak", "rho_b", "thr_jitter"]
                .iter()
                .filter_map(|k| {
                    num(k)
                        .filter(|&x| x != 0.0)
                        .map(|x| format!("{k} = {}", short(x)))
                })
                .collect();
            let differs =
                values("thr").is_some_and(|a| a.iter().any(|&x| x as f64 != thr as f32 as f64));
            if moving.is_empty() && !differs {
                Some(Threshold::Fixed(thr))
            } else {
                Some(Threshold::Adapts {
                    base: thr,
                    why: if moving.is_empty() {
                        "its cells' thresholds differ".into()
                    } else {
                        moving.join(", ")
                    },
                    record: format!("record {name}:thr: each cell's threshold"),
                })
            }
        }
        "IFCell" | "AdExCell" => num("thr").map(Threshold::Fixed),
        _ => None,
    }
}
