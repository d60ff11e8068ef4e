//! The alpha synapse against its closed form, and its algebraic properties.

use ndarray::Array2;
use ngclearn::prelude::*;
use proptest::prelude::*;

/// An alpha synapse with random (uniform) weights and `resist_scale = 0.5`.
fn alpha(
    tau: f32,
    gbar: f32,
    syn_rest: Option<f32>,
    shape: (usize, usize),
    batch: usize,
) -> AlphaSynapse {
    with_weights(tau, gbar, syn_rest, shape, batch, false)
}

/// As [`alpha`]; `unit_weights` keeps ngclearn's default `is_nonplastic` (weights = 1).
fn with_weights(
    tau: f32,
    gbar: f32,
    syn_rest: Option<f32>,
    shape: (usize, usize),
    batch: usize,
    unit_weights: bool,
) -> AlphaSynapse {
    let mut p = AlphaSynapseParams::new(tau, gbar, syn_rest);
    p.is_nonplastic = unit_weights;
    p.dense.batch_size = batch;
    p.dense.resist_scale = 0.5;
    p.dense.key = Some(Key::from_seed(9));
    AlphaSynapse::new("W", shape, p).unwrap()
}

/// One pulse of size `a` at step 0: `h_k = a·ḡ·q^k`, `g_k = a·ḡ·(k+1)·q^k`, `q = 1 - dt/τ`.
/// The float32 recurrence rounds about four times per step, so after `k` steps its
/// relative distance from the exact value is at most about `4·(k+1)·2^-24`.
#[test]
fn one_pulse_matches_the_discrete_alpha_function() {
    for &(dt, tau) in &[(0.1f32, 1.0f32), (0.25, 2.0), (0.5, 5.0), (0.05, 3.0)] {
        let (a, gbar, v, e) = (1.5f32, 2.4f32, -65.0f32, 0.0f32);
        let mut w = with_weights(tau, gbar, Some(e), (1, 1), 1, true);
        w.set_v(&Array2::from_elem((1, 1), v));
        let q = 1.0 - dt as f64 / tau as f64;
        for k in 0..200 {
            let x = if k == 0 { a } else { 0.0 };
            w.set_inputs(&Array2::from_elem((1, 1), x));
            w.advance_state(k as f32 * dt, dt);
            let h = a as f64 * gbar as f64 * q.powi(k);
            let g = h * (k + 1) as f64;
            let i = -(g * 0.5) * (v - e) as f64;
            let bound = 4.0 * (k + 1) as f64 * 2f64.powi(-24) + 1e-7;
            for (name, got, want) in [
                ("h", w.h_syn()[[0, 0]], h),
                ("g", w.g_syn()[[0, 0]], g),
                ("i", w.i_syn()[[0, 0]], i),
            ] {
                let rel = (got as f64 - want).abs() / want.abs();
                assert!(rel <= bound, "dt {dt} tau {tau} step {k}: {name} = {got}, closed form {want}, rel {rel:e} > {bound:e}");
            }
        }
    }
}

/// Runs `w` over `inputs` with `v`, returning the g_syn and i_syn traces.
fn run(
    w: &mut AlphaSynapse,
    inputs: &[Array2<f32>],
    v: &Array2<f32>,
) -> Vec<(Array2<f32>, Array2<f32>)> {
    w.reset();
    inputs
        .iter()
        .enumerate()
        .map(|(k, x)| {
            w.set_inputs(x);
            w.set_v(v);
            w.advance_state(k as f32 * 0.1, 0.1);
            (w.g_syn().clone(), w.i_syn().clone())
        })
        .collect()
}

fn inputs_strategy(
    n_pre: usize,
    batch: usize,
    steps: usize,
) -> impl Strategy<Value = Vec<Array2<f32>>> {
    prop::collection::vec(
        prop::collection::vec(
            prop_oneof![Just(0.0f32), Just(1.0f32), 0.1f32..2.0],
            n_pre * batch,
        ),
        steps,
    )
    .prop_map(move |v| {
        v.into_iter()
            .map(|x| Array2::from_shape_vec((batch, n_pre), x).unwrap())
            .collect()
    })
}

proptest! {
    // No regression files are written into the checkout: a failure prints its input.
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Scaling g_syn_bar by a power of two scales g and i exactly.
    #[test]
    fn linear_in_g_syn_bar(ins in inputs_strategy(4, 1, 30), tau in 0.5f32..10.0, p in -3i32..4) {
        let c = 2f32.powi(p);
        let v = Array2::from_elem((1, 3), -60.0f32);
        let base = run(&mut alpha(tau, 1.3, Some(-80.0), (4, 3), 1), &ins, &v);
        let scaled = run(&mut alpha(tau, 1.3 * c, Some(-80.0), (4, 3), 1), &ins, &v);
        for ((g0, i0), (g1, i1)) in base.iter().zip(&scaled) {
            prop_assert_eq!(g0.mapv(|x| x * c), g1.clone());
            prop_assert_eq!(i0.mapv(|x| x * c), i1.clone());
        }
    }

    /// Scaling the input by a power of two scales g exactly; the response to a sum of
    /// inputs is the sum of the responses (up to float rounding).
    #[test]
    fn linear_in_the_input(a in inputs_strategy(4, 1, 30), b in inputs_strategy(4, 1, 30), p in -3i32..4) {
        let c = 2f32.powi(p);
        let v = Array2::from_elem((1, 3), -60.0f32);
        let mk = || alpha(3.0, 1.3, Some(0.0), (4, 3), 1);
        let ga = run(&mut mk(), &a, &v);
        let gscaled = run(&mut mk(), &a.iter().map(|x| x * c).collect::<Vec<_>>(), &v);
        for ((g0, _), (g1, _)) in ga.iter().zip(&gscaled) {
            prop_assert_eq!(g0.mapv(|x| x * c), g1.clone());
        }
        let gb = run(&mut mk(), &b, &v);
        let gab = run(&mut mk(), &a.iter().zip(&b).map(|(x, y)| x + y).collect::<Vec<_>>(), &v);
        for (((ga, _), (gb, _)), (gab, _)) in ga.iter().zip(&gb).zip(&gab) {
            for ((&x, &y), &z) in ga.iter().zip(gb).zip(gab) {
                prop_assert!(((x + y) - z).abs() <= 1e-5 * z.abs().max(1e-3), "{} + {} vs {}", x, y, z);
            }
        }
    }

    /// Zero input keeps a zero state; v at the reversal potential gives zero current.
    #[test]
    fn zero_input_and_reversal_potential(ins in inputs_strategy(4, 1, 20), e in -90.0f32..10.0) {
        let zeros = vec![Array2::zeros((1, 4)); 20];
        for (g, i) in run(&mut alpha(2.0, 2.4, Some(e), (4, 3), 1), &zeros, &Array2::from_elem((1, 3), -65.0)) {
            prop_assert!(g.iter().all(|&x| x == 0.0) && i.iter().all(|&x| x == 0.0));
        }
        for (_, i) in run(&mut alpha(2.0, 2.4, Some(e), (4, 3), 1), &ins, &Array2::from_elem((1, 3), e)) {
            prop_assert!(i.iter().all(|&x| x == 0.0));
        }
    }

    /// Each batch row evolves as if it ran alone.
    #[test]
    fn batch_rows_are_independent(ins in inputs_strategy(4, 3, 25)) {
        let v = Array2::from_shape_vec((3, 3), vec![-70.0, -60.0, -50.0, -65.0, -55.0, -45.0, -80.0, -75.0, -40.0]).unwrap();
        let batched = run(&mut alpha(2.0, 2.4, Some(0.0), (4, 3), 3), &ins, &v);
        for row in 0..3 {
            let single: Vec<_> = ins.iter().map(|x| x.slice(ndarray::s![row..row + 1, ..]).to_owned()).collect();
            let alone = run(&mut alpha(2.0, 2.4, Some(0.0), (4, 3), 1), &single, &v.slice(ndarray::s![row..row + 1, ..]).to_owned());
            for ((g, i), (g1, i1)) in batched.iter().zip(&alone) {
                prop_assert_eq!(g.slice(ndarray::s![row..row + 1, ..]).to_owned(), g1.clone());
                prop_assert_eq!(i.slice(ndarray::s![row..row + 1, ..]).to_owned(), i1.clone());
            }
        }
    }
}

#[test]
fn voltage_independent_current_ignores_v() {
    let mut w = with_weights(2.0, 1.0, None, (1, 2), 1, true);
    w.set_inputs(&Array2::ones((1, 1)));
    w.set_v(&ndarray::array![[-65.0, 20.0]]);
    w.advance_state(0.1, 0.1);
    let g = w.g_syn()[[0, 0]];
    assert_eq!(w.i_syn(), &Array2::from_elem((1, 2), -g * 0.5));
}

#[test]
fn nonplastic_weights_are_ones_even_with_p_conn() {
    let mut p = AlphaSynapseParams::new(2.0, 1.0, Some(0.0));
    p.dense.p_conn = 0.3;
    p.dense.key = Some(Key::from_seed(1));
    let w = AlphaSynapse::new("W", (20, 5), p.clone()).unwrap();
    assert!(w.weights().iter().all(|&x| x == 1.0));
    p.is_nonplastic = false;
    let w = AlphaSynapse::new("W", (20, 5), p).unwrap();
    assert!(
        w.weights().iter().any(|&x| x == 0.0),
        "p_conn masks plastic weights"
    );
}

#[test]
fn reset_returns_states_to_zero() {
    let mut w = alpha(2.0, 1.0, Some(0.0), (2, 2), 1);
    w.set_inputs(&Array2::ones((1, 2)));
    w.set_v(&Array2::from_elem((1, 2), -65.0));
    w.advance_state(0.1, 0.1);
    assert!(w.g_syn().sum() > 0.0);
    w.reset();
    for i in 0..9 {
        if let Some(a) = w.array(i) {
            let name = AlphaSynapse::schema().compartments[i].name;
            if !["weights", "biases", "mask"].contains(&name) {
                assert!(a.iter().all(|&x| x == 0.0), "{name} after reset");
            }
        }
    }
}

#[test]
fn schema_lists_exactly_the_real_compartments() {
    let w = alpha(2.0, 1.0, Some(0.0), (2, 3), 1);
    let names: Vec<&str> = AlphaSynapse::schema()
        .compartments
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        names,
        ["inputs", "weights", "biases", "mask", "outputs", "v", "g_syn", "i_syn", "h_syn", "key"]
    );
    for (i, c) in AlphaSynapse::schema().compartments.iter().enumerate() {
        assert_eq!(
            w.array(i).is_some(),
            c.kind == ngclearn::core::schema::Kind::Array,
            "{}",
            c.name
        );
    }
    assert!(w.array(names.len()).is_none());
    let help = AlphaSynapse::schema().help_text();
    for needle in [
        "g_syn_bar",
        "tau_decay",
        "syn_rest",
        "resist_scale",
        "g_conduct_factor",
        "h_syn' = h_syn + dt",
    ] {
        assert!(help.contains(needle), "help lacks {needle}:\n{help}");
    }
    let json: serde_json::Value = serde_json::from_str(&AlphaSynapse::schema().to_json()).unwrap();
    assert_eq!(json["class"], "AlphaSynapse");
    assert_eq!(json["compartments"].as_array().unwrap().len(), 10);
}

/// ngclearn 3.1.1's `is_nonplastic` (the default) makes every weight 1, so a
/// `weight_init` or `p_conn` the caller gave has no effect: kept, and said.
#[test]
fn weights_overridden_by_is_nonplastic_are_said() {
    let build = |init: Option<Initializer>, p_conn: f32, nonplastic: bool| {
        let mut p = AlphaSynapseParams::new(2.0, 1.0, Some(0.0));
        (p.dense.weight_init, p.dense.p_conn, p.is_nonplastic) = (init, p_conn, nonplastic);
        p.dense.key = Some(Key::from_seed(1));
        ngclearn::warning::capture(|| AlphaSynapse::new("W", (4, 3), p).unwrap())
    };
    let (w, said) = build(Some(DistributionGenerator::uniform(0.1, 0.2)), 1.0, true);
    assert!(w.weights().iter().all(|&x| x == 1.0));
    assert!(
        said.len() == 1 && said[0].starts_with("AlphaSynapse: weight_init has no effect"),
        "{said:?}"
    );
    let (_, said) = build(None, 0.5, true);
    assert!(
        said.len() == 1 && said[0].contains("p_conn has no effect"),
        "{said:?}"
    );
    // Nothing to say: ones asked for, or weights kept.
    assert!(build(Some(DistributionGenerator::constant(1.0)), 1.0, true)
        .1
        .is_empty());
    assert!(build(None, 1.0, true).1.is_empty());
    let (w, said) = build(Some(DistributionGenerator::uniform(0.1, 0.2)), 0.5, false);
    assert!(said.is_empty() && w.weights().iter().any(|&x| x != 1.0));
}
