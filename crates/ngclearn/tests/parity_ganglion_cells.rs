//! RetinalGanglionCell against ngclearn 3.1.1 (`ganglion_cells.json`, 8 cases by
//! scripts/make_ganglion_fixtures.py): the constructed filter (Gaussian, difference- and
//! ratio-of-Gaussian, identity) and the outputs after each step (`advance_state` with the
//! step's stimulus, or `reset`), bit for bit; strided, overlapping and zero steps,
//! batches 1 to 3.

mod common;

use common::{fixture, mat};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

fn model(name: &str, kwargs: &Map<String, Value>) -> Model {
    let cls = Registry::builtin().get("RetinalGanglionCell").unwrap();
    let mut map = kwargs.clone();
    map.insert("name".into(), json!("R"));
    let mut kw = Kwargs::new("test", "R", cls.schema.signature, &[], &map).unwrap();
    let c = cls.build(&mut kw).unwrap_or_else(|e| panic!("{name}: {e}"));
    kw.finish().unwrap();
    let mut ctx = Context::new(name);
    ctx.add_boxed(c).unwrap();
    ctx.process("advance_state", &[("R", Method::AdvanceState)])
        .unwrap();
    ctx.process("reset", &[("R", Method::Reset)]).unwrap();
    ctx.build().unwrap()
}

/// A `(batch, ix, iy)` stimulus as its stored rows `(batch, ix iy)`.
fn stimulus(v: &Value) -> ndarray::Array2<f32> {
    let rows: Vec<Vec<f32>> = v
        .as_array()
        .unwrap()
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

fn differing(got: &ndarray::Array2<f32>, want: &ndarray::Array2<f32>) -> usize {
    assert_eq!(got.shape(), want.shape());
    got.iter()
        .zip(want)
        .filter(|(g, w)| g.to_bits() != w.to_bits())
        .count()
}

#[test]
fn retinal_ganglion_cells_filter_as_ngclearns_bit_for_bit() {
    let fx = fixture("ganglion_cells");
    let cases = fx["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 8);
    let mut bad = Vec::new();
    for (name, case) in cases {
        let mut m = model(name, case["kwargs"].as_object().unwrap());
        let n = differing(&m.get("R:filter").unwrap(), &mat(&case["filter"]));
        if n > 0 {
            bad.push(format!("{name} filter: {n}"));
        }
        for (t, method) in case["steps"].as_array().unwrap().iter().enumerate() {
            if !case["given"][t].is_null() {
                m.set("R:inputs", &stimulus(&case["given"][t])).unwrap();
            }
            m.run_named(method.as_str().unwrap(), t as f32, 1.0)
                .unwrap();
            let (got, want) = (m.get("R:outputs").unwrap(), mat(&case["outputs"][t]));
            let n = differing(&got, &want);
            if n > 0 {
                bad.push(format!("{name} outputs step {t}: {n}"));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}
