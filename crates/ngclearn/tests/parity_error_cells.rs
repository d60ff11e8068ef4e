//! The error cells of predictive coding (Gaussian, Laplacian, Bernoulli with
//! probabilities and with logits) against ngclearn 3.1.1, driven by given predictions,
//! targets, modulators and masks, bit for bit; and their likelihoods over populations
//! of up to 3,000 values, whose sums XLA reduces by its tree reduction
//! (`error_sums.json`).

mod common;

use common::{fixture, steps, Report};
use ndarray::Array2;
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

#[test]
fn error_cells_compute_ngclearns_errors_and_likelihoods() {
    error_cases("error_cells");
}

#[test]
fn likelihoods_over_large_populations_sum_as_xlas_tree() {
    error_cases("error_sums");
}

fn error_cases(fixture_name: &str) {
    let fx = fixture(fixture_name);
    for (name, case) in fx["cases"].as_object().unwrap() {
        let class = case["component"].as_str().unwrap();
        let mut kw: Map<String, Value> = case["kwargs"].as_object().unwrap().clone();
        kw.insert("name".into(), json!("e"));
        kw.insert("n_units".into(), case["n_units"].clone());
        kw.insert("batch_size".into(), case["batch_size"].clone());
        kw.insert("key".into(), json!(Key::from_seed(4).0.to_vec()));
        let cls = Registry::builtin().get(class).unwrap();
        let mut k = Kwargs::new("test", "e", cls.schema.signature, &[], &kw).unwrap();
        let c = cls.build(&mut k).unwrap();
        k.finish().unwrap();
        let mut ctx = Context::new(name);
        ctx.add_boxed(c).unwrap();
        ctx.process("adv", &[("e", Method::AdvanceState)]).unwrap();
        ctx.process("rst", &[("e", Method::Reset)]).unwrap();
        let mut m = ctx.build().unwrap();
        m.run_named("rst", 0.0, 1.0).unwrap();
        let inputs: Vec<(String, Vec<Array2<f32>>)> = case["inputs"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), steps(v)))
            .collect();
        let trace = case["trace"].as_object().unwrap();
        let mut r = Report::default();
        for t in 0..case["steps"].as_u64().unwrap() as usize {
            for (comp, vals) in &inputs {
                m.set(&format!("e:{comp}"), &vals[t]).unwrap();
            }
            m.run_named("adv", t as f32 * 0.5, 0.5).unwrap();
            for (out, vals) in trace {
                let want = if out == "L" {
                    Array2::from_elem((1, 1), vals[t].as_f64().unwrap() as f32)
                } else {
                    common::mat(&vals[t])
                };
                r.exact(out, t, &m.get(&format!("e:{out}")).unwrap(), &want);
            }
        }
        r.print(name);
    }
}
