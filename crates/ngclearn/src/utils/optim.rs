//! ngclearn's optimisers (`ngclearn.utils.optim`): SGD, Adam and Nesterov's
//! accelerated gradient, as decoupled update rules applied to a list of parameters
//! `theta` with updates `u` (float32, element by element, as ngclearn 3.1.1 computes):
//! ```text
//! every step: t = t + 1
//! sgd:  theta = theta - u * eta
//! adam: g1 = beta1 * g1 + (1 - beta1) * u          beta1 = 0.9, beta2 = 0.999, eps = 1e-8
//!       g2 = beta2 * g2 + (1 - beta2) * u^2
//!       theta = theta - eta * (g1 / (1 - beta1^t)) / (sqrt(g2 / (1 - beta2^t)) + eps)
//! nag:  phi' = theta - u * eta                      mu = 0.9
//!       theta = phi' + (phi' - phi) * (mu * [t > 1]);  phi = phi'
//! ```
//! XLA contracts a product feeding an addition into one fused multiply-add (the first
//! operand's product when both are products), and so does this: `theta - u * eta` is
//! `fma(-u, eta, theta)`, `beta1 * g1 + (1 - beta1) * u` is `fma(beta1, g1, (1 - beta1) * u)`
//! and NAG's step is `fma(phi' - phi, mu [t > 1], phi')`; Adam's divisions by
//! `1 - beta^t` are multiplications by `1 / (1 - beta^t)`, as XLA rewrites them.
//!
//! The state (`t`, and `g1`, `g2` or `phi` per parameter, zeros at first) is what
//! ngclearn pickles as `NAME_opt_params.pkl` (`crate::io::optim_state` reads and writes
//! that form).

use ndarray::Array2;

/// Which optimiser (ngclearn's `optim_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimType {
    /// Stochastic gradient descent.
    Sgd,
    /// Adaptive moment estimation.
    Adam,
    /// Nesterov's accelerated gradient.
    Nag,
}

impl OptimType {
    /// From ngclearn's name (`sgd`, `adam`, `nag`).
    pub fn parse(name: &str) -> Option<OptimType> {
        match name {
            "sgd" => Some(OptimType::Sgd),
            "adam" => Some(OptimType::Adam),
            "nag" => Some(OptimType::Nag),
            _ => None,
        }
    }
}

const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const EPS: f32 = 1e-8;
const MU: f32 = 0.9;

/// An optimiser and its state for a fixed list of parameter shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizer {
    kind: OptimType,
    eta: f32,
    /// The step count (a float32 in ngclearn).
    time_step: f32,
    /// Adam's first moments or NAG's `phi`, one per parameter (empty for SGD).
    m1: Vec<Array2<f32>>,
    /// Adam's second moments (empty otherwise).
    m2: Vec<Array2<f32>>,
}

impl Optimizer {
    /// A fresh state for parameters of the given shapes (ngclearn's `*_init`).
    pub fn new(kind: OptimType, eta: f32, shapes: &[(usize, usize)]) -> Optimizer {
        let zeros = || shapes.iter().map(|&s| Array2::zeros(s)).collect();
        Optimizer {
            kind,
            eta,
            time_step: 0.0,
            m1: if kind == OptimType::Sgd {
                Vec::new()
            } else {
                zeros()
            },
            m2: if kind == OptimType::Adam {
                zeros()
            } else {
                Vec::new()
            },
        }
    }

    /// The number of steps taken.
    pub fn time_step(&self) -> f32 {
        self.time_step
    }

    /// Sets the number of steps taken (SGD's whole state, which ngclearn saves as a
    /// scalar `opt_params` for some classes).
    pub fn set_time_step(&mut self, t: f32) {
        self.time_step = t;
    }

    /// One step over the first `theta.len()` parameters (ngclearn's `*_step`; a
    /// synapse without biases steps only its weights, whatever its state holds).
    pub fn step(&mut self, theta: &mut [&mut Array2<f32>], updates: &[&Array2<f32>]) {
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.step_inner(theta, updates),
        );
    }

    #[inline(always)]
    fn step_inner(&mut self, theta: &mut [&mut Array2<f32>], updates: &[&Array2<f32>]) {
        self.time_step += 1.0;
        let (eta, t) = (self.eta, self.time_step);
        // Over slices, so that the fused multiply-adds inline into the vector build
        // (the parameters and moments are built in standard layout).
        match self.kind {
            OptimType::Sgd => {
                for (p, u) in theta.iter_mut().zip(updates) {
                    let u = u.as_slice().expect("standard layout");
                    for (p, &u) in p.as_slice_mut().expect("standard layout").iter_mut().zip(u) {
                        *p = (-u).mul_add(eta, *p);
                    }
                }
            }
            OptimType::Adam => {
                // XLA divides by these scalars as multiplications by their reciprocals.
                let r1 = 1.0 / (1.0 - BETA1.powf(t));
                let r2 = 1.0 / (1.0 - BETA2.powf(t));
                let (a1, a2) = ((1.0f64 - 0.9f64) as f32, (1.0f64 - 0.999f64) as f32);
                for (((p, u), g1), g2) in theta
                    .iter_mut()
                    .zip(updates)
                    .zip(self.m1.iter_mut())
                    .zip(self.m2.iter_mut())
                {
                    let p = p.as_slice_mut().expect("standard layout");
                    let u = u.as_slice().expect("standard layout");
                    let g1 = g1.as_slice_mut().expect("standard layout");
                    let g2 = g2.as_slice_mut().expect("standard layout");
                    for (((p, &u), g1), g2) in p.iter_mut().zip(u).zip(g1).zip(g2) {
                        *g1 = BETA1.mul_add(*g1, a1 * u);
                        *g2 = BETA2.mul_add(*g2, a2 * (u * u));
                        let m = *g1 * r1;
                        let v = *g2 * r2;
                        *p -= (eta * m) / (v.sqrt() + EPS);
                    }
                }
            }
            OptimType::Nag => {
                let mu = if t > 1.0 { MU } else { 0.0 };
                for ((p, u), phi) in theta.iter_mut().zip(updates).zip(self.m1.iter_mut()) {
                    let p = p.as_slice_mut().expect("standard layout");
                    let u = u.as_slice().expect("standard layout");
                    let phi = phi.as_slice_mut().expect("standard layout");
                    for ((p, &u), phi) in p.iter_mut().zip(u).zip(phi) {
                        let new = (-u).mul_add(eta, *p);
                        *p = (new - *phi).mul_add(mu, new);
                        *phi = new;
                    }
                }
            }
        }
    }

    /// Which optimiser it is.
    pub fn kind(&self) -> OptimType {
        self.kind
    }

    /// Its moments: `g1` and `g2` (Adam), `phi` and none (NAG), none (SGD), one array
    /// per parameter.
    pub fn moments(&self) -> (&[Array2<f32>], &[Array2<f32>]) {
        (&self.m1, &self.m2)
    }

    /// Takes a saved state: the step count and the moments, as [`Optimizer::moments`]
    /// gives them (checked by the caller against the parameters' shapes). Moments that
    /// are not finite (the state of a run that diverged) are kept, with one warning
    /// naming `path`.
    pub fn restore(
        &mut self,
        time_step: f32,
        m1: Vec<Array2<f32>>,
        m2: Vec<Array2<f32>>,
        path: &str,
    ) {
        self.time_step = time_step;
        match self.kind {
            OptimType::Sgd => {}
            OptimType::Adam => (self.m1, self.m2) = (m1, m2),
            OptimType::Nag => self.m1 = m1,
        }
        self.warn_non_finite(path);
    }

    /// Says, once, that the moments loaded from `path` hold values that are not finite
    /// (a run that diverged), naming the first.
    fn warn_non_finite(&self, path: &str) {
        let moments = [("g1", &self.m1), ("g2", &self.m2)];
        let moments = match self.kind {
            OptimType::Adam => &moments[..],
            OptimType::Nag => &[("phi", &self.m1)][..],
            OptimType::Sgd => &[][..],
        };
        for (what, list) in moments {
            for (i, a) in list.iter().enumerate() {
                if let Some((at, x)) = a.indexed_iter().find(|(_, x)| !x.is_finite()) {
                    crate::warning::warn(format!(
                        "{path}: `{what}[{i}]` element [{}, {}] is {x}: the optimiser state \
                         is loaded as saved (the state of a run that diverged?)",
                        at.0, at.1
                    ));
                    return;
                }
            }
        }
    }
}
