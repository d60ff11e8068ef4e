//! NaN is kept as XLA keeps it. `jnp.clip`, `jnp.maximum` and `jnp.max` give NaN for a
//! NaN operand, so a diverged value stays visible instead of being turned into a bound
//! (a weight of -1.0, 0.01 or 0.0, a voltage of `v_min`, a threshold of 0.025). Each
//! case builds one component of a class from ngclearn's keyword arguments, writes one
//! NaN into a compartment, runs the methods that bound it and checks the NaN is there.

use ndarray::Array2;
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::{json, Value};

/// One component `c` of `class` built from `kwargs` (key from seed 7), with a process
/// `step` calling `methods`.
fn one(class: &str, kwargs: Value, methods: &[&str]) -> Model {
    let cls = Registry::builtin().get(class).unwrap();
    let mut map = kwargs.as_object().unwrap().clone();
    map.insert("name".into(), json!("c"));
    map.insert("key".into(), json!(Key::from_seed(7).0.to_vec()));
    let mut kw = Kwargs::new("test", "c", cls.schema.signature, &[], &map).unwrap();
    let c = cls.build(&mut kw).unwrap();
    kw.finish().unwrap();
    let mut ctx = Context::new("nan");
    ctx.add_boxed(c).unwrap();
    let calls: Vec<(&str, Method)> = methods
        .iter()
        .map(|m| ("c", ctx.method("c", m).unwrap()))
        .collect();
    ctx.process("step", &calls).unwrap();
    ctx.build().unwrap()
}

/// [`one`], with element [0, 0] of compartment `comp` set to NaN (the rest as built),
/// after `step` has run once.
fn run_with_nan(class: &str, kwargs: Value, comp: &str, methods: &[&str]) -> Model {
    let mut m = one(class, kwargs, methods);
    let path = format!("c:{comp}");
    let mut x = m.get(&path).unwrap();
    x[[0, 0]] = f32::NAN;
    m.set(&path, &x).unwrap();
    m.run_named("step", 0.1, 0.1).unwrap();
    m
}

fn assert_nan_at(m: &Model, comp: &str) {
    let x: Array2<f32> = m.get(&format!("c:{comp}")).unwrap();
    assert!(
        x[[0, 0]].is_nan(),
        "{comp}[0, 0] = {} (NaN expected)",
        x[[0, 0]]
    );
}

#[test]
fn hebbian_synapse_keeps_a_nan_weight_through_its_bound() {
    // w_bound 1 with signed weights: the clip's lower bound would give -1.0.
    let m = run_with_nan(
        "HebbianSynapse",
        json!({"shape": [3, 2], "eta": 0.1, "w_bound": 1.0}),
        "weights",
        &["evolve"],
    );
    assert_nan_at(&m, "weights");
}

#[test]
fn event_stdp_synapse_keeps_a_nan_weight_through_its_bound() {
    // Its clip to [0.01, w_bound] would give 0.01.
    let m = run_with_nan(
        "EventSTDPSynapse",
        json!({"shape": [3, 2], "eta": 0.1, "lmbda": 0.01, "A_plus": 1.0, "A_minus": 1.0}),
        "weights",
        &["evolve"],
    );
    assert_nan_at(&m, "weights");
}

#[test]
fn mstdpet_synapse_keeps_a_nan_weight_through_its_bound() {
    // Its clip to [0, w_bound] would give 0.0.
    let m = run_with_nan(
        "MSTDPETSynapse",
        json!({"shape": [3, 2], "A_plus": 0.01, "A_minus": 0.01, "w_bound": 1.0}),
        "weights",
        &["evolve"],
    );
    assert_nan_at(&m, "weights");
}

#[test]
fn trace_stdp_synapse_keeps_a_nan_weight_through_its_bound() {
    let m = run_with_nan(
        "TraceSTDPSynapse",
        json!({"shape": [3, 2], "A_plus": 0.01, "A_minus": 0.01, "w_bound": 1.0}),
        "weights",
        &["evolve"],
    );
    assert_nan_at(&m, "weights");
}

#[test]
fn lif_cell_keeps_a_nan_voltage_through_v_min() {
    let m = run_with_nan(
        "LIFCell",
        json!({"n_units": 2, "tau_m": 10.0, "v_min": -80.0}),
        "v",
        &["advance_state"],
    );
    assert_nan_at(&m, "v");
}

#[test]
fn quad_lif_cell_keeps_a_nan_voltage_through_v_min() {
    let m = run_with_nan(
        "QuadLIFCell",
        json!({"n_units": 2, "tau_m": 10.0, "v_min": -80.0}),
        "v",
        &["advance_state"],
    );
    assert_nan_at(&m, "v");
}

#[test]
fn if_cell_keeps_a_nan_voltage_through_its_lower_clamp() {
    let m = run_with_nan(
        "IFCell",
        json!({"n_units": 2, "tau_m": 10.0, "lower_clamp_voltage": true}),
        "v",
        &["advance_state"],
    );
    assert_nan_at(&m, "v");
}

#[test]
fn slif_cell_keeps_a_nan_threshold_through_its_floor() {
    // The threshold's floor of 0.025 would replace it.
    let m = run_with_nan(
        "SLIFCell",
        json!({"n_units": 3, "tau_m": 10.0, "resist_m": 1.0, "thr": 0.4, "rho_b": 0.1}),
        "thr",
        &["advance_state"],
    );
    assert_nan_at(&m, "thr");
}

#[test]
fn wtas_cell_keeps_a_nan_threshold_through_its_floor() {
    let m = run_with_nan(
        "WTASCell",
        json!({"n_units": 3, "tau_m": 1.0, "thr_gain": 0.1}),
        "thr",
        &["advance_state"],
    );
    assert_nan_at(&m, "thr");
}

#[test]
fn wtas_cell_softmax_of_a_row_with_a_nan_is_nan_and_fires_nothing() {
    // jnp.max of the row is NaN, so every probability is NaN and no cell passes its
    // threshold; a maximum that skipped the NaN would make the others fire.
    let mut m = one(
        "WTASCell",
        json!({"n_units": 3, "tau_m": 1.0, "thr_base": 0.1}),
        &["advance_state"],
    );
    m.set("c:j", &ndarray::array![[f32::NAN, 5.0, 0.0]])
        .unwrap();
    m.run_named("step", 0.1, 0.1).unwrap();
    assert_eq!(m.get("c:s").unwrap(), ndarray::array![[0.0f32, 0.0, 0.0]]);
    // Control: without the NaN the strongest cell fires.
    m.set("c:j", &ndarray::array![[0.0f32, 5.0, 0.0]]).unwrap();
    m.set("c:rfr", &ndarray::array![[1.0f32, 1.0, 1.0]])
        .unwrap();
    m.run_named("step", 0.2, 0.1).unwrap();
    assert_eq!(m.get("c:s").unwrap()[[0, 1]], 1.0);
}

#[test]
fn rate_cell_relu_keeps_nan() {
    let m = run_with_nan(
        "RateCell",
        json!({"n_units": 2, "tau_m": 10.0, "act_fx": "relu"}),
        "z",
        &["advance_state"],
    );
    assert_nan_at(&m, "zF");
}

/// `tols' = (1 - s) * tols + s * t` as the reference computes it, for a step whose
/// spikes are `s` (0 or 1).
fn times_by_formula(tols: &Array2<f32>, s: &Array2<f32>, t: f32) -> Array2<f32> {
    let mut out = tols.clone();
    out.zip_mut_with(s, |x, &s| *x = (1.0 - s) * *x + s * t);
    out
}

#[test]
fn lif_cell_times_of_last_spike_follow_the_formula_for_nan_infinite_and_signed_zero_values() {
    // The step writes `tols` at the spikes alone while every value is plain; a written
    // NaN, infinity or -0.0, or or a time of 0 or below, must still give the formula's bits
    // (NaN spreads through `0 * x`, and `-0.0 + 0 * t` is +0.0).
    let mut m = one(
        "LIFCell",
        json!({"n_units": 6, "tau_m": 1.0, "thr": 0.5, "v_rest": 0.0, "v_reset": 0.0,
               "refract_time": 0.0}),
        &["advance_state"],
    );
    // Cells 0, 2 and 4 fire at every step (a large current), the others never.
    let j = Array2::from_shape_vec((1, 6), vec![100.0, 0.0, 100.0, 0.0, 100.0, 0.0]).unwrap();
    let written = Array2::from_shape_vec(
        (1, 6),
        vec![-0.0, -0.0, f32::NAN, f32::INFINITY, 2.0, f32::NEG_INFINITY],
    )
    .unwrap();
    m.set("c:tols", &written).unwrap();
    for t in [0.5, 0.0, 1.5, -1.0, 2.5, 3.5] {
        let before: Array2<f32> = m.get("c:tols").unwrap();
        m.set("c:j", &j).unwrap();
        m.run_named("step", t, 0.1).unwrap();
        let s: Array2<f32> = m.get("c:s").unwrap();
        assert_eq!(s.iter().filter(|&&x| x == 1.0).count(), 3, "t = {t}");
        let want = times_by_formula(&before, &s, t);
        let got: Array2<f32> = m.get("c:tols").unwrap();
        let bits = |a: &Array2<f32>| a.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want), "t = {t}: {got} against {want}");
    }
}
