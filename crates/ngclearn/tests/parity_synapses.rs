//! The dynamic synapses against ngclearn 3.1.1's trajectories.

mod common;

use common::{f, fixture, mat, steps, Report};
use ngclearn::prelude::*;
use serde_json::Value;

fn build(fx: &Value) -> Box<dyn Component> {
    let kw = &fx["kwargs"];
    let shape = fx["shape"].as_array().unwrap();
    let shape = (
        shape[0].as_u64().unwrap() as usize,
        shape[1].as_u64().unwrap() as usize,
    );
    let syn_rest = kw["syn_rest"].as_f64().map(|x| x as f32);
    let mut dense = DenseParams {
        resist_scale: f(&kw["resist_scale"]),
        weight_init: Some(DistributionGenerator::constant(1.0)),
        key: Some(Key::from_seed(5)),
        ..Default::default()
    };
    dense.batch_size = 1;
    let nonplastic = fx["is_nonplastic"].as_bool().unwrap_or(true);
    match fx["component"].as_str().unwrap() {
        "AlphaSynapse" => {
            let mut p = AlphaSynapseParams::new(f(&kw["tau_decay"]), f(&kw["g_syn_bar"]), syn_rest);
            p.dense = dense;
            p.is_nonplastic = nonplastic;
            Box::new(AlphaSynapse::new("W", shape, p).unwrap())
        }
        "ExponentialSynapse" => {
            let mut p =
                ExponentialSynapseParams::new(f(&kw["tau_decay"]), f(&kw["g_syn_bar"]), syn_rest);
            p.dense = dense;
            Box::new(ExponentialSynapse::new("W", shape, p).unwrap())
        }
        "DoubleExpSynapse" => {
            let mut p = DoubleExpSynapseParams::new(
                kw["tau_decay"].as_f64().unwrap(),
                kw["tau_rise"].as_f64().unwrap(),
                f(&kw["g_syn_bar"]),
                syn_rest,
            );
            p.dense = dense;
            Box::new(DoubleExpSynapse::new("W", shape, p).unwrap())
        }
        other => panic!("unexpected component {other}"),
    }
}

fn run(name: &str) {
    let fx = fixture(name);
    let mut ctx = Context::new(name);
    ctx.add_boxed(build(&fx)).unwrap();
    ctx.process("adv", &[("W", Method::AdvanceState)]).unwrap();
    ctx.process("rst", &[("W", Method::Reset)]).unwrap();
    let mut m = ctx.build().unwrap();
    let weights = mat(&fx["weights"]);
    if fx["weights_note"]
        .as_str()
        .unwrap()
        .starts_with("weights set")
    {
        m.set("W:weights", &weights).unwrap();
    } else {
        // is_nonplastic: the weights must already be the fixture's (all ones).
        assert_eq!(m.get("W:weights").unwrap(), weights);
    }
    m.run_named("rst", 0.0, 1.0).unwrap();
    let dt = f(&fx["dt"]);
    let ins = steps(&fx["inputs"]);
    let vs = steps(&fx["v"]);
    let trace = fx["trace"].as_object().unwrap();
    let adv = m.process_id("adv").unwrap();
    let mut rep = Report::default();
    for k in 0..ins.len() {
        m.set("W:inputs", &ins[k]).unwrap();
        m.set("W:v", &vs[k]).unwrap();
        m.run(adv, k as f32 * dt, dt).unwrap();
        for (field, tr) in trace {
            let want = mat(&tr[k]);
            rep.exact(field, k, &m.get(&format!("W:{field}")).unwrap(), &want);
        }
    }
    rep.print(name);
}

#[test]
fn alpha_excitatory() {
    run("alpha_excitatory");
}

#[test]
fn alpha_inhibitory_nonplastic() {
    run("alpha_inhibitory_nonplastic");
}

#[test]
fn alpha_voltage_independent_graded() {
    run("alpha_voltage_independent_graded");
}

#[test]
fn exp_excitatory() {
    run("exp_excitatory");
}

#[test]
fn exp2_inhibitory() {
    run("exp2_inhibitory");
}

/// The tutorial's probe: one pulse through the three kernels, v clamped.
#[test]
fn probe_tutorial() {
    let fx = fixture("probe_tutorial");
    let p = &fx["params"];
    let dt = f(&p["dt"]);
    let n = p["steps"].as_u64().unwrap() as usize;
    let pulse = p["pulse_step"].as_u64().unwrap() as usize;
    let v = f(&p["v"]);
    let dense = || DenseParams {
        weight_init: Some(DistributionGenerator::constant(1.0)),
        key: Some(Key::from_seed(0)),
        ..Default::default()
    };
    let mut ctx = Context::new("probe");
    let mut pe = ExponentialSynapseParams::new(f(&p["exp"]["tau_decay"]), 1.0, Some(0.0));
    pe.dense = dense();
    let mut pa = AlphaSynapseParams::new(f(&p["alpha"]["tau_decay"]), 1.0, Some(0.0));
    pa.dense = dense();
    let mut p2 = DoubleExpSynapseParams::new(
        p["exp2"]["tau_decay"].as_f64().unwrap(),
        p["exp2"]["tau_rise"].as_f64().unwrap(),
        1.0,
        Some(0.0),
    );
    p2.dense = dense();
    ctx.add(ExponentialSynapse::new("We", (1, 1), pe).unwrap())
        .unwrap();
    ctx.add(AlphaSynapse::new("Wa", (1, 1), pa).unwrap())
        .unwrap();
    ctx.add(DoubleExpSynapse::new("W2", (1, 1), p2).unwrap())
        .unwrap();
    ctx.process(
        "adv",
        &[
            ("We", Method::AdvanceState),
            ("Wa", Method::AdvanceState),
            ("W2", Method::AdvanceState),
        ],
    )
    .unwrap();
    let mut m = ctx.build().unwrap();
    let tr = &fx["trace"];
    let mut rep = Report::default();
    let series = [
        ("g_exp", "We:g_syn"),
        ("i_exp", "We:i_syn"),
        ("g_alpha", "Wa:g_syn"),
        ("h_alpha", "Wa:h_syn"),
        ("i_alpha", "Wa:i_syn"),
        ("g_exp2", "W2:g_syn"),
        ("h_exp2", "W2:h_syn"),
        ("i_exp2", "W2:i_syn"),
    ];
    for k in 0..n {
        let s = ndarray::Array2::from_elem((1, 1), if k == pulse { 1.0f32 } else { 0.0 });
        for w in ["We", "Wa", "W2"] {
            m.set(&format!("{w}:inputs"), &s).unwrap();
            m.set(&format!("{w}:v"), &ndarray::Array2::from_elem((1, 1), v))
                .unwrap();
        }
        m.run_named("adv", k as f32 * dt, dt).unwrap();
        for (key, path) in series {
            let want = ndarray::Array2::from_elem((1, 1), f(&tr[key][k]));
            rep.exact(key, k, &m.get(path).unwrap(), &want);
        }
    }
    rep.print("probe_tutorial");
}
