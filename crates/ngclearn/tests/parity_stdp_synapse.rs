//! STDPSynapse against ngclearn 3.1.1, bit for bit: given pre and post spikes and times
//! of last spike for 150 to 200 steps, its outputs, weights and dWeights after every
//! step (the raw update with and without depression, weight decay and a bound; the
//! Euler-style update of `tau_w > 0`).
//!
//! One place where XLA, not the expression, decides the bits: with a weight decay,
//! `W + dW * eta - W * w_decay` is compiled with the decay's product fused into the
//! subtraction for some elements and not for others, by the element's place in the
//! vectorised loop XLA generates for that shape. There each weight is checked to be one
//! of the two roundings, from ngclearn's own previous weights (which the next step then
//! starts from), not to within a tolerance.

mod common;

use common::{fixture, mat, steps};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::Value;

/// The case's synapse `W` in a model with processes `step` (advance_state, evolve) and
/// `rst` (reset), its weights set to `weights0`.
fn model(case: &Value) -> Model {
    let cls = Registry::builtin().get("STDPSynapse").unwrap();
    let mut kw = case["kwargs"].as_object().unwrap().clone();
    kw.insert("name".into(), "W".into());
    kw.insert("shape".into(), case["shape"].clone());
    let seed = case["key_seed"].as_u64().unwrap();
    kw.insert(
        "key".into(),
        serde_json::json!(Key::from_seed(seed).0.to_vec()),
    );
    let mut k = Kwargs::new("fixture", "W", cls.schema.signature, &[], &kw).unwrap();
    let c = cls.build(&mut k).unwrap();
    k.finish().unwrap();
    let mut ctx = Context::new("stdp");
    ctx.add_boxed(c).unwrap();
    ctx.process(
        "step",
        &[("W", Method::AdvanceState), ("W", Method::Evolve)],
    )
    .unwrap();
    ctx.process("rst", &[("W", Method::Reset)]).unwrap();
    let mut m = ctx.build().unwrap();
    m.set("W:weights", &mat(&case["weights0"])).unwrap();
    m
}

#[test]
fn stdp_synapses_learn_bit_for_bit_as_ngclearns() {
    let fx = fixture("stdp_synapse");
    let cases = fx["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 3);
    for (name, case) in cases {
        let mut m = model(case);
        let dt64 = case["dt"].as_f64().unwrap();
        let dt = dt64 as f32;
        m.run_named("rst", 0.0, dt).unwrap();
        let inputs: Vec<(String, Vec<ndarray::Array2<f32>>)> = case["inputs"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(c, v)| (c.clone(), steps(v)))
            .collect();
        let trace = case["trace"].as_object().unwrap();
        let n = case["steps"].as_u64().unwrap() as usize;
        let kw = &case["kwargs"];
        let decay = kw["w_decay"].as_f64().unwrap_or(0.0) as f32;
        let eta = kw["eta"].as_f64().unwrap_or(1.0) as f32;
        let hi = (kw["w_bound"].as_f64().unwrap_or(1.0) - 0.001) as f32;
        let (mut learned, mut fused) = (0, 0);
        for k in 0..n {
            for (c, vals) in &inputs {
                m.set(&format!("W:{c}"), &vals[k]).unwrap();
            }
            m.run_named("step", ((k + 1) as f64 * dt64) as f32, dt)
                .unwrap();
            for (out, vals) in trace {
                let want = mat(&vals[k]);
                let got = m.get(&format!("W:{out}")).unwrap();
                // Exact: the same float32 operations in the same order.
                let same = |g: f32, w: f32| g.to_bits() == w.to_bits();
                if out != "weights" || decay == 0.0 || k == 0 {
                    let all = got.iter().zip(&want).all(|(&g, &w)| same(g, w));
                    assert!(
                        all,
                        "{name}: {out} after step {k}\n got  {got}\n want {want}"
                    );
                    continue;
                }
                // The decayed update: each weight is ngclearn's, or the rounding XLA
                // makes where it fuses the decay's product (see the module doc).
                let prev = mat(&trace["weights"][k - 1]);
                let dw = mat(&trace["dWeights"][k]);
                for (((&g, &w), &p), &d) in got.iter().zip(&want).zip(&prev).zip(&dw) {
                    let with_fma = (-p).mul_add(decay, d.mul_add(eta, p)).clamp(0.001, hi);
                    let without = (d.mul_add(eta, p) - p * decay).clamp(0.001, hi);
                    if !same(g, w) {
                        // This class rounds unfused; ngclearn's weight took the fused rounding.
                        assert!(
                            same(g, without) && same(w, with_fma),
                            "{name}: weights after step {k}: {g} is not ngclearn's {w}, nor \
                             its two roundings ({without} unfused, {with_fma} fused)"
                        );
                        fused += 1;
                    }
                }
                // The next step starts from ngclearn's weights.
                m.set("W:weights", &want).unwrap();
            }
            learned += usize::from(mat(&trace["dWeights"][k]).iter().any(|&x| x != 0.0));
        }
        if decay != 0.0 {
            // The allowance is for the few elements XLA fuses, not for a wrong formula.
            let weights = n * mat(&case["weights0"]).len();
            assert!(
                fused * 100 <= weights,
                "{name}: {fused} of {weights} weights differ"
            );
            println!("{name}: {fused} of {weights} weights took XLA's fused rounding");
        }
        // The signals make the rule work: most steps change some weight.
        assert!(
            learned > n / 4,
            "{name}: only {learned} of {n} steps learned"
        );
    }
}

#[test]
fn an_stdp_synapse_learns_online_only() {
    let cls = Registry::builtin().get("STDPSynapse").unwrap();
    let kw = serde_json::json!({"name": "W", "shape": [2, 3], "A_plus": 0.1, "A_minus": 0.1, "batch_size": 2});
    let mut k = Kwargs::new("f", "W", cls.schema.signature, &[], kw.as_object().unwrap()).unwrap();
    let e = cls.build(&mut k).unwrap_err().to_string();
    assert!(e.contains("batch_size"), "{e}");
}
