//! The fast random mode of the encoders: same spike statistics as the JAX-compatible
//! mode (geometric skipping), cost following the spikes.

use ndarray::Array2;
use ngclearn::core::rng::RandomMode;
use ngclearn::prelude::*;

fn poisson(n: usize, freq: f32, seed: u64, mode: RandomMode) -> Model {
    let mut ctx = Context::new("p");
    ctx.add(PoissonCell::new("p", n, freq, 1, Some(Key::from_seed(seed))).unwrap())
        .unwrap();
    ctx.process("adv", &[("p", Method::AdvanceState)]).unwrap();
    ctx.process("rst", &[("p", Method::Reset)]).unwrap();
    let mut m = ctx.build().unwrap();
    assert_eq!(m.set_random_mode(mode), 1);
    m.set("p:inputs", &Array2::ones((1, n))).unwrap();
    m
}

/// Spike counts per step over `steps` steps of 0.1 ms.
fn counts(m: &mut Model, steps: usize) -> Vec<f32> {
    let (adv, out) = (
        m.process_id("adv").unwrap(),
        m.compartment("p:outputs").unwrap(),
    );
    (1..=steps)
        .map(|k| {
            m.run(adv, k as f32 * 0.1, 0.1).unwrap();
            m.view(out).unwrap().unwrap().sum()
        })
        .collect()
}

#[test]
fn fast_mode_fires_at_the_target_rate() {
    for (freq, seed) in [(50.0f32, 1u64), (10.0, 2), (200.0, 3)] {
        let mut m = poisson(1000, freq, seed, RandomMode::Fast);
        let total: f32 = counts(&mut m, 20_000).iter().sum();
        let expected = 1000.0 * freq * 2.0; // 1000 cells, 2 s
                                            // Binomial: sd = sqrt(n p (1 - p)) < sqrt(expected); allow 5 sd.
        let sd = expected.sqrt();
        assert!(
            (total - expected).abs() < 5.0 * sd,
            "{freq} Hz: {total} spikes, expected {expected} ± {sd}"
        );
    }
}

/// Interspike intervals of a constant-rate cell are geometric: mean 1/p, CV sqrt(1 - p).
#[test]
fn intervals_are_geometric() {
    let mut m = poisson(200, 100.0, 9, RandomMode::Fast); // p = 0.01 per step
    let (adv, out) = (
        m.process_id("adv").unwrap(),
        m.compartment("p:outputs").unwrap(),
    );
    let mut last = vec![None::<usize>; 200];
    let mut isis = Vec::new();
    for k in 0..50_000 {
        m.run(adv, (k + 1) as f32 * 0.1, 0.1).unwrap();
        for (c, &x) in m.view(out).unwrap().unwrap().iter().enumerate() {
            if x > 0.0 {
                if let Some(l) = last[c] {
                    isis.push((k - l) as f64);
                }
                last[c] = Some(k);
            }
        }
    }
    let n = isis.len() as f64;
    let mean = isis.iter().sum::<f64>() / n;
    let var = isis.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    assert!(n > 90_000.0, "{n} intervals");
    assert!(
        (mean - 100.0).abs() < 1.5,
        "mean interval {mean} steps, expected 100"
    );
    let cv = var.sqrt() / mean;
    assert!(
        (cv - 0.99f64.sqrt()).abs() < 0.02,
        "CV {cv}, expected {}",
        0.99f64.sqrt()
    );
}

#[test]
fn changed_inputs_take_effect_at_once_and_reset_clears() {
    let mut m = poisson(100, 500.0, 4, RandomMode::Fast);
    assert!(counts(&mut m, 200).iter().sum::<f32>() > 500.0);
    m.set("p:inputs", &Array2::zeros((1, 100))).unwrap();
    let after = counts(&mut m, 500);
    assert_eq!(
        after[1..].iter().sum::<f32>(),
        0.0,
        "no spikes once the input is zero"
    );
    m.set("p:inputs", &Array2::ones((1, 100))).unwrap();
    assert!(
        counts(&mut m, 200).iter().sum::<f32>() > 500.0,
        "firing resumes"
    );
    m.run_named("rst", 0.0, 0.1).unwrap();
    assert_eq!(m.get("p:outputs").unwrap().sum(), 0.0);
    assert_eq!(m.get("p:tols").unwrap().sum(), 0.0);
}

#[test]
fn tols_and_outputs_follow_the_spikes() {
    let mut m = poisson(50, 300.0, 5, RandomMode::Fast);
    let (adv, out, tols) = (
        m.process_id("adv").unwrap(),
        m.compartment("p:outputs").unwrap(),
        m.compartment("p:tols").unwrap(),
    );
    for k in 1..=300 {
        let t = k as f32 * 0.1;
        m.run(adv, t, 0.1).unwrap();
        let (o, tl) = (
            m.view(out).unwrap().unwrap().to_owned(),
            m.view(tols).unwrap().unwrap().to_owned(),
        );
        for (x, y) in o.iter().zip(tl.iter()) {
            assert!(*x == 0.0 || *x == 1.0);
            if *x == 1.0 {
                assert_eq!(*y, t);
            }
        }
    }
}

#[test]
fn jax_mode_is_the_default_and_can_be_restored() {
    let mut jax = poisson(20, 80.0, 1234, RandomMode::Jax);
    let mut fast = poisson(20, 80.0, 1234, RandomMode::Fast);
    fast.set_random_mode(RandomMode::Jax);
    assert_eq!(counts(&mut jax, 200), counts(&mut fast, 200));
}

#[test]
fn bernoulli_cells_have_a_fast_mode_too() {
    let mut ctx = Context::new("b");
    ctx.add(BernoulliCell::new("b", 500, 1, Some(Key::from_seed(6))).unwrap())
        .unwrap();
    ctx.process("adv", &[("b", Method::AdvanceState)]).unwrap();
    let mut m = ctx.build().unwrap();
    m.set_random_mode(RandomMode::Fast);
    m.set("b:inputs", &Array2::from_elem((1, 500), 0.02f32))
        .unwrap();
    let out = m.compartment("b:outputs").unwrap();
    let mut total = 0.0;
    for k in 0..2000 {
        m.run_named("adv", k as f32, 1.0).unwrap();
        total += m.view(out).unwrap().unwrap().sum();
    }
    let expected = 500.0 * 2000.0 * 0.02;
    assert!(
        (total - expected).abs() < 5.0 * expected.sqrt(),
        "{total} vs {expected}"
    );
}

/// At 2 Hz (p = 2e-4 per step) most intervals are longer than the schedule's wheel
/// of 4096 steps, so spikes wait in its far list and move onto the wheel later: the
/// intervals must still be 1 + Geometric(p) steps. Each cell's first three intervals
/// (from step 0) are taken, running until every cell has them, so that long intervals
/// are not cut off by the end of the run.
#[test]
fn long_intervals_keep_their_distribution() {
    let n = 2000;
    let mut m = poisson(n, 2.0, 21, RandomMode::Fast);
    let p = 2.0f64 * 0.1 / 1000.0;
    let (adv, out) = (
        m.process_id("adv").unwrap(),
        m.compartment("p:outputs").unwrap(),
    );
    // The step of each cell's last spike (-1: step 0 is the start) and its intervals.
    let mut last = vec![-1i64; n];
    let mut seen = vec![0usize; n];
    let mut isis = Vec::new();
    let mut k = 0i64;
    while seen.iter().any(|&c| c < 3) {
        assert!(k < 1_000_000, "cells still waiting after {k} steps");
        m.run(adv, (k + 1) as f32 * 0.1, 0.1).unwrap();
        for &c in m.nonzero(out).unwrap().unwrap() {
            let c = c as usize;
            if seen[c] < 3 {
                isis.push((k - last[c]) as f64);
                seen[c] += 1;
            }
            last[c] = k;
        }
        k += 1;
    }
    // 6000 intervals: the mean's sd is 1.3% of it, the fraction's 0.0064.
    let mean = isis.iter().sum::<f64>() / isis.len() as f64;
    assert!(
        (mean * p - 1.0).abs() < 0.07,
        "mean interval {mean}, expected {}",
        1.0 / p
    );
    let long = isis.iter().filter(|&&d| d > 4096.0).count() as f64 / isis.len() as f64;
    let want = (1.0 - p).powi(4096);
    assert!(
        (long - want).abs() < 0.035,
        "{long} of intervals > 4096 steps, expected {want}"
    );
}

/// Inputs set directly on the component (not through a model) reach the fast mode too.
#[test]
fn set_inputs_on_the_component_reschedules() {
    use ngclearn::core::component::Component;
    let mut p = PoissonCell::new("p", 1, 1000.0, 1, Some(Key::from_seed(1))).unwrap();
    p.set_random_mode(RandomMode::Fast);
    // dt = 1 ms at 1000 Hz: p = 1 per step while the input is 1.
    p.set_inputs(&Array2::ones((1, 1)));
    for k in 1..=5 {
        p.advance_state(k as f32, 1.0);
        assert_eq!(p.outputs()[[0, 0]], 1.0, "step {k}: fires every step");
    }
    p.set_inputs(&Array2::zeros((1, 1)));
    for k in 6..=20 {
        p.advance_state(k as f32, 1.0);
        assert_eq!(p.outputs()[[0, 0]], 0.0, "step {k}: never fires at rate 0");
    }
    p.set_inputs(&Array2::ones((1, 1)));
    p.advance_state(21.0, 1.0);
    assert_eq!(p.outputs()[[0, 0]], 1.0, "fires again at once");
}
