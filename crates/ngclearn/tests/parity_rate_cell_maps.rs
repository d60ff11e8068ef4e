//! RateCell, GaussianErrorCell, LaplacianErrorCell and LeakyNoiseCell with a 4-D `shape`
//! (the maps of convolutional predictive coding) against ngclearn 3.1.1
//! (`rate_cell_maps.json`, 13 cases by scripts/make_rate_map_fixtures.py): the
//! LeakyNoiseCell's (relu; telu by RK4 and gelu by the midpoint method at steps of 0.3
//! and 0.7) and the error cells' bit for bit but the Gaussian one's `L` (within 1e-5:
//! XLA vectorises the sum of squares over the maps' axes in an order not reproduced); and
//! the RateCell's
//! z, zF and j after each step (priors, threshold, stateless, the three integrators,
//! steps of dt that are not powers of two): bit for bit; the compartments have the
//! maps' four axes; and its saved model keeps them.

mod common;

use common::{fixture, Report};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

fn flatten(v: &Value, out: &mut Vec<f32>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| flatten(i, out)),
        x => out.push(common::f(x)),
    }
}

fn model(name: &str, kwargs: &Map<String, Value>) -> Model {
    model_of("RateCell", "z", name, kwargs)
}

fn model_of(class: &str, comp: &str, name: &str, kwargs: &Map<String, Value>) -> Model {
    let cls = Registry::builtin().get(class).unwrap();
    let mut map = kwargs.clone();
    map.insert("name".into(), json!(comp));
    let mut kw = Kwargs::new("test", comp, cls.schema.signature, &[], &map).unwrap();
    let c = cls.build(&mut kw).unwrap();
    kw.finish().unwrap();
    let mut ctx = Context::new(name);
    ctx.add_boxed(c).unwrap();
    ctx.process("adv", &[(comp, Method::AdvanceState)]).unwrap();
    ctx.process("rst", &[(comp, Method::Reset)]).unwrap();
    ctx.build().unwrap()
}

#[test]
fn error_and_leaky_noise_cells_over_maps_step_as_ngclearns() {
    let fx = fixture("rate_cell_maps");
    let cases = fx["cases"].as_object().unwrap();
    let mut n = 0;
    for (name, case) in cases.iter().filter(|(_, c)| c.get("class").is_some()) {
        n += 1;
        let class = case["class"].as_str().unwrap();
        let mut kwargs = case["kwargs"].as_object().unwrap().clone();
        if let Some(seed) = case.get("key_seed") {
            kwargs.insert("key".into(), seed.clone());
        }
        let mut m = model_of(class, "c", name, &kwargs);
        let b = kwargs["batch_size"].as_u64().unwrap() as usize;
        let dt = case["dt"].as_f64().unwrap() as f32;
        let mut rep = Report::default();
        for t in 0..case["steps"].as_u64().unwrap() as usize {
            for (k, v) in case["given"].as_object().unwrap() {
                let mut out = Vec::new();
                flatten(&v[t], &mut out);
                let rows = ndarray::Array2::from_shape_vec((b, out.len() / b), out).unwrap();
                m.set(&format!("c:{k}"), &rows).unwrap();
            }
            m.run_named("adv", t as f32, dt).unwrap();
            for (k, v) in case["trace"].as_object().unwrap() {
                let got = m.get(&format!("c:{k}")).unwrap();
                let mut out = Vec::new();
                flatten(&v[t], &mut out);
                let want = ndarray::Array2::from_shape_vec(got.dim(), out).unwrap();
                if k == "L" && class == "GaussianErrorCell" {
                    // The sum of squares over 4-D maps: XLA reduces the maps' axes in an
                    // order not yet reproduced (over rows it is: parity_error_cells.rs).
                    rep.check(&format!("{name} {k}"), t, &got, &want);
                } else {
                    rep.exact(&format!("{name} {k}"), t, &got, &want);
                }
            }
        }
        let r = m
            .compartment(&format!(
                "c:{}",
                case["trace"].as_object().unwrap().keys().next().unwrap()
            ))
            .unwrap();
        assert_eq!(m.dims_of(r).unwrap().len(), 4, "{name}");
        rep.print("rate_cell_maps");
    }
    assert_eq!(n, 5);
}

#[test]
fn rate_cells_over_maps_step_as_ngclearns_bit_for_bit() {
    let fx = fixture("rate_cell_maps");
    let cases = fx["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 13);
    for (name, case) in cases.iter().filter(|(_, c)| c.get("class").is_none()) {
        let kwargs = case["kwargs"].as_object().unwrap().clone();
        let mut m = model(name, &kwargs);
        let shape: Vec<usize> = kwargs["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let b = kwargs["batch_size"].as_u64().unwrap() as usize;
        let r = m.compartment("z:z").unwrap();
        assert_eq!(m.dims_of(r).unwrap(), vec![b, shape[0], shape[1], shape[2]]);
        m.run_named("rst", 0.0, 1.0).unwrap();
        let dt = case["dt"].as_f64().unwrap() as f32;
        let as_rows = |v: &Value| {
            let mut out = Vec::new();
            flatten(v, &mut out);
            ndarray::Array2::from_shape_vec((b, out.len() / b), out).unwrap()
        };
        let mut rep = Report::default();
        for t in 0..case["steps"].as_u64().unwrap() as usize {
            for k in ["j", "j_td"] {
                m.set(&format!("z:{k}"), &as_rows(&case["given"][k][t]))
                    .unwrap();
            }
            m.run_named("adv", t as f32, dt).unwrap();
            for (k, v) in case["trace"].as_object().unwrap() {
                let (got, want) = (m.get(&format!("z:{k}")).unwrap(), as_rows(&v[t]));
                rep.exact(&format!("{name} {k}"), t, &got, &want);
            }
        }
        rep.print("rate_cell_maps");
    }
}

#[test]
fn a_rate_cell_over_maps_saves_and_loads_its_four_axes() {
    let kwargs = json!({"n_units": 7, "tau_m": 10.0, "shape": [2, 3, 4], "batch_size": 2});
    let mut m = model("maps_saved", kwargs.as_object().unwrap());
    m.set("z:j", &ndarray::Array2::from_elem((2, 24), 0.5))
        .unwrap();
    m.run_named("adv", 0.0, 1.0).unwrap();
    let out = common::scratch("rate_maps").join("model");
    ngclearn::io::save_model_dir(&m, &out, true).unwrap();
    let loaded = ngclearn::io::load_model_dir(&out).unwrap();
    let r = loaded.compartment("z:z").unwrap();
    assert_eq!(loaded.dims_of(r).unwrap(), vec![2, 2, 3, 4]);
    assert_eq!(loaded.get("z:z").unwrap(), m.get("z:z").unwrap());
}
