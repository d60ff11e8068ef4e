//! `HodgkinHuxleyCell`: the Hodgkin-Huxley (1952) cell, a membrane potential `v` driven by
//! sodium and potassium channels whose gates `m`, `h` and `n` follow the voltage.
//!
//! Each step of `dt` ending at time `t`, as ngclearn 3.1.1's code computes it (float32),
//! the rates taken at the step's starting voltage:
//! ```text
//! alpha_n = 0.01 * ((10 - v) / (exp((10 - v) / 10) - 1))     beta_n = 0.125 * exp(-v / 80)
//! alpha_m = 0.1 * ((25 - v) / (exp((25 - v) / 10) - 1))      beta_m = 4 * exp(-v / 18)
//! alpha_h = 0.07 * exp(-v / 20)                               beta_h = 1 / (exp((30 - v) / 10) + 1)
//! dv(x) = (j * resist_m - g_Na m^3 h (x - v_Na) - g_K n^4 (x - v_K) - g_L (x - v_L)) * (1 / tau_v)
//! dg(x) = alpha_g * (1 - x) - beta_g * x                     for each gate g = n, m, h
//! Euler:        x' = x + dt * dx(x)
//! rk2/midpoint: x' = x + dt * dx(x + dt/2 * dx(x))
//! rk4:          k1..k4 at x, x + dt/2 k1, x + dt/2 k2, x + dt k3; x' = x + dt * (k1 + 2 k2 + 2 k3 + k4) / 6
//! s     = v' > thr
//! with spike_reset: v = v_reset, g = alpha_g / (alpha_g + beta_g) (the rates at v_reset) on a spike
//! tols  = s ? t : tols
//! ```
//! `v` is integrated with the old gates, and each gate with the old voltage's rates. The
//! arithmetic is XLA's, bit for bit: `exp` is XLA's, a division by a constant is a product
//! with its float32 reciprocal (the others are divisions), `m^3` is `m * (m * m)` and
//! `n^4` is `(n * n) * (n * n)` (JAX's `integer_pow`), and each product that feeds a sum is
//! one fused multiply-add (`j - g_Na m^3 h (x - v_Na)`, and the next two terms, each one
//! rounding; `alpha_g * (1 - x) - beta_g * x` with the first product fused; the Euler
//! steps; in RK-4 the last evaluation of `v`, used by the weighted sum alone, enters it
//! as `fma(s4, 1 / tau_v, k1 + 2 k2 + 2 k3)`, `s4` its unscaled sum of currents). Every
//! integrator name other than rk2/midpoint and rk4 steps by Euler.
//! `reset`: `j = 0` (unless wired), `v = 0`, each gate at its rest `alpha_g / (alpha_g +
//! beta_g)` at `v = 0`, `s = 0`, `tols = 0`; a new cell starts with every gate at 0, as
//! ngclearn's constructor leaves them.
//! Extension: `batch_size` (ngclearn fixes it at 1).

use super::{time_of_last_spike, SpikeList};
use crate::core::component::{filled, valid_name};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::xla_math::{exp_xla, Factor};
use crate::error::Result;
use crate::utils::diffeq::{Integration, Method};
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`HodgkinHuxleyCell`], with ngclearn's names and defaults, in its
/// constructor's order.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct HodgkinHuxleyCellParams {
    /// Membrane time constant
    #[param(check = positive, units = "ms")]
    pub tau_v: f32,
    /// Membrane resistance
    #[param(default = 1.0, check = finite)]
    pub resist_m: f32,
    /// Sodium reversal potential
    #[param(default = 115.0, check = finite, units = "mV", name = "v_Na")]
    pub v_na: f32,
    /// Potassium reversal potential
    #[param(default = -35.0, check = finite, units = "mV", name = "v_K")]
    pub v_k: f32,
    /// Leak reversal potential
    #[param(default = 10.6, check = finite, units = "mV", name = "v_L")]
    pub v_l: f32,
    /// Sodium conductance per unit area
    #[param(default = 100.0, check = finite, name = "g_Na")]
    pub g_na: f32,
    /// Potassium conductance per unit area
    #[param(default = 5.0, check = finite, name = "g_K")]
    pub g_k: f32,
    /// Leak conductance per unit area
    #[param(default = 0.3, check = finite, name = "g_L")]
    pub g_l: f32,
    /// Spike threshold
    #[param(default = 4.0, check = finite, units = "mV")]
    pub thr: f32,
    /// Whether a spike snaps v to v_reset and the gates to their rest there
    #[param(default = false)]
    pub spike_reset: bool,
    /// Voltage after a spike (with spike_reset)
    #[param(default = 0.0, check = finite, units = "mV")]
    pub v_reset: f32,
    /// euler, rk2/midpoint or rk4; heun and ralston step by Euler
    #[param(default = Integration::Euler, text = "euler")]
    pub integration_type: Integration,
    /// Rows of the batch dimension
    ///
    /// An extension: ngclearn's HodgkinHuxleyCell has none (it is 1).
    #[param(default = 1, check = count, omit_default, extension)]
    pub batch_size: usize,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The Hodgkin-Huxley cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.spiking.hodgkinHuxleyCell.HodgkinHuxleyCell",
    description = "Hodgkin-Huxley spiking cells (voltage and three channel gates)",
    dynamics = "tau_v * dv/dt = j * resist_m - g_Na m^3 h (v - v_Na) - g_K n^4 (v - v_K) - g_L (v - v_L)\n\
               dx/dt = alpha_x(v) (1 - x) - beta_x(v) x   for the gates x = n, m, h\n\
               s = v > thr; with spike_reset: v = v_reset, gates at rest there; tols = t",
    head = n_units,
    split = columns,
)]
pub struct HodgkinHuxleyCell {
    name: String,
    n_units: usize,
    p: HodgkinHuxleyCellParams,
    method: Method,
    /// Input current
    #[compartment(input)]
    j: Array2<f32>,
    /// Membrane potential
    #[compartment(state, units = "mV")]
    v: Array2<f32>,
    /// Potassium channel activation
    #[compartment(state)]
    n: Array2<f32>,
    /// Sodium channel activation
    #[compartment(state)]
    m: Array2<f32>,
    /// Sodium channel inactivation
    #[compartment(state)]
    h: Array2<f32>,
    /// Emitted spikes (v above thr)
    #[compartment(output, spikes)]
    s: Array2<f32>,
    /// Time of last spike
    #[compartment(output, units = "ms")]
    tols: Array2<f32>,
    /// JAX PRNG key (unused by the dynamics)
    #[compartment(key)]
    key: Key,
    spikes: SpikeList,
}

/// The gates' rates at voltage `v`: `(alpha_n, beta_n, alpha_m, beta_m, alpha_h,
/// beta_h)`, as XLA computes ngclearn's expressions.
#[inline(always)]
fn rates(v: f32) -> [f32; 6] {
    let tenth = 1.0f32 / 10.0;
    let (a, b) = (10.0 - v, 25.0 - v);
    [
        0.01 * (a / (exp_xla(a * tenth) - 1.0)),
        0.125 * exp_xla(-v * (1.0f32 / 80.0)),
        0.1 * (b / (exp_xla(b * tenth) - 1.0)),
        4.0 * exp_xla(-v * (1.0f32 / 18.0)),
        0.07 * exp_xla(-v * (1.0f32 / 20.0)),
        1.0 / (exp_xla((30.0 - v) * tenth) + 1.0),
    ]
}

/// `alpha * (1 - x) - beta * x`, the first product fused.
#[inline(always)]
fn gate(x: f32, alpha: f32, beta: f32) -> f32 {
    alpha.mul_add(1.0 - x, -(beta * x))
}

/// One step of `dt` of `x` by `method`, with `f` its derivative.
#[inline(always)]
fn integrate(method: Method, x: f32, dt: f32, f: impl Fn(f32) -> f32) -> f32 {
    let h = dt * 0.5;
    match method {
        Method::Midpoint => f(f(x).mul_add(h, x)).mul_add(dt, x),
        Method::Rk4 => {
            let k1 = f(x);
            let k2 = f(k1.mul_add(h, x));
            let k3 = f(k2.mul_add(h, x));
            let k4 = f(k3.mul_add(dt, x));
            // `0 + 1 * k1 + 2 * k2 + 2 * k3 + 1 * k4`, as XLA keeps it, then `/ 6`.
            let sum = k3.mul_add(2.0, k2.mul_add(2.0, k1)) + k4;
            (sum * (1.0f32 / 6.0)).mul_add(dt, x)
        }
        _ => f(x).mul_add(dt, x),
    }
}

/// One step of `dt` of the potential `x` by `method`, its derivative `f(x) * inv_tau`
/// (`f` the unscaled sum of currents). As [`integrate`], but in RK-4 the last
/// evaluation's product by `1 / tau_v` feeds the weighted sum alone, so XLA fuses it
/// there: `fma(s4, 1 / tau_v, k1 + 2 k2 + 2 k3)` (`k1..k3` rounded: each also feeds the
/// next evaluation's argument).
#[inline(always)]
fn integrate_scaled(method: Method, x: f32, dt: f32, inv_tau: f32, f: impl Fn(f32) -> f32) -> f32 {
    if method != Method::Rk4 {
        return integrate(method, x, dt, |x| f(x) * inv_tau);
    }
    let h = dt * 0.5;
    let k1 = f(x) * inv_tau;
    let k2 = f(k1.mul_add(h, x)) * inv_tau;
    let k3 = f(k2.mul_add(h, x)) * inv_tau;
    let s4 = f(k3.mul_add(dt, x));
    let sum = s4.mul_add(inv_tau, k3.mul_add(2.0, k2.mul_add(2.0, k1)));
    (sum * (1.0f32 / 6.0)).mul_add(dt, x)
}

impl HodgkinHuxleyCell {
    /// Builds `n_units` cells.
    pub fn new(name: &str, n_units: usize, p: HodgkinHuxleyCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        let n = count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        let method = match p.integration_type.method() {
            m @ (Method::Midpoint | Method::Rk4) => m,
            _ => Method::Euler,
        };
        let z = |v: f32| filled(&name, "n_units", (p.batch_size, n), v);
        Ok(HodgkinHuxleyCell {
            j: z(0.0)?,
            v: z(0.0)?,
            n: z(0.0)?,
            m: z(0.0)?,
            h: z(0.0)?,
            s: z(0.0)?,
            tols: z(0.0)?,
            key: p.key.unwrap_or_else(Key::from_time),
            spikes: SpikeList::new(&name, p.batch_size * n)?,
            method,
            n_units: n,
            name,
            p,
        })
    }

    #[inline(always)]
    fn kernel(&mut self, t: f32, dt: f32) {
        let p = &self.p;
        let method = self.method;
        let inv_tau = 1.0 / p.tau_v;
        // With spike_reset, the gates' rest at v_reset (`v * 0 + v_reset`, per cell).
        let contiguous = "owned arrays are contiguous";
        let j = self.j.as_slice().expect(contiguous);
        let v = self.v.as_slice_mut().expect(contiguous);
        let n = self.n.as_slice_mut().expect(contiguous);
        let m = self.m.as_slice_mut().expect(contiguous);
        let h = self.h.as_slice_mut().expect(contiguous);
        let s = self.s.as_slice_mut().expect(contiguous);
        let tols = self.tols.as_slice_mut().expect(contiguous);
        // `j * resist_m` (a product unless resist_m is 1 or -1) serves Euler's one
        // evaluation, so XLA fuses it into the first difference instead of the sodium term.
        let r = Factor::of(p.resist_m);
        let fuse_j = method == Method::Euler && matches!(r, Factor::By(_));
        for i in 0..v.len() {
            let (v0, n0, m0, h0) = (v[i], n[i], m[i], h[i]);
            let jr = r.times(j[i]);
            let [an, bn, am, bm, ah, bh] = rates(v0);
            let na = (p.g_na * (m0 * (m0 * m0))) * h0;
            let k = p.g_k * ((n0 * n0) * (n0 * n0));
            let dv = |x: f32| {
                let sum = if fuse_j {
                    j[i].mul_add(p.resist_m, -(na * (x - p.v_na)))
                } else {
                    (-na).mul_add(x - p.v_na, jr)
                };
                let sum = (-k).mul_add(x - p.v_k, sum);
                (-p.g_l).mul_add(x - p.v_l, sum)
            };
            let v1 = integrate_scaled(method, v0, dt, inv_tau, dv);
            let n1 = integrate(method, n0, dt, |x| gate(x, an, bn));
            let m1 = integrate(method, m0, dt, |x| gate(x, am, bm));
            let h1 = integrate(method, h0, dt, |x| gate(x, ah, bh));
            let spk = if v1 > p.thr { 1.0f32 } else { 0.0 };
            if p.spike_reset {
                let [an, bn, am, bm, ah, bh] = rates(v0.mul_add(0.0, p.v_reset));
                v[i] = v1.mul_add(1.0 - spk, spk * p.v_reset);
                n[i] = n1.mul_add(1.0 - spk, spk * (an / (an + bn)));
                m[i] = m1.mul_add(1.0 - spk, spk * (am / (am + bm)));
                h[i] = h1.mul_add(1.0 - spk, spk * (ah / (ah + bh)));
            } else {
                (v[i], n[i], m[i], h[i]) = (v1, n1, m1, h1);
            }
            s[i] = spk;
            tols[i] = time_of_last_spike(tols[i], spk, t);
        }
    }

    fn step(&mut self, t: f32, dt: f32) {
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.kernel(t, dt),
        );
    }

    fn rest(&mut self) {
        let [an, bn, am, bm, ah, bh] = rates(0.0);
        self.j.fill(0.0);
        self.v.fill(0.0);
        self.n.fill(an / (an + bn));
        self.m.fill(am / (am + bm));
        self.h.fill(ah / (ah + bh));
        self.s.fill(0.0);
        self.tols.fill(0.0);
    }

    fn written(&mut self, _index: usize) {}
}

super::spike_list_component!(HodgkinHuxleyCell);
