//! GerstnerHebbianSynapse against ngclearn 3.1.1 (`gerstner_hebbian_synapses.json`, 6
//! cases by scripts/make_gerstner_fixtures.py): the default bilinear rule and each
//! coefficient (decay, pre, post, correlation, anti-Hebbian), batches of 1, 2 and 3, p_conn
//! and resist_scale; the drawn weights and, each step, the outputs and learnt weights
//! bit for bit. Also: a shape that is not square is refused (ngclearn's rule cannot
//! broadcast it).

mod common;

use common::{fixture, mat, steps, Report};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

fn build(
    kwargs: &Map<String, Value>,
) -> ngclearn::Result<Box<dyn ngclearn::core::component::Component>> {
    let cls = Registry::builtin().get("GerstnerHebbianSynapse").unwrap();
    let mut map = kwargs.clone();
    map.insert("name".into(), json!("W"));
    let mut kw = Kwargs::new("test", "W", cls.schema.signature, &[], &map)?;
    let c = cls.build(&mut kw)?;
    kw.finish()?;
    Ok(c)
}

#[test]
fn gerstner_hebbian_synapses_learn_as_ngclearns_bit_for_bit() {
    let fx = fixture("gerstner_hebbian_synapses");
    let cases = fx["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 6);
    for (name, case) in cases {
        let mut kwargs = case["kwargs"].as_object().unwrap().clone();
        kwargs.insert("key".into(), case["key_seed"].clone());
        let mut ctx = Context::new(name);
        ctx.add_boxed(build(&kwargs).unwrap()).unwrap();
        ctx.process("adv", &[("W", Method::AdvanceState), ("W", Method::Evolve)])
            .unwrap();
        ctx.process("rst", &[("W", Method::Reset)]).unwrap();
        let mut m = ctx.build().unwrap();
        let mut r = Report::default();
        r.exact(
            "weights0",
            0,
            &m.get("W:weights").unwrap(),
            &mat(&case["weights0"]),
        );
        m.run_named("rst", 0.0, 1.0).unwrap();
        let given: Vec<(String, Vec<ndarray::Array2<f32>>)> = case["given"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (format!("W:{k}"), steps(v)))
            .collect();
        let n = case["steps"].as_u64().unwrap() as usize;
        for t in 0..n {
            for (path, xs) in &given {
                m.set(path, &xs[t]).unwrap();
            }
            m.run_named("adv", t as f32, 1.0).unwrap();
            for (comp, vals) in case["trace"].as_object().unwrap() {
                let got = m.get(&format!("W:{comp}")).unwrap();
                r.exact(&format!("{name} {comp}"), t, &got, &mat(&vals[t]));
            }
        }
        r.print("gerstner_hebbian_synapses");
    }
}

#[test]
fn a_gerstner_hebbian_synapse_that_is_not_square_is_refused() {
    let mut kwargs = Map::new();
    kwargs.insert("shape".into(), json!([3, 4]));
    let e = build(&kwargs).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("shape") && e.contains("square"), "{e}");
}
