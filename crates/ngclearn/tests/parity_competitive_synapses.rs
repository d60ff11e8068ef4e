//! ngclearn 3.1.1's unexported competitive synapses against its own numbers
//! (`competitive_synapses.json`, by scripts/make_competitive_fixtures.py): HopfieldSynapse
//! (delta and contrastive rules, decay, drawn memories), VectorQuantizeSynapse (four
//! distances, labels, bound and decay, Langevin noise) and ART2ASynapse (unused and used
//! slots, vigilance, eta schedule). The constructed compartments, then after each step
//! (`advance_state` with the step's inputs, `evolve` with its labels, or `reset`) every
//! array compartment, bit for bit.

mod common;

use common::{fixture, mat, Diffs};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

fn model(class: &str, name: &str, kwargs: &Map<String, Value>) -> Model {
    let cls = Registry::builtin().get(class).unwrap();
    let mut map = kwargs.clone();
    map.insert("name".into(), json!("W"));
    let mut kw = Kwargs::new("test", "W", cls.schema.signature, &[], &map).unwrap();
    let c = cls.build(&mut kw).unwrap_or_else(|e| panic!("{name}: {e}"));
    kw.finish().unwrap();
    let mut ctx = Context::new(name);
    ctx.add_boxed(c).unwrap();
    for (p, m) in [
        ("advance_state", Method::AdvanceState),
        ("evolve", Method::Evolve),
        ("reset", Method::Reset),
    ] {
        ctx.process(p, &[("W", m)]).unwrap();
    }
    ctx.build().unwrap()
}

fn run_cases(class: &str, expected: usize) {
    let fx = fixture("competitive_synapses");
    let cases: Vec<(&String, &Value)> = fx["cases"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, c)| c["class"] == class)
        .collect();
    assert_eq!(cases.len(), expected, "{class}");
    let mut d = Diffs::default();
    for (name, case) in cases {
        let mut kwargs = case["kwargs"].as_object().unwrap().clone();
        kwargs.insert("key".into(), case["key_seed"].clone());
        let mut m = model(class, name, &kwargs);
        let names: Vec<&String> = case["trace"].as_object().unwrap().keys().collect();
        for k in &names {
            // Before the first advance_state ngclearn's are (batch_size, n_pre) zeros
            // (documented); compared from the first step on.
            if class == "HopfieldSynapse" && (*k == "similarities" || *k == "memory_weights") {
                continue;
            }
            d.compare(
                &format!("{name} built {k}"),
                0,
                &m.get(&format!("W:{k}")).unwrap(),
                &mat(&case["built"][k]),
            );
        }
        let given = &case["given"];
        if !given["weights"].is_null() {
            m.set("W:weights", &mat(&given["weights"])).unwrap();
        }
        if !given["used"].is_null() {
            m.set("W:used", &mat(&given["used"])).unwrap();
        }
        for (t, method) in case["steps"].as_array().unwrap().iter().enumerate() {
            if !given["inputs"][t].is_null() {
                m.set("W:inputs", &mat(&given["inputs"][t])).unwrap();
            }
            if !given["labels"][t].is_null() {
                m.set("W:labels", &mat(&given["labels"][t])).unwrap();
            }
            m.run_named(method.as_str().unwrap(), t as f32, 1.0)
                .unwrap();
            for k in &names {
                let got = m.get(&format!("W:{k}")).unwrap();
                let want = mat(&case["trace"][k.as_str()][t]);
                // A contrastive update of one row at shape (4, 6): XLA's vectorised loop
                // keeps both products rounded in the first four columns, where it fuses
                // them at other shapes (measured; which shapes is not derived here):
                // within the rounding of one product of values below 1 (1e-7). Every
                // other value of every case is exact.
                if *name == "hopfield_contrastive" && *k == "dWeights" {
                    for (g, w) in got.iter().zip(want.iter()) {
                        assert!((g - w).abs() <= 1e-7, "{name} dWeights {g:e} {w:e}");
                    }
                    continue;
                }
                d.compare(&format!("{name} {k}"), t, &got, &want);
            }
        }
    }
    d.check();
}

#[test]
fn hopfield_synapses_recall_and_learn_as_ngclearns_bit_for_bit() {
    run_cases("HopfieldSynapse", 5);
}

#[test]
fn vector_quantize_synapses_match_and_learn_as_ngclearns_bit_for_bit() {
    run_cases("VectorQuantizeSynapse", 5);
}

#[test]
fn art2a_synapses_resonate_and_learn_as_ngclearns_bit_for_bit() {
    run_cases("ART2ASynapse", 3);
}

/// XLA's `rsqrt` (the processor's approximation and one Newton-Raphson step), its powers
/// and its row sums of squares (`jnp.linalg.norm(W, axis=1)`, rows of 1 to 9 values), bit
/// for bit against JAX on 3,000 values, 7 x 300 powers and 360 rows.
#[test]
fn xla_rsqrt_and_row_norms_are_jaxs_bit_for_bit() {
    use ngclearn::core::xla_math::{row_sum_of_squares_xla, rsqrt_xla};
    let fx = fixture("competitive_synapses");
    let bits = |v: &Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|b| f32::from_bits(b.as_u64().unwrap() as u32))
            .collect()
    };
    let (xs, ys) = (
        bits(&fx["xla"]["rsqrt"]["x"]),
        bits(&fx["xla"]["rsqrt"]["y"]),
    );
    assert_eq!(xs.len(), 3000);
    for (x, y) in xs.iter().zip(&ys) {
        assert_eq!(rsqrt_xla(*x).to_bits(), y.to_bits(), "rsqrt({x:e})");
    }
    let px = bits(&fx["xla"]["pow"]["x"]);
    for (y, want) in fx["xla"]["pow"]["y"].as_object().unwrap() {
        let y: f32 = y.parse().unwrap();
        for (x, w) in px.iter().zip(bits(want)) {
            assert_eq!(
                ngclearn::core::xla_math::pow_xla(*x, y).to_bits(),
                w.to_bits(),
                "pow({x:e}, {y})"
            );
        }
    }
    for case in fx["xla"]["norms"].as_array().unwrap() {
        let width = case["width"].as_u64().unwrap() as usize;
        let (rows, norms) = (bits(&case["rows"]), bits(&case["norm"]));
        for (row, norm) in rows.chunks(width).zip(&norms) {
            assert_eq!(
                row_sum_of_squares_xla(row).sqrt().to_bits(),
                norm.to_bits(),
                "{row:?}"
            );
        }
    }
}
