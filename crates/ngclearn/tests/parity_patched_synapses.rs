//! The patched synapses against ngclearn 3.1.1 (`patched_synapses.json`, made by
//! scripts/make_patched_fixtures.py): PatchedSynapse, StaticPatchedSynapse and
//! HebbianPatchedSynapse built from ngclearn's keyword arguments and key draw ngclearn's
//! weights (each initialiser, overlapping patches, shapes the patch count does not
//! divide, p_conn), and then each step's outputs, pre_out and, for the Hebbian class,
//! weights, biases and updates under its bound, priors, sign, pre/post weights, block
//! mask and optimisers equal ngclearn's bit for bit.

mod common;

use common::{fixture, mat, steps, Report};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::{json, Value};

/// ngclearn's biases without an initialiser are the scalar 0, a `(1, 1)` here.
fn as_matrix(v: &Value) -> ndarray::Array2<f32> {
    match v {
        Value::Number(_) => ndarray::Array2::from_elem((1, 1), common::f(v)),
        Value::Array(rows) if rows.first().is_some_and(Value::is_number) => {
            mat(&json!([v.clone()]))
        }
        _ => mat(v),
    }
}

/// `want`, broadcast as ngclearn's scalar is to `got`'s shape.
fn exact(
    r: &mut Report,
    what: &str,
    t: usize,
    got: &ndarray::Array2<f32>,
    want: ndarray::Array2<f32>,
) {
    let want = if want.dim() == (1, 1) && got.dim() != (1, 1) {
        ndarray::Array2::from_elem(got.dim(), want[[0, 0]])
    } else {
        want
    };
    r.exact(what, t, got, &want);
}

fn model(name: &str, case: &Value) -> Model {
    let class = case["class"].as_str().unwrap();
    let cls = Registry::builtin().get(class).unwrap();
    let mut map = case["kwargs"].as_object().unwrap().clone();
    map.insert("name".into(), json!("W"));
    let seed = case["key_seed"].as_u64().unwrap();
    map.insert("key".into(), json!(seed));
    let mut kw = Kwargs::new("test", "W", cls.schema.signature, &[], &map).unwrap();
    let c = cls.build(&mut kw).unwrap_or_else(|e| panic!("{name}: {e}"));
    kw.finish().unwrap();
    let mut ctx = Context::new(name);
    ctx.add_boxed(c).unwrap();
    let mut adv = vec![("W", ctx.method("W", "advance_state").unwrap())];
    if class == "HebbianPatchedSynapse" {
        adv.push(("W", ctx.method("W", "evolve").unwrap()));
    }
    ctx.process("adv", &adv).unwrap();
    ctx.process("rst", &[("W", Method::Reset)]).unwrap();
    ctx.build().unwrap()
}

#[test]
fn patched_synapses_draw_and_compute_ngclearns_numbers_bit_for_bit() {
    let fx = fixture("patched_synapses");
    let cases = fx["cases"].as_object().unwrap();
    assert!(cases.len() >= 12);
    for (name, case) in cases {
        let mut m = model(name, case);
        let mut r = Report::default();
        r.exact(
            "weights0",
            0,
            &m.get("W:weights").unwrap(),
            &mat(&case["weights0"]),
        );
        r.exact(
            "weights_T0",
            0,
            &m.get("W:weights_T").unwrap(),
            &mat(&case["weights_T0"]),
        );
        exact(
            &mut r,
            "biases0",
            0,
            &m.get("W:biases").unwrap(),
            as_matrix(&case["biases0"]),
        );
        if !case["set_weights"].is_null() {
            m.set("W:weights", &mat(&case["set_weights"])).unwrap();
        }
        m.run_named("rst", 0.0, 1.0).unwrap();
        let given = case["given"].as_object().unwrap();
        let n = case["steps"].as_u64().unwrap() as usize;
        let given: Vec<(String, Vec<ndarray::Array2<f32>>)> = given
            .iter()
            .map(|(k, v)| (format!("W:{k}"), steps(v)))
            .collect();
        for t in 0..n {
            for (path, xs) in &given {
                m.set(path, &xs[t])
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            m.run_named("adv", t as f32, 1.0).unwrap();
            for (comp, vals) in case["trace"].as_object().unwrap() {
                let got = m.get(&format!("W:{comp}")).unwrap();
                exact(
                    &mut r,
                    &format!("{name} {comp}"),
                    t,
                    &got,
                    as_matrix(&vals[t]),
                );
            }
        }
        r.print("patched_synapses");
    }
}

#[test]
fn a_stride_that_overflows_the_weights_shape_is_refused_by_name() {
    let cls = Registry::builtin().get("PatchedSynapse").unwrap();
    let map = json!({"name": "W", "shape": [10, 5], "n_sub_models": 2, "stride_shape": [u64::MAX / 2, 0]});
    let mut kw = Kwargs::new(
        "test",
        "W",
        cls.schema.signature,
        &[],
        map.as_object().unwrap(),
    )
    .unwrap();
    let e = cls.build(&mut kw).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("stride_shape") && e.contains("overflows"), "{e}");
}
