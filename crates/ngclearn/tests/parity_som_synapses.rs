//! SOMSynapse against ngclearn 3.1.1 (`som_synapses.json`, 8 cases by
//! scripts/make_som_fixtures.py): every distance (euclidean, manhattan, cosine) and
//! neighbourhood (gaussian, ricker), batches of 1 to 4, maps of 4x4 to 32x32 (both sides
//! of XLA's YNNPACK thresholds for the batch mean), resist_scale and p_conn. Bit for bit:
//! the drawn weights; each step the best-matching units, neighbourhood weights, outputs,
//! learnt weights, radius, eta and tick; the last step's change of the weights and its
//! `delta` for the first sample. Also: XLA's row sum, the softmax's denominator, on
//! rows of 1 to 1,025 values (`xla_row_sum.json`); a map that is not square is refused
//! (ngclearn cannot build its coordinates); the 3-D `delta` and int32 `bmu` keep
//! ngclearn's shapes in a saved model.

mod common;

use common::{fixture, mat, Report};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::core::xla_math::row_sum_xla;
use ngclearn::io::npz::Dtype;
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

fn build(
    kwargs: &Map<String, Value>,
) -> ngclearn::Result<Box<dyn ngclearn::core::component::Component>> {
    let cls = Registry::builtin().get("SOMSynapse").unwrap();
    let mut map = kwargs.clone();
    map.insert("name".into(), json!("W"));
    let mut kw = Kwargs::new("test", "W", cls.schema.signature, &[], &map)?;
    let c = cls.build(&mut kw)?;
    kw.finish()?;
    Ok(c)
}

fn model(name: &str, kwargs: &Map<String, Value>) -> Model {
    let mut ctx = Context::new(name);
    ctx.add_boxed(build(kwargs).unwrap()).unwrap();
    ctx.process("adv", &[("W", Method::AdvanceState)]).unwrap();
    ctx.process("evo", &[("W", Method::Evolve)]).unwrap();
    ctx.process("rst", &[("W", Method::Reset)]).unwrap();
    ctx.build().unwrap()
}

#[test]
fn som_synapses_learn_as_ngclearns_bit_for_bit() {
    let fx = fixture("som_synapses");
    let cases = fx["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 8);
    for (name, case) in cases {
        let mut kwargs = case["kwargs"].as_object().unwrap().clone();
        kwargs.insert("key".into(), case["key_seed"].clone());
        let mut m = model(name, &kwargs);
        let mut r = Report::default();
        r.exact(
            &format!("{name} weights0"),
            0,
            &m.get("W:weights").unwrap(),
            &mat(&case["weights0"]),
        );
        m.run_named("rst", 0.0, 1.0).unwrap();
        let n = case["steps"].as_u64().unwrap() as usize;
        let trace = case["trace"].as_object().unwrap();
        for t in 0..n {
            m.set("W:inputs", &mat(&case["inputs"][t])).unwrap();
            m.run_named("adv", t as f32, 1.0).unwrap();
            m.run_named("evo", t as f32, 1.0).unwrap();
            for (comp, vals) in trace {
                if comp == "dWeights" {
                    continue;
                }
                let got = m.get(&format!("W:{comp}")).unwrap();
                r.exact(&format!("{name} {comp}"), t, &got, &mat(&vals[t]));
            }
        }
        r.exact(
            &format!("{name} dWeights"),
            n - 1,
            &m.get("W:dWeights").unwrap(),
            &mat(&trace["dWeights"][0]),
        );
        // delta (batch, n_inputs, n_units) is held as (batch, n_inputs * n_units).
        let delta = m.get("W:delta").unwrap();
        let want: Vec<f32> = case["delta_last"][0]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap().iter().map(common::f))
            .collect();
        let got = delta.row(0).to_vec();
        assert_eq!(got.len(), want.len(), "{name} delta");
        assert!(
            got.iter()
                .zip(&want)
                .all(|(g, w)| g.to_bits() == w.to_bits()),
            "{name}: delta is not ngclearn's bit for bit"
        );
        r.print("som_synapses");
    }
}

#[test]
fn xla_row_sums_are_jaxs_bit_for_bit() {
    let fx = fixture("xla_row_sum");
    let rows = fx["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 90);
    for row in rows {
        let x: Vec<f32> = row["x_bits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| f32::from_bits(v.as_u64().unwrap() as u32))
            .collect();
        let want = row["sum_bits"].as_u64().unwrap() as u32;
        assert_eq!(
            row_sum_xla(&x).to_bits(),
            want,
            "the sum of {} values: {} here, {} in JAX",
            x.len(),
            row_sum_xla(&x),
            f32::from_bits(want)
        );
    }
}

#[test]
fn a_som_synapse_whose_map_is_not_square_is_refused() {
    let kwargs = json!({"n_inputs": 3, "n_units_x": 4, "n_units_y": 6});
    let e = build(kwargs.as_object().unwrap())
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("n_units_y") && e.contains("square"), "{e}");
}

#[test]
fn a_som_synapse_saves_its_delta_in_three_axes_and_its_bmu_as_int32() {
    let kwargs = json!({"n_inputs": 3, "n_units_x": 2, "n_units_y": 2, "batch_size": 2, "key": 5});
    let mut m = model("som_saved", kwargs.as_object().unwrap());
    m.set(
        "W:inputs",
        &ndarray::array![[0.1, 0.5, 0.9], [0.7, 0.2, 0.3]],
    )
    .unwrap();
    m.run_named("adv", 0.0, 1.0).unwrap();
    let r = m.compartment("W:delta").unwrap();
    assert_eq!(m.dims_of(r).unwrap(), vec![2, 3, 4]);
    assert!(m.is_int32(m.compartment("W:bmu").unwrap()).unwrap());
    let out = common::scratch("som_saved").join("model");
    ngclearn::io::save_model_dir(&m, &out, true).unwrap();
    let mut npz = ngclearn::io::npz::NpzReader::open(&out.join("component/custom/W.npz")).unwrap();
    let header = |npz: &mut ngclearn::io::npz::NpzReader, name: &str| {
        let i = npz.entries().iter().position(|e| e.name == name).unwrap();
        npz.header(i, 1 << 20).unwrap()
    };
    let delta = header(&mut npz, "delta");
    assert_eq!((delta.dtype, delta.shape), (Dtype::F32, vec![2, 3, 4]));
    let bmu = header(&mut npz, "bmu");
    assert_eq!((bmu.dtype, bmu.shape), (Dtype::I32, vec![2, 1]));
    let loaded = ngclearn::io::load_model_dir(&out).unwrap();
    for c in [
        "delta",
        "bmu",
        "weights",
        "radius",
        "eta",
        "neighbor_weights",
    ] {
        let path = format!("W:{c}");
        assert_eq!(loaded.get(&path).unwrap(), m.get(&path).unwrap(), "{c}");
    }
}
