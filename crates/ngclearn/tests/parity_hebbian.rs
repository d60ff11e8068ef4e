//! HebbianSynapse against ngclearn 3.1.1: the rule with and without its soft bound,
//! each prior under each of its names, sign, pre/post weights, a batch of two, biases,
//! a mask, and the three optimisers (SGD, Adam, NAG), driven by given signals for up to
//! 200 steps; and models ngclearn saved mid-learning (with their pickled optimiser
//! state) that continue here as they do in ngclearn, and save back the same pickle.

mod common;

use common::{fixture, fixtures_dir, mat, scratch, steps, Report};
use ngclearn::components::synapses::hebbian::hebbian_synapse::{
    HebbianSynapse, HebbianSynapseParams,
};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::io::pickle::{self, Pickled};
use ngclearn::io::{load_model_dir, save_model_dir};
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

fn synapse(case: &Value) -> HebbianSynapse {
    let mut map: Map<String, Value> = case["kwargs"].as_object().unwrap().clone();
    map.insert("name".into(), json!("W"));
    map.insert("shape".into(), case["shape"].clone());
    map.insert("batch_size".into(), case["batch_size"].clone());
    let cls = Registry::builtin().get("HebbianSynapse").unwrap();
    let mut kw = Kwargs::new("test", "W", cls.schema.signature, &[], &map).unwrap();
    let name = kw.name().unwrap();
    let shape = kw.shape("shape").unwrap();
    let mut p = HebbianSynapseParams::from_kwargs(&mut kw).unwrap();
    kw.finish().unwrap();
    p.weight_init = Some(DistributionGenerator::uniform(-0.5, 0.5));
    if !case["bias_init"].is_null() {
        p.bias_init = Some(DistributionGenerator::uniform(-0.1, 0.1));
    }
    if !case["mask"].is_null() {
        p.mask = Some(mat(&case["mask"]));
    }
    p.key = Some(Key::from_seed(13));
    HebbianSynapse::new(&name, shape, p).unwrap()
}

#[test]
fn hebbian_synapses_learn_as_ngclearns_from_given_signals() {
    let fx = fixture("hebbian_given");
    for (name, case) in fx["cases"].as_object().unwrap() {
        let w = synapse(case);
        // The initialisers draw ngclearn's numbers from the same key.
        assert_eq!(w.weights(), &mat(&case["weights0"]), "{name}: weights0");
        let mut ctx = Context::new(name);
        ctx.add(w).unwrap();
        ctx.process("adv", &[("W", Method::AdvanceState), ("W", Method::Evolve)])
            .unwrap();
        ctx.process("rst", &[("W", Method::Reset)]).unwrap();
        let mut m = ctx.build().unwrap();
        if !case["bias_init"].is_null() {
            assert_eq!(m.get("W:biases").unwrap(), mat(&case["biases0"]), "{name}");
        }
        m.run_named("rst", 0.0, 1.0).unwrap();
        let (xs, pre, post) = (
            steps(&case["inputs"]),
            steps(&case["pre"]),
            steps(&case["post"]),
        );
        let trace = case["trace"].as_object().unwrap();
        let mut r = Report::default();
        for t in 0..xs.len() {
            m.set("W:inputs", &xs[t]).unwrap();
            m.set("W:pre", &pre[t]).unwrap();
            m.set("W:post", &post[t]).unwrap();
            m.run_named("adv", t as f32, 1.0).unwrap();
            for (out, vals) in trace {
                let want = &vals[t];
                // Biases without an initialiser are ngclearn's scalar 0.
                let want = if want.is_number() {
                    ndarray::Array2::from_elem((1, 1), common::f(want))
                } else {
                    mat(want)
                };
                let got = m.get(&format!("W:{out}")).unwrap();
                let got = if want.dim() == (1, 1) && got.dim() != (1, 1) {
                    assert!(got.iter().all(|&x| x == want[[0, 0]]), "{name}: {out}");
                    want.clone()
                } else {
                    got
                };
                r.exact(out, t, &got, &want);
            }
        }
        r.print(name);
    }
}

#[test]
fn models_ngclearn_saved_mid_learning_continue_as_in_ngclearn() {
    let fx = fixture("hebbian_models");
    for (optim, case) in fx["models"].as_object().unwrap() {
        let dir = fixtures_dir()
            .join("models")
            .join(case["model_dir"].as_str().unwrap());
        let mut m = load_model_dir(&dir).unwrap();
        // Saved straight back, the optimiser state is ngclearn's pickle, byte for byte.
        let out = scratch(&format!("hebbian_{optim}"));
        save_model_dir(&m, &out.join("m"), false).unwrap();
        let file = "component/custom/W_opt_params.pkl";
        assert_eq!(
            std::fs::read(out.join("m").join(file)).unwrap(),
            std::fs::read(dir.join(file)).unwrap(),
            "{optim}: pickle"
        );
        let before = case["before"].as_u64().unwrap() as usize;
        let (xs, pre, post) = (
            steps(&case["inputs"]),
            steps(&case["pre"]),
            steps(&case["post"]),
        );
        let outs = case["loaded_outputs_after"].as_array().unwrap();
        let mut r = Report::default();
        for (k, want) in outs.iter().enumerate() {
            let t = before + k;
            m.set("W:inputs", &xs[t]).unwrap();
            m.set("W:pre", &pre[t]).unwrap();
            m.set("W:post", &post[t]).unwrap();
            m.run_named("adv", t as f32, 1.0).unwrap();
            r.exact("outputs", t, &m.get("W:outputs").unwrap(), &mat(want));
        }
        r.exact(
            "weights",
            0,
            &m.get("W:weights").unwrap(),
            &mat(&case["loaded_weights_after"]),
        );
        let b = &case["loaded_biases_after"];
        if !b.is_number() {
            r.exact("biases", 0, &m.get("W:biases").unwrap(), &mat(b));
        }
        r.print(&format!("hebbian_models {optim}"));
    }
}

#[test]
fn a_pickle_that_is_not_this_optimisers_state_is_refused_naming_the_file() {
    let src = fixtures_dir().join("models/hebbian_adam");
    let dir = scratch("hebbian_wrong_pickle").join("hebbian_adam");
    copy_dir(&src, &dir);
    // The SGD model's state (a bare step count) where Adam's tuple belongs.
    std::fs::copy(
        fixtures_dir().join("models/hebbian_sgd/component/custom/W_opt_params.pkl"),
        dir.join("component/custom/W_opt_params.pkl"),
    )
    .unwrap();
    let e = load_model_dir(&dir).unwrap_err().to_string();
    assert!(e.contains("W_opt_params.pkl") && e.contains("adam"), "{e}");
    std::fs::write(
        dir.join("component/custom/W_opt_params.pkl"),
        b"\x80\x04garbage",
    )
    .unwrap();
    let e = load_model_dir(&dir).unwrap_err().to_string();
    assert!(e.contains("W_opt_params.pkl"), "{e}");
    std::fs::remove_file(dir.join("component/custom/W_opt_params.pkl")).unwrap();
    let e = load_model_dir(&dir).unwrap_err().to_string();
    assert!(e.contains("W_opt_params.pkl"), "{e}");
}

/// The Adam model's optimiser state with `edit` applied, written back.
fn edit_adam_state(tag: &str, edit: impl FnOnce(&mut Vec<Pickled>)) -> std::path::PathBuf {
    let src = fixtures_dir().join("models/hebbian_adam");
    let dir = scratch(tag).join("hebbian_adam");
    copy_dir(&src, &dir);
    let f = dir.join("component/custom/W_opt_params.pkl");
    let Pickled::Tuple(mut t) = pickle::read(&f, 1 << 30).unwrap() else {
        panic!("Adam's state is a tuple")
    };
    edit(&mut t);
    std::fs::write(&f, pickle::to_bytes(&Pickled::Tuple(t))).unwrap();
    dir
}

/// The first array of moment list `which` (0: g1, 1: g2) of Adam's state.
fn moment(t: &mut [Pickled], which: usize) -> &mut Vec<f32> {
    let Pickled::List(l) = &mut t[which] else {
        panic!("a list of moments")
    };
    let Pickled::Array { data, .. } = &mut l[0] else {
        panic!("an array")
    };
    data
}

#[test]
fn a_diverged_optimiser_state_loads_as_saved_with_one_warning() {
    let dir = edit_adam_state("hebbian_nan_moments", |t| {
        moment(t, 0)[1] = f32::NAN;
        moment(t, 1)[2] = f32::INFINITY;
    });
    let (m, said) = ngclearn::warning::capture(|| load_model_dir(&dir));
    let m = m.unwrap();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].contains("W_opt_params.pkl") && said[0].contains("`g1[0]` element [0, 1] is NaN"),
        "{}",
        said[0]
    );
    // Saved back as loaded: the NaN is still there.
    let out = scratch("hebbian_nan_moments_saved").join("m");
    save_model_dir(&m, &out, true).unwrap();
    let Pickled::Tuple(mut t) =
        pickle::read(&out.join("component/custom/W_opt_params.pkl"), 1 << 30).unwrap()
    else {
        panic!("a tuple")
    };
    assert!(moment(&mut t, 0)[1].is_nan());
    assert_eq!(moment(&mut t, 1)[2], f32::INFINITY);
}

#[test]
fn an_optimiser_state_no_run_can_produce_is_refused() {
    let negative = edit_adam_state("hebbian_negative_g2", |t| moment(t, 1)[0] = -1e-3);
    let e = load_model_dir(&negative).unwrap_err().to_string();
    assert!(
        e.contains("W_opt_params.pkl") && e.contains("g2[0] element [0, 0] is -0.001"),
        "{e}"
    );
    for (tag, t) in [
        ("nan", f32::NAN),
        ("neg", -1.0),
        ("frac", 2.5),
        ("inf", f32::INFINITY),
    ] {
        let dir = edit_adam_state(&format!("hebbian_step_{tag}"), |s| {
            s[2] = Pickled::scalar(t, true)
        });
        let e = load_model_dir(&dir).unwrap_err().to_string();
        assert!(
            e.contains("W_opt_params.pkl") && e.contains(&format!("the step count is {t}")),
            "{e}"
        );
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &p);
        } else {
            std::fs::copy(e.path(), p).unwrap();
        }
    }
}
