//! REINFORCESynapse against ngclearn 3.1.1 (`reinforce_synapses.json`, 6 cases by
//! scripts/make_reinforce_fixtures.py): the constructed weights, and after each step
//! (`evolve`, or `reset`) with the step's inputs, rewards and learning mask, the
//! weights, dWeights, sampled outputs, objective, accumulated gradients, step count and
//! sampling key, bit for bit. Learnt and scalar deviations, masks 0 and 1, clipped
//! samples, batches 1 to 4, p_conn with a Gaussian draw.

mod common;

use common::{fixture, mat, Diffs};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

fn model(name: &str, kwargs: &Map<String, Value>) -> Model {
    let cls = Registry::builtin().get("REINFORCESynapse").unwrap();
    let mut map = kwargs.clone();
    map.insert("name".into(), json!("W"));
    let mut kw = Kwargs::new("test", "W", cls.schema.signature, &[], &map).unwrap();
    let c = cls.build(&mut kw).unwrap();
    kw.finish().unwrap();
    let mut ctx = Context::new(name);
    ctx.add_boxed(c).unwrap();
    ctx.process("evolve", &[("W", Method::Evolve)]).unwrap();
    ctx.process("reset", &[("W", Method::Reset)]).unwrap();
    ctx.build().unwrap()
}

/// A value of the fixture as rows: a scalar `(1, 1)`, a vector one column.
fn rows(v: &Value) -> ndarray::Array2<f32> {
    match v {
        Value::Number(_) => ndarray::arr2(&[[common::f(v)]]),
        Value::Array(a) if a.first().is_some_and(Value::is_number) => {
            ndarray::Array2::from_shape_vec((a.len(), 1), a.iter().map(common::f).collect())
                .unwrap()
        }
        _ => mat(v),
    }
}

#[test]
fn reinforce_synapses_sample_and_learn_as_ngclearns_bit_for_bit() {
    let fx = fixture("reinforce_synapses");
    let cases = fx["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 6);
    let mut d = Diffs::default();
    for (name, case) in cases {
        let mut kwargs = case["kwargs"].as_object().unwrap().clone();
        kwargs.insert("key".into(), case["key_seed"].clone());
        let mut m = model(name, &kwargs);
        d.compare(
            &format!("{name} built weights"),
            0,
            &m.get("W:weights").unwrap(),
            &mat(&case["built"]),
        );
        let given = &case["given"];
        if !given["weights"].is_null() {
            m.set("W:weights", &mat(&given["weights"])).unwrap();
        }
        for (t, method) in case["steps"].as_array().unwrap().iter().enumerate() {
            m.set("W:inputs", &mat(&given["inputs"][t])).unwrap();
            m.set("W:rewards", &rows(&given["rewards"][t])).unwrap();
            m.set("W:learning_mask", &rows(&given["learning_mask"][t]))
                .unwrap();
            m.run_named(method.as_str().unwrap(), t as f32, 1.0)
                .unwrap();
            let trace = &case["trace"];
            for k in [
                "weights",
                "dWeights",
                "outputs",
                "objective",
                "accumulated_gradients",
                "step_count",
            ] {
                let want = rows(&trace[k][t]);
                let got = m.get(&format!("W:{k}")).unwrap();
                // ngclearn's reset leaves dWeights of shape (n_pre, n_post), zeros: here
                // the weights' shape, zeros (documented).
                if k == "dWeights" && method == "reset" {
                    assert!(
                        got.iter().all(|x| x.to_bits() == 0),
                        "{name}: dWeights after reset"
                    );
                    assert!(want.iter().all(|x| x.to_bits() == 0));
                    continue;
                }
                d.compare(&format!("{name} {k}"), t, &got, &want);
            }
            let seed = m.get_key("W:seed").unwrap();
            let want: Vec<u32> = trace["seed"][t]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            assert_eq!(seed.0.to_vec(), want, "{name}: seed at step {t}");
        }
    }
    d.check();
}

/// The objective's batch mean, `(-(T.sum(-1)) * r).mean()`, as XLA sums a product
/// reduced in its fusion (`xla_math::dot_sum_xla`), against JAX for batches of 1 to 32
/// (20 draws each), bit for bit.
#[test]
fn batch_means_of_products_sum_as_xlas() {
    use ngclearn::core::xla_math::{dot_sum_xla, row_sum_xla};
    let fx = fixture("reinforce_synapses");
    let sums = fx["batch_sums"].as_array().unwrap();
    assert_eq!(sums.len(), 32 * 20);
    for s in sums {
        let t = mat(&s["T"]);
        let r: Vec<f32> = s["r"].as_array().unwrap().iter().map(common::f).collect();
        let lp: Vec<f32> = t
            .rows()
            .into_iter()
            .map(|row| -row_sum_xla(row.as_slice().unwrap()))
            .collect();
        let got = dot_sum_xla(&lp, &r) * (1.0 / r.len() as f32);
        let want = common::f(&s["mean"]);
        assert_eq!(
            got.to_bits(),
            want.to_bits(),
            "batch {}: {got:e} != {want:e}",
            r.len()
        );
    }
}

/// A state taken from a model puts back both of a REINFORCESynapse's keys (the weights'
/// `key` and the samples' `seed`), by `set_state` and by `swap_state`: the steps after
/// it sample as before.
#[test]
fn a_state_puts_back_both_keys() {
    let mut kw = Map::new();
    kw.insert("shape".into(), json!([3, 2]));
    kw.insert("seed".into(), json!(5));
    kw.insert("key".into(), json!(9));
    let mut m = model("keys", &kw);
    m.set("W:inputs", &ndarray::array![[0.5f32, -1.0, 2.0]])
        .unwrap();
    m.set("W:rewards", &ndarray::array![[1.0f32]]).unwrap();
    let saved = m.state();
    let (key0, seed0) = (m.get_key("W:key").unwrap(), m.get_key("W:seed").unwrap());
    assert_ne!(key0, seed0);
    m.run_named("evolve", 0.0, 1.0).unwrap();
    let first = m.get("W:outputs").unwrap();
    assert_ne!(m.get_key("W:seed").unwrap(), seed0);
    m.set_state(&saved).unwrap();
    assert_eq!(
        (m.get_key("W:key").unwrap(), m.get_key("W:seed").unwrap()),
        (key0, seed0)
    );
    m.run_named("evolve", 0.0, 1.0).unwrap();
    assert_eq!(m.get("W:outputs").unwrap(), first);
    let mut other = saved.clone();
    m.swap_state(&mut other).unwrap();
    assert_eq!(
        (m.get_key("W:key").unwrap(), m.get_key("W:seed").unwrap()),
        (key0, seed0)
    );
}
