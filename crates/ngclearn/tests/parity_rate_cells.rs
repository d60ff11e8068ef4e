//! RateCell against ngclearn 3.1.1: every activation, the four priors, the integrators
//! as ngclearn's code maps their names, the soft threshold with scales, and the
//! stateless forms (with softmax), driven by given currents: bit for bit.

mod common;

use common::{fixture, steps, Report};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

#[test]
fn rate_cells_integrate_as_ngclearns() {
    let fx = fixture("rate_cells");
    for (name, case) in fx["cases"].as_object().unwrap() {
        let mut kw: Map<String, Value> = case["kwargs"].as_object().unwrap().clone();
        kw.insert("name".into(), json!("z"));
        kw.insert("n_units".into(), case["n_units"].clone());
        kw.insert("batch_size".into(), case["batch_size"].clone());
        kw.insert("key".into(), json!(Key::from_seed(6).0.to_vec()));
        let cls = Registry::builtin().get("RateCell").unwrap();
        let mut k = Kwargs::new("test", "z", cls.schema.signature, &[], &kw).unwrap();
        let c = cls.build(&mut k).unwrap();
        k.finish().unwrap();
        let mut ctx = Context::new(name);
        ctx.add_boxed(c).unwrap();
        ctx.process("adv", &[("z", Method::AdvanceState)]).unwrap();
        ctx.process("rst", &[("z", Method::Reset)]).unwrap();
        let mut m = ctx.build().unwrap();
        m.run_named("rst", 0.0, 1.0).unwrap();
        let dt = case["dt"].as_f64().unwrap() as f32;
        let (js, jtd) = (steps(&case["j"]), steps(&case["j_td"]));
        let trace = case["trace"].as_object().unwrap();
        let mut r = Report::default();
        for t in 0..js.len() {
            m.set("z:j", &js[t]).unwrap();
            m.set("z:j_td", &jtd[t]).unwrap();
            m.run_named("adv", t as f32 * dt, dt).unwrap();
            for (out, vals) in trace {
                let (got, want) = (m.get(&format!("z:{out}")).unwrap(), common::mat(&vals[t]));
                r.exact(out, t, &got, &want);
            }
        }
        r.print(name);
    }
}

#[test]
fn what_ngclearn_cannot_run_or_would_misread_is_refused() {
    let build = |kw: Value| {
        let map = kw.as_object().unwrap().clone();
        let cls = Registry::builtin().get("RateCell").unwrap();
        let mut k = Kwargs::new("test", "z", cls.schema.signature, &[], &map).unwrap();
        cls.build(&mut k).map(|_| ())
    };
    let base = json!({"name": "z", "n_units": 2, "tau_m": 10.0});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    assert!(build(base.clone()).is_ok());
    for (k, v, field) in [
        ("threshold", json!(["cauchy_threshold", 0.1]), "threshold"),
        ("prior", json!(["gausian", 0.1]), "prior"),
        ("act_fx", json!("swish"), "act_fx"),
        ("act_fx", json!("sine"), "omega_0"),
        ("act_fx", json!("softmax"), "act_fx"),
        ("integration_type", json!("rk5"), "integration_type"),
    ] {
        let e = build(with(k, v)).unwrap_err().to_string();
        assert!(e.contains(field), "{e}");
    }
}
