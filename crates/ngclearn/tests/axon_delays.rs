//! ngclearn 3.2's per-axon delays (`max_delay_steps`) on DenseSynapse and StaticSynapse,
//! against ngclearn 3.2.3's own numbers (`tests/fixtures/ngclearn-3.2.3/axon_delays.json`,
//! written by `scripts/make_axon_delay_fixtures.py`), bit for bit: the delay indices,
//! and each step's delayed inputs and outputs. Then `jax.random.randint`, which draws
//! the indices; a model saved mid-run; and what is refused.

mod common;

use common::{mat, scratch};
use ngclearn::components::synapses::StaticSynapse;
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::Value;

fn fixture() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ngclearn-3.2.3/axon_delays.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Synapse `W` of class `class` with keyword arguments `kw` (its key from `seed`), in a
/// model with processes `step` (advance_state) and `rst` (reset).
fn model(
    class: &str,
    shape: &Value,
    seed: u64,
    kw: &serde_json::Map<String, Value>,
) -> Result<Model> {
    let cls = Registry::builtin().get(class).unwrap();
    let mut kw = kw.clone();
    kw.insert("name".into(), "W".into());
    kw.insert("shape".into(), shape.clone());
    kw.insert(
        "key".into(),
        serde_json::json!(Key::from_seed(seed).0.to_vec()),
    );
    let mut k = Kwargs::new("fixture", "W", cls.schema.signature, &[], &kw)?;
    let c = cls.build(&mut k)?;
    k.finish()?;
    let mut ctx = Context::new("delays");
    ctx.add_boxed(c)?;
    ctx.process("step", &[("W", Method::AdvanceState)])?;
    ctx.process("rst", &[("W", Method::Reset)])?;
    ctx.build()
}

/// The synapse's delay indices and last delayed inputs, whichever of the two classes it is.
fn delays(m: &Model) -> (Vec<u32>, ndarray::Array2<f32>) {
    if let Some(w) = m.component_as::<DenseSynapse>("W") {
        (
            w.delay_indices().unwrap().to_vec(),
            w.delayed_inputs().unwrap().clone(),
        )
    } else {
        let w = m.component_as::<StaticSynapse>("W").unwrap();
        (
            w.delay_indices().unwrap().to_vec(),
            w.delayed_inputs().unwrap().clone(),
        )
    }
}

#[test]
fn axon_delays_deliver_bit_for_bit_as_ngclearn_3_2() {
    let fx = fixture();
    let cases = fx["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 4);
    for (name, case) in cases {
        let class = case["class"].as_str().unwrap();
        let mut kw = case["kwargs"].as_object().unwrap().clone();
        kw.insert("batch_size".into(), case["batch_size"].clone());
        let mut m = model(
            class,
            &case["shape"],
            case["key_seed"].as_u64().unwrap(),
            &kw,
        )
        .unwrap();
        let want_idx: Vec<u32> = case["syn_delay_indices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(delays(&m).0, want_idx, "{name}: syn_delay_indices");
        m.run_named("rst", 0.0, 0.1).unwrap();
        let reset_at = case["reset_at"].as_u64().map(|k| k as usize);
        let inputs = case["inputs"].as_array().unwrap();
        let trace = &case["trace"];
        let mut delivered = 0.0;
        for (k, x) in inputs.iter().enumerate() {
            if Some(k) == reset_at {
                m.run_named("rst", 0.0, 0.1).unwrap();
            }
            m.set("W:inputs", &mat(x)).unwrap();
            m.run_named("step", k as f32 * 0.1, 0.1).unwrap();
            let got = delays(&m).1;
            let want = mat(&trace["delayed_inputs"][k]);
            assert_eq!(got, want, "{name}: delayed_inputs at step {k}");
            delivered += got.sum();
            let got = m.get("W:outputs").unwrap();
            let want = mat(&trace["outputs"][k]);
            let same = got
                .iter()
                .zip(want.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{name}: outputs at step {k}: {got} against {want}");
        }
        assert!(delivered > 0.0, "{name}: inputs arrive");
    }
}

#[test]
fn randint_draws_as_jax() {
    for d in fixture()["randint"].as_array().unwrap() {
        let want: Vec<i32> = d["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap() as i32)
            .collect();
        let (lo, hi) = (
            d["minval"].as_i64().unwrap() as i32,
            d["maxval"].as_i64().unwrap() as i32,
        );
        let mut got = vec![0; want.len()];
        Key::from_seed(d["seed"].as_u64().unwrap()).randint_into(&mut got, lo, hi);
        assert_eq!(got, want, "randint({lo}, {hi})");
    }
    // A draw taken in pieces (as a wide synapse's indices are) is the whole draw.
    let key = Key::from_seed(5);
    let mut whole = vec![0; 700];
    key.randint_into(&mut whole, -7, 300);
    let mut tail = vec![0; 300];
    key.randint_at(400, &mut tail, -7, 300);
    assert_eq!(tail, whole[400..]);
}

/// A model of a DenseSynapse with axonal delays fed by given inputs, saved mid-run and
/// loaded, continues as the original does: the buffer's inputs come back with it.
#[test]
fn a_synapse_with_axon_delays_saved_mid_run_continues_as_it_would_have() {
    use ngclearn::io::{load_model_dir, save_model_dir};
    let dir = scratch("axon-delays-saved");
    let kw = serde_json::json!({"max_delay_steps": 6, "p_conn": 0.5});
    let mut m = model(
        "DenseSynapse",
        &serde_json::json!([30, 8]),
        4,
        kw.as_object().unwrap(),
    )
    .unwrap();
    let mut rng = 12345u64;
    let mut spikes = || {
        ndarray::Array2::from_shape_fn((1, 30), |_| {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng >> 33).is_multiple_of(4) as u8 as f32
        })
    };
    let inputs: Vec<_> = (0..40).map(|_| spikes()).collect();
    let step = |m: &mut Model, x: &ndarray::Array2<f32>| {
        m.set("W:inputs", x).unwrap();
        m.run_named("step", 0.0, 0.1).unwrap();
        m.get("W:outputs").unwrap()
    };
    for x in &inputs[..20] {
        step(&mut m, x);
    }
    save_model_dir(&m, &dir.join("saved"), false).unwrap();
    let mut back = load_model_dir(&dir.join("saved")).unwrap();
    let held = |m: &Model| {
        m.components()
            .find(|c| c.name() == "W")
            .unwrap()
            .in_flight()
    };
    let f = held(&m).expect("the delay buffer is held in flight");
    assert_eq!(f.steps.len(), 6);
    assert!(f.steps.iter().any(|s| !s.is_empty()));
    assert_eq!(held(&back), Some(f));
    assert_eq!(
        back.get("W:weights").unwrap(),
        m.get("W:weights").unwrap(),
        "weights"
    );
    assert_eq!(
        back.get("W:mask").unwrap(),
        m.get("W:mask").unwrap(),
        "mask"
    );
    assert_eq!(
        back.get("W:biases").unwrap(),
        m.get("W:biases").unwrap(),
        "biases"
    );
    let mut moved = 0.0;
    for (k, x) in inputs[20..].iter().enumerate() {
        let want = step(&mut m, x);
        moved += want.sum();
        assert_eq!(step(&mut back, x), want, "step {k} after loading");
    }
    assert!(moved > 0.0);
}

#[test]
fn max_delay_steps_is_refused_where_ngclearn_3_2_delays_nothing() {
    let refused = |class: &str, kw: Value, says: &str| {
        let err = model(
            class,
            &serde_json::json!([10, 4]),
            1,
            kw.as_object().unwrap(),
        )
        .err()
        .unwrap_or_else(|| panic!("{class} {kw} was built"));
        let text = err.to_string();
        assert!(
            text.contains("W") && text.contains(says),
            "{class} {kw}: {text}"
        );
    };
    for class in ["ExponentialSynapse", "AlphaSynapse", "DoubleExpSynapse"] {
        let mut kw = serde_json::json!({"max_delay_steps": 3, "tau_decay": 5.0, "g_syn_bar": 1.0, "syn_rest": 0.0});
        if class == "DoubleExpSynapse" {
            kw["tau_rise"] = 1.0.into();
        }
        refused(class, kw, "max_delay_steps");
    }
    refused(
        "DenseSynapse",
        serde_json::json!({"max_delay_steps": 3, "connect": {"rule": "all_to_all"}}),
        "connect",
    );
    // A buffer beyond what can be had is a typed error, not an abort.
    refused(
        "StaticSynapse",
        serde_json::json!({"max_delay_steps": 1u64 << 30, "batch_size": 1 << 20}),
        "max_delay_steps",
    );
    refused(
        "DenseSynapse",
        serde_json::json!({"max_delay_steps": 1u64 << 40}),
        "max_delay_steps",
    );
    refused(
        "HebbianSynapse",
        serde_json::json!({"max_delay_steps": 3}),
        "max_delay_steps",
    );
}
