//! MPSSynapse against ngclearn 3.1.1 (`mps_synapses.json`, 4 cases by
//! scripts/make_mps_fixtures.py): the drawn cores, and each step the outputs and both
//! cores after `advance_state` and `evolve` with the step's `eta` (a method keyword, given
//! through `Model::set_keyword`, or its default 0.01), bit for bit; batches of 1 to 3,
//! bond dimensions 1 to 5.

mod common;

use common::{fixture, mat, Report};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

fn model(name: &str, kwargs: &Map<String, Value>) -> Model {
    let cls = Registry::builtin().get("MPSSynapse").unwrap();
    let mut map = kwargs.clone();
    map.insert("name".into(), json!("W"));
    let mut kw = Kwargs::new("test", "W", cls.schema.signature, &[], &map).unwrap();
    let c = cls.build(&mut kw).unwrap();
    kw.finish().unwrap();
    let mut ctx = Context::new(name);
    ctx.add_boxed(c).unwrap();
    ctx.process("adv", &[("W", Method::AdvanceState)]).unwrap();
    ctx.process("evo", &[("W", Method::Evolve)]).unwrap();
    ctx.build().unwrap()
}

/// A 3-D core as its stored rows: `(1, n, k)` -> `(1, n k)`; `(k, n, 1)` -> `(k, n)`.
fn core(v: &Value) -> ndarray::Array2<f32> {
    let outer = v.as_array().unwrap();
    let rows: Vec<Vec<f32>> = outer
        .iter()
        .map(|m| {
            m.as_array()
                .unwrap()
                .iter()
                .flat_map(|r| r.as_array().unwrap().iter().map(common::f))
                .collect()
        })
        .collect();
    let cols = rows[0].len();
    ndarray::Array2::from_shape_vec((rows.len(), cols), rows.concat()).unwrap()
}

#[test]
fn mps_synapses_compute_and_learn_as_ngclearns_bit_for_bit() {
    let fx = fixture("mps_synapses");
    let cases = fx["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 4);
    for (name, case) in cases {
        let mut kwargs = case["kwargs"].as_object().unwrap().clone();
        kwargs.insert("key".into(), case["key_seed"].clone());
        let mut m = model(name, &kwargs);
        let mut r = Report::default();
        r.exact(
            &format!("{name} core1"),
            0,
            &m.get("W:core1").unwrap(),
            &core(&case["core1"]),
        );
        r.exact(
            &format!("{name} core2"),
            0,
            &m.get("W:core2").unwrap(),
            &core(&case["core2"]),
        );
        let evo = m.process_id("evo").unwrap();
        for (t, eta) in case["etas"].as_array().unwrap().iter().enumerate() {
            for k in ["inputs", "pre", "post"] {
                m.set(&format!("W:{k}"), &mat(&case["given"][k][t]))
                    .unwrap();
            }
            m.run_named("adv", t as f32, 1.0).unwrap();
            if let Some(eta) = eta.as_f64() {
                assert_eq!(m.set_keyword(evo, "eta", eta as f32).unwrap(), 1);
            }
            m.run(evo, t as f32, 1.0).unwrap();
            let trace = &case["trace"];
            r.exact(
                &format!("{name} outputs"),
                t,
                &m.get("W:outputs").unwrap(),
                &mat(&trace["outputs"][t]),
            );
            r.exact(
                &format!("{name} core1"),
                t,
                &m.get("W:core1").unwrap(),
                &core(&trace["core1"][t]),
            );
            r.exact(
                &format!("{name} core2"),
                t,
                &m.get("W:core2").unwrap(),
                &core(&trace["core2"][t]),
            );
        }
        r.print("mps_synapses");
    }
}

#[test]
fn a_keyword_no_method_of_the_process_takes_is_refused() {
    let kwargs = json!({"shape": [3, 2], "bond_dim": 2});
    let mut m = model("mps_kw", kwargs.as_object().unwrap());
    let adv = m.process_id("adv").unwrap();
    let e = m.set_keyword(adv, "eta", 0.5).unwrap_err().to_string();
    assert!(e.contains("eta") && e.contains("adv"), "{e}");
}
