//! `RewardErrorCell`: a reward-prediction error, the modulator of reward-modulated
//! plasticity, with an online predictor of the reward.
//!
//! As ngclearn 3.1.1's code computes it (float32; `alpha`, `1 - alpha`,
//! `1 / ema_window_len` and `1 - 1 / ema_window_len` are formed in double precision,
//! as Python forms them, then rounded once; XLA fuses each `a * b + c`):
//! ```text
//! advance_state: accum_reward = accum_reward + reward
//!                rpe          = reward - mu
//!                mu           = fma(mu, 1 - alpha, reward * alpha)        [use_online_predictor]
//!                n_ep_steps   = n_ep_steps + 1
//! evolve:        r  = accum_reward * (1 / n_ep_steps)   (n_units > 1; XLA's rewrite)
//!                r  = accum_reward / n_ep_steps         (n_units = 1)
//!                mu = fma(mu, 1 - 1/ema_window_len, r * (1/ema_window_len))  [use_online_predictor]
//! ```
//! `reset` zeroes `mu`, `rpe`, `accum_reward` and `n_ep_steps`, and keeps `reward`
//! (ngclearn's does). As in ngclearn's code, `use_online_predictor = false` leaves `mu`
//! at 0 in `evolve` too (its docs say `evolve` would still predict), and an `evolve`
//! right after `reset` divides 0 by 0.

use super::rest;
use crate::core::component::{valid_name, Component};
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::core::schema::MethodInfo;
use crate::error::{Error, Result};
use crate::{Class, Compartments, Params};
use ndarray::Array2;

/// Parameters of a [`RewardErrorCell`], with ngclearn's names and defaults.
#[derive(Debug, Clone, PartialEq, Params)]
pub struct RewardErrorCellParams {
    /// Rate of the online reward predictor's moving average
    pub alpha: f64,
    /// Length of the episode window of evolve's moving average
    #[param(default = 10.0)]
    pub ema_window_len: f64,
    /// Whether mu predicts the reward (false: mu stays 0)
    #[param(default = true)]
    pub use_online_predictor: bool,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key (unused by the dynamics)
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
}

/// The reward error cell (see the module documentation).
#[derive(Debug, Clone, Compartments, Class)]
#[compartments(shape = "(batch_size, n_units)")]
#[class(
    module = "ngclearn.components.neurons.graded.rewardErrorCell.RewardErrorCell",
    description = "Reward-prediction error with an online (moving-average) reward predictor",
    dynamics = "advance_state: accum_reward += reward; rpe = reward - mu; mu = mu * (1 - alpha) + reward * alpha; n_ep_steps += 1\n\
               evolve: mu = mu * (1 - 1/ema_window_len) + (accum_reward / n_ep_steps) / ema_window_len\n\
               (mu changes only with use_online_predictor)",
    head = n_units,
    keywords(advance_state = [dt]),
    methods = METHODS,
)]
pub struct RewardErrorCell {
    name: String,
    n_units: usize,
    p: RewardErrorCellParams,
    /// `(alpha, 1 - alpha, 1 / ema_window_len, 1 - 1 / ema_window_len)` in float32.
    c: [f32; 4],
    /// Reward prediction (the moving average)
    #[compartment(output)]
    mu: Array2<f32>,
    /// Reward given this step
    #[compartment(input)]
    reward: Array2<f32>,
    /// Reward-prediction error (reward - mu)
    #[compartment(output)]
    rpe: Array2<f32>,
    /// Reward summed over the episode
    #[compartment(state)]
    accum_reward: Array2<f32>,
    /// Steps of the episode so far
    #[compartment(state, shape = "(batch_size, 1)")]
    n_ep_steps: Array2<f32>,
    /// JAX PRNG key (unused by the dynamics)
    #[compartment(key)]
    key: Key,
}

static METHODS: [MethodInfo; 3] = [
    crate::core::schema::ADVANCE_AND_RESET[0],
    MethodInfo {
        name: "evolve",
        reads_inputs: true,
        keywords: &["dt"],
        description: "Moves mu toward the episode's mean reward",
    },
    crate::core::schema::ADVANCE_AND_RESET[1],
];

impl RewardErrorCell {
    /// Builds `n_units` reward-error units.
    pub fn new(name: &str, n_units: usize, p: RewardErrorCellParams) -> Result<Self> {
        let name = valid_name(name)?;
        count(&name, "n_units", n_units)?;
        p.validate(&name)?;
        for (field, v) in [("alpha", p.alpha), ("ema_window_len", p.ema_window_len)] {
            if !(v as f32).is_finite() {
                return Err(Error::param(&name, field, v, "it must be finite"));
            }
        }
        let c = [
            p.alpha as f32,
            (1.0 - p.alpha) as f32,
            (1.0 / p.ema_window_len) as f32,
            (1.0 - 1.0 / p.ema_window_len) as f32,
        ];
        if !c.iter().all(|x| x.is_finite()) {
            return Err(Error::param(
                &name,
                "ema_window_len",
                p.ema_window_len,
                "1 / ema_window_len must be finite",
            ));
        }
        let s = (p.batch_size, n_units);
        Ok(RewardErrorCell {
            mu: rest(&name, s, 0.0)?,
            reward: rest(&name, s, 0.0)?,
            rpe: rest(&name, s, 0.0)?,
            accum_reward: rest(&name, s, 0.0)?,
            n_ep_steps: rest(&name, (p.batch_size, 1), 0.0)?,
            key: p.key.unwrap_or_else(Key::from_time),
            c,
            n_units,
            name,
            p,
        })
    }

}

impl Component for RewardErrorCell {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        let [a, one_minus_a, ..] = self.c;
        let online = self.p.use_online_predictor;
        for (((acc, &r), rpe), mu) in self
            .accum_reward
            .iter_mut()
            .zip(&self.reward)
            .zip(self.rpe.iter_mut())
            .zip(self.mu.iter_mut())
        {
            *acc += r;
            *rpe = r - *mu;
            if online {
                *mu = mu.mul_add(one_minus_a, r * a);
            }
        }
        self.n_ep_steps.mapv_inplace(|n| n + 1.0);
    }
    fn evolve(&mut self, _t: f32, _dt: f32) {
        if !self.p.use_online_predictor {
            return;
        }
        let [_, _, inv_len, keep] = self.c;
        let n = self.n_units;
        for (b, (mu_row, acc_row)) in self
            .mu
            .rows_mut()
            .into_iter()
            .zip(self.accum_reward.rows())
            .enumerate()
        {
            let steps = self.n_ep_steps[[b, 0]];
            let inv = 1.0 / steps;
            for (mu, &acc) in mu_row.into_iter().zip(acc_row) {
                let r = if n > 1 { acc * inv } else { acc / steps };
                *mu = mu.mul_add(keep, r * inv_len);
            }
        }
    }
    fn reset(&mut self) {
        self.mu.fill(0.0);
        self.rpe.fill(0.0);
        self.accum_reward.fill(0.0);
        self.n_ep_steps.fill(0.0);
    }
    fn changed(&mut self, _index: usize) {
        // Nothing is derived from the compartments.
    }
}
