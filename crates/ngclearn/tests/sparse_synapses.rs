//! Sparse synapses: weights compressed by presynaptic row give the same numbers as the
//! dense matrix, bit for bit, for every class that stores them (the dense base, the
//! static synapse and the exponential, alpha and double-exponential conductances), on
//! the event path (spikes wired from an encoder) and on the scanned path (graded
//! inputs, set), with non-finite inputs, masks, biases and batches.

mod common;

use common::{spikes_of, spikes_on_thread_ranks};
use ndarray::Array2;
use ngclearn::core::component::Component;
use ngclearn::prelude::*;

const DT: f32 = 0.1;

#[derive(Clone, Copy, Debug)]
enum Class {
    Dense,
    Static,
    Exponential,
    Alpha,
    DoubleExp,
}

const CLASSES: [Class; 5] = [
    Class::Dense,
    Class::Static,
    Class::Exponential,
    Class::Alpha,
    Class::DoubleExp,
];

/// The dense base's parameters of every test synapse: gaussian weights, `p_conn`, a
/// bias initialiser and `resist_scale` where the class uses them.
fn dense_params(storage: &str, p_conn: f32, b: usize, mask: Option<Array2<f32>>) -> DenseParams {
    DenseParams {
        weight_init: Some(DistributionGenerator::gaussian(0.0, 1.0)),
        bias_init: Some(DistributionGenerator::uniform(-0.5, 0.5)),
        resist_scale: 1.7,
        p_conn,
        mask,
        batch_size: b,
        key: Some(Key::from_seed(11)),
        storage: storage.into(),
        ..Default::default()
    }
}

fn synapse(class: Class, shape: (usize, usize), d: DenseParams) -> Box<dyn Component> {
    match class {
        Class::Dense => Box::new(DenseSynapse::new("W", shape, d).unwrap()),
        Class::Static => Box::new(StaticSynapse::new("W", shape, d).unwrap()),
        Class::Exponential => {
            let mut p = ExponentialSynapseParams::new(3.0, 0.4, Some(-5.0));
            (p.dense, p.is_nonplastic) = (d, false);
            Box::new(ExponentialSynapse::new("W", shape, p).unwrap())
        }
        Class::Alpha => {
            let mut p = AlphaSynapseParams::new(2.0, 0.7, None);
            (p.dense, p.is_nonplastic) = (d, false);
            Box::new(AlphaSynapse::new("W", shape, p).unwrap())
        }
        Class::DoubleExp => {
            let mut p = DoubleExpSynapseParams::new(4.0, 1.5, 0.9, Some(-5.0));
            (p.dense, p.is_nonplastic) = (d, false);
            Box::new(DoubleExpSynapse::new("W", shape, p).unwrap())
        }
    }
}

/// `pre` (Poisson) wired into synapse `W` (the event path) when `wired`; else the test
/// sets `W:inputs` itself.
fn model(
    class: Class,
    storage: &str,
    n: usize,
    m: usize,
    b: usize,
    wired: bool,
    mask: Option<Array2<f32>>,
) -> Model {
    let mut ctx = Context::new("sparse");
    ctx.add(PoissonCell::new("pre", n, 150.0, b, Some(Key::from_seed(5))).unwrap())
        .unwrap();
    ctx.add_boxed(synapse(class, (n, m), dense_params(storage, 0.05, b, mask)))
        .unwrap();
    if wired {
        ctx.wire("pre:outputs", "W:inputs").unwrap();
    }
    ctx.process("pre", &[("pre", Method::AdvanceState)])
        .unwrap();
    ctx.process("syn", &[("W", Method::AdvanceState)]).unwrap();
    let mut model = ctx.build().unwrap();
    model.set("pre:inputs", &Array2::ones((b, n))).unwrap();
    model
}

fn stored_sparse(m: &Model) -> bool {
    let w = m.components().find(|c| c.name() == "W").unwrap();
    w.stored_weights().unwrap().sparse().is_some()
}

fn bits(a: &Array2<f32>) -> Vec<u32> {
    a.iter().map(|v| v.to_bits()).collect()
}

/// Every array compartment of `W` in both models, bit for bit.
fn assert_same_state(sparse: &Model, dense: &Model, what: &str) {
    let (a, b) = (
        sparse.components().find(|c| c.name() == "W").unwrap(),
        dense.components().find(|c| c.name() == "W").unwrap(),
    );
    for (i, info) in a.schema().compartments.iter().enumerate() {
        if let (Some(x), Some(y)) = (a.array(i), b.array(i)) {
            assert_eq!(x.dim(), y.dim(), "{what}: {}", info.name);
            // A sparse store reads a zero weight as +0 (the sign of -0 is not kept).
            let (x, y) = match info.name {
                "weights" => (x.mapv(|v| v + 0.0), y.mapv(|v| v + 0.0)),
                _ => (x.clone(), y.clone()),
            };
            assert!(
                bits(&x) == bits(&y),
                "{what}: {} differs\n{x}\n{y}",
                info.name
            );
        }
    }
}

#[test]
fn sparse_and_dense_synapses_give_the_same_bits_on_spike_events() {
    for class in CLASSES {
        let mut sparse = model(class, "sparse", 300, 70, 2, true, None);
        let mut dense = model(class, "dense", 300, 70, 2, true, None);
        assert!(
            stored_sparse(&sparse) && !stored_sparse(&dense),
            "{class:?}"
        );
        for k in 0..200 {
            for m in [&mut sparse, &mut dense] {
                m.run_named("pre", k as f32 * DT, DT).unwrap();
                m.run_named("syn", k as f32 * DT, DT).unwrap();
            }
            assert_same_state(&sparse, &dense, &format!("{class:?} step {k}"));
        }
        let out = dense.get("W:outputs").unwrap();
        assert!(
            out.iter().any(|&v| v != 0.0),
            "{class:?}: the test drove nothing"
        );
    }
}

/// Graded inputs with zeros, negative zeros, negative values, infinities and NaN, set
/// (the scanned path), through a full mask for the dense base.
#[test]
fn sparse_and_dense_synapses_give_the_same_bits_on_graded_and_non_finite_inputs() {
    let (n, m, b) = (40, 30, 3);
    let mask = Array2::from_shape_fn((n, m), |(i, j)| ((i * 7 + j * 3) % 5) as f32 * 0.5);
    for class in CLASSES {
        for mask in [None, Some(mask.clone())] {
            let mut sparse = model(class, "sparse", n, m, b, false, mask.clone());
            let mut dense = model(class, "dense", n, m, b, false, mask.clone());
            for k in 0..40usize {
                let x =
                    Array2::from_shape_fn((b, n), |(r, i)| match (i * 13 + r * 5 + k * 7) % 17 {
                        0 => 1.0,
                        1 => -0.0,
                        2 => -2.5,
                        3 => 0.75,
                        4 if k == 9 => f32::INFINITY,
                        5 if k == 21 => f32::NAN,
                        6 if k == 30 => f32::NEG_INFINITY,
                        _ => 0.0,
                    });
                for model in [&mut sparse, &mut dense] {
                    model.set("W:inputs", &x).unwrap();
                    model.run_named("syn", k as f32 * DT, DT).unwrap();
                }
                let what = format!("{class:?} (mask: {}) step {k}", mask.is_some());
                assert_same_state(&sparse, &dense, &what);
            }
        }
    }
}

#[test]
fn auto_storage_is_sparse_for_a_sparse_connectivity_and_dense_otherwise() {
    for class in CLASSES {
        let build = |p_conn: f32| {
            let mut ctx = Context::new("auto");
            ctx.add_boxed(synapse(
                class,
                (200, 100),
                dense_params("auto", p_conn, 1, None),
            ))
            .unwrap();
            ctx.build().unwrap()
        };
        assert!(stored_sparse(&build(0.02)), "{class:?} at p_conn 0.02");
        assert!(!stored_sparse(&build(0.5)), "{class:?} at p_conn 0.5");
        assert!(!stored_sparse(&build(1.0)), "{class:?} at p_conn 1");
    }
}

/// The weights read back as the dense matrix, bit for bit; a write makes the store
/// dense and the synapse decides again (sparse again when the new weights are sparse).
#[test]
fn sparse_weights_read_and_write_as_the_dense_matrix() {
    let mut sparse = model(Class::Exponential, "auto", 100, 50, 1, false, None);
    let dense = model(Class::Exponential, "dense", 100, 50, 1, false, None);
    assert!(stored_sparse(&sparse));
    let w = dense.get("W:weights").unwrap().mapv(|v| v + 0.0);
    assert_eq!(bits(&sparse.get("W:weights").unwrap()), bits(&w));
    sparse
        .set("W:weights", &Array2::<f32>::ones((100, 50)))
        .unwrap();
    assert!(!stored_sparse(&sparse));
    sparse.set("W:weights", &w).unwrap();
    assert!(stored_sparse(&sparse));
    assert_eq!(bits(&sparse.get("W:weights").unwrap()), bits(&w));
}

#[test]
fn an_unknown_storage_is_a_typed_error_naming_the_synapse() {
    let err = DenseSynapse::new("W", (3, 3), dense_params("csr", 1.0, 1, None)).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("W") && text.contains("storage"), "{text}");
}

/// A connection rule builds the synapse sparse, never dense; a rule without multapses
/// gives the same bits as the dense matrix of the same weights.
#[test]
fn a_connection_rule_builds_a_sparse_synapse_equal_to_its_dense_matrix() {
    use ngclearn::utils::connection::Connection;
    let rule: Connection = serde_json::from_value(serde_json::json!({
        "rule": "fixed_indegree", "indegree": 15, "multapses": false, "autapses": false,
        "weight": {"dist": "normal", "mean": 0.5, "std": 0.2, "low": 0.0}
    }))
    .unwrap();
    for class in CLASSES {
        let mut d = dense_params("auto", 1.0, 2, None);
        (d.weight_init, d.connect) = (None, Some(rule.clone()));
        let sparse = synapse(class, (300, 300), d);
        let csr = sparse.stored_weights().unwrap().sparse().unwrap();
        assert_eq!(csr.nnz(), 15 * 300, "{class:?}");
        // The same weights, dense, in a synapse that stores them dense.
        let w = sparse
            .array(
                sparse
                    .schema()
                    .compartments
                    .iter()
                    .position(|c| c.name == "weights")
                    .unwrap(),
            )
            .unwrap()
            .clone();
        let mut ctx = Context::new("rule");
        ctx.add(PoissonCell::new("pre", 300, 150.0, 2, Some(Key::from_seed(5))).unwrap())
            .unwrap();
        ctx.add_boxed(sparse).unwrap();
        ctx.wire("pre:outputs", "W:inputs").unwrap();
        ctx.process("pre", &[("pre", Method::AdvanceState)])
            .unwrap();
        ctx.process("syn", &[("W", Method::AdvanceState)]).unwrap();
        let mut a = ctx.build().unwrap();
        let mut b = model(class, "dense", 300, 300, 2, true, None);
        b.set("W:weights", &w).unwrap();
        for m in [&mut a, &mut b] {
            m.set("pre:inputs", &Array2::ones((2, 300))).unwrap();
        }
        for k in 0..50 {
            for m in [&mut a, &mut b] {
                m.run_named("pre", k as f32 * DT, DT).unwrap();
                m.run_named("syn", k as f32 * DT, DT).unwrap();
            }
            assert_same_state(&a, &b, &format!("{class:?} step {k}"));
        }
    }
}

#[test]
fn a_connection_rule_with_p_conn_or_dense_storage_is_a_typed_error() {
    use ngclearn::utils::connection::Connection;
    let rule: Connection =
        serde_json::from_value(serde_json::json!({"rule": "all_to_all"})).unwrap();
    let mut d = dense_params("dense", 1.0, 1, None);
    (d.weight_init, d.connect) = (None, Some(rule.clone()));
    let err = StaticSynapse::new("Wq", (3, 3), d).unwrap_err().to_string();
    assert!(err.contains("Wq") && err.contains("storage"), "{err}");
    let mut d = dense_params("auto", 0.5, 1, None);
    (d.weight_init, d.connect) = (None, Some(rule));
    let err = StaticSynapse::new("Wq", (3, 3), d).unwrap_err().to_string();
    assert!(err.contains("p_conn"), "{err}");
}

/// A recurrent E-I network whose synapses a connection rule draws (multapses, normal
/// weights, delays of their own on two of them) and a p_conn synapse stored sparse, as
/// a model file.
fn recurrent_model_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::from("name = \"rec\"\nreset = true\nseed = 3\n\n");
    for (p, n) in [("E", 120), ("I", 30)] {
        text += &format!(
            "[[component]]\nname = \"{p}\"\nclass = \"LIFCell\"\nn_units = {n}\ntau_m = 20.0\nthr = -50.0\n\
             v_rest = -45.0\nv_reset = -60.0\ntau_theta = 0.0\ntheta_plus = 0.0\nrefract_time = 5.0\n\n"
        );
    }
    for (pre, post, n_pre, n_post, rest, connect) in [
        ("E", "E", 120, 120, 0.0, "connect = { rule = \"fixed_indegree\", indegree = 12, autapses = false, weight = { dist = \"normal\", mean = 0.3, std = 0.1, low = 0.0 }, delay = { dist = \"normal\", mean = 1.5, std = 0.75, low = 0.1 } }"),
        ("E", "I", 120, 30, 0.0, "connect = { rule = \"fixed_total_number\", n = 400, weight = { dist = \"uniform\", low = 0.2, high = 0.4 } }"),
        ("I", "E", 30, 120, -80.0, "p_conn = 0.1\nweight_init = { dist = \"uniform\", low = 1.0, high = 2.0 }"),
        ("I", "I", 30, 30, -80.0, "connect = { rule = \"pairwise_bernoulli\", p = 0.1, delay = { dist = \"uniform\", low = 0.1, high = 0.5 } }"),
    ] {
        text += &format!(
            "[[component]]\nname = \"W{pre}{post}\"\nclass = \"ExponentialSynapse\"\nshape = [{n_pre}, {n_post}]\n\
             tau_decay = 5.0\ng_syn_bar = 1.0\nsyn_rest = {rest}\nis_nonplastic = false\n{connect}\n\n\
             [[wire]]\nsource = \"{pre}:s\"\ntarget = \"W{pre}{post}:inputs\"\n\n\
             [[wire]]\nsource = \"{post}:v\"\ntarget = \"W{pre}{post}:v\"\n\n"
        );
    }
    text += "[[wire]]\nsum = [\"WEE:i_syn\", \"WIE:i_syn\"]\ntarget = \"E:j\"\n\n\
             [[wire]]\nsum = [\"WEI:i_syn\", \"WII:i_syn\"]\ntarget = \"I:j\"\n\n\
             [process]\nadvance_proc = [\"WEE\", \"WEI\", \"WIE\", \"WII\", \"E\", \"I\"]\n\
             reset_proc = [\"WEE.reset\", \"WEI.reset\", \"WIE.reset\", \"WII.reset\", \"E.reset\", \"I.reset\"]\n\n\
             [initial]\n\"E:v\" = { dist = \"uniform\", low = -60.0, high = -50.0, seed = 1 }\n\
             \"I:v\" = { dist = \"uniform\", low = -60.0, high = -50.0, seed = 2 }\n";
    let path = dir.join("rec.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_network_of_connection_rules_split_across_ranks_gives_the_whole_networks_spikes() {
    use ngclearn::io::model_file::load_model_file;
    let dir = std::env::temp_dir().join(format!("ngc-sparse-ranks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = recurrent_model_file(&dir);
    let mut whole = load_model_file(&path).unwrap();
    for w in ["WEE", "WEI", "WIE", "WII"] {
        let c = whole.components().find(|c| c.name() == w).unwrap();
        assert!(
            c.stored_weights().unwrap().sparse().is_some(),
            "{w} is stored sparse"
        );
    }
    let paths = ["E:s".to_string(), "I:s".to_string()];
    let want = spikes_of(&mut whole, &paths, 400);
    let total: f32 = want.iter().flatten().map(|a| a.sum()).sum();
    assert!(total > 100.0, "the network spikes ({total})");
    // Splitting read each synapse's shape, not a dense copy of its weights (a block of
    // a large model would hold gigabytes).
    let no_dense_view = |m: &Model| {
        for c in m.components() {
            if let Some(csr) = c.stored_weights().and_then(|w| w.sparse()) {
                let stored = 8 * csr.nnz()
                    + 8 * csr.indptr.len()
                    + csr.delays.as_ref().map_or(0, |d| d.len());
                let held = c.stored_weights().unwrap().bytes();
                assert_eq!(held, stored as u64, "{} holds no dense view", c.name());
            }
        }
    };
    for n in [2, 3] {
        for run in spikes_on_thread_ranks(&path, n, &["E:s", "I:s"], 400, no_dense_view) {
            assert!(
                run == want,
                "{n} ranks: the spikes differ from the whole network's"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A saved model's sparse synapses are read back sparse, straight from the file (the
/// dense matrix is never held), with the saved weights, and continue the run bit for
/// bit; a dense one stays dense.
#[test]
fn a_saved_model_loads_its_sparse_synapses_sparse_and_continues_the_same() {
    use ngclearn::io::{load_model_dir, save_model_dir};
    let dir = std::env::temp_dir().join(format!("ngc-sparse-saved-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = recurrent_model_file(&dir);
    // Without the delays, so that the synapses are saved in ngclearn's dense form
    // (delays take the sparse form: the next test).
    let text = std::fs::read_to_string(&path).unwrap();
    let text: String = text.lines().map(|l| match l.find(", delay = {") {
        Some(at) => format!("{} }}", &l[..at]),
        None => l.to_string(),
    } + "\n").collect();
    std::fs::write(&path, text).unwrap();
    let mut m = ngclearn::io::model_file::load_model_file(&path).unwrap();
    let paths = ["E:s".to_string(), "I:s".to_string()];
    spikes_of(&mut m, &paths, 100);
    // One synapse made dense by its weights (all non-zero).
    m.set("WEI:weights", &Array2::from_elem((120, 30), 0.01))
        .unwrap();
    save_model_dir(&m, &dir.join("saved"), false).unwrap();
    let mut back = load_model_dir(&dir.join("saved")).unwrap();
    for (w, sparse) in [("WEE", true), ("WEI", false), ("WIE", true), ("WII", true)] {
        let c = back.components().find(|c| c.name() == w).unwrap();
        assert_eq!(
            c.stored_weights().unwrap().sparse().is_some(),
            sparse,
            "{w}"
        );
        let path = format!("{w}:weights");
        assert_eq!(back.get(&path).unwrap(), m.get(&path).unwrap(), "{w}");
    }
    assert!(spikes_of(&mut back, &paths, 300) == spikes_of(&mut m, &paths, 300));
    std::fs::remove_dir_all(&dir).ok();
}

/// A model whose synapses have delays or multapses is saved with them in the sparse
/// form (scipy's CSR arrays and the delays) and loads back with the same synapses, the
/// same background key, and the same run (a saved model does not hold the inputs in
/// flight); the others stay in ngclearn's form.
#[test]
fn a_model_with_delays_saves_its_synapses_in_the_sparse_form_and_loads_them_back() {
    use ngclearn::io::npz::read_npz;
    use ngclearn::io::{load_model_dir, save_model_dir};
    let dir = std::env::temp_dir().join(format!("ngc-sparse-delays-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = recurrent_model_file(&dir);
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "name = \"WEE\"\nclass = \"ExponentialSynapse\"\n",
        "name = \"WEE\"\nclass = \"ExponentialSynapse\"\nbackground = { rate = 500.0, weight = 0.2 }\n",
    );
    std::fs::write(&path, text).unwrap();
    let mut m = ngclearn::io::model_file::load_model_file(&path).unwrap();
    let paths = ["E:s".to_string(), "I:s".to_string()];
    spikes_of(&mut m, &paths, 100);
    save_model_dir(&m, &dir.join("saved"), false).unwrap();
    let names = |w: &str| -> Vec<String> {
        read_npz(&saved_npz(&dir.join("saved"), w))
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    };
    // WEE and WII have delays, WEI multapses (fixed_total_number draws some pairs
    // twice); WIE (p_conn) fits ngclearn's dense form.
    for (w, sparse, delays) in [
        ("WEE", true, true),
        ("WEI", true, false),
        ("WIE", false, false),
        ("WII", true, true),
    ] {
        let n = names(w);
        assert_eq!(
            n.contains(&"weights.indptr".to_string()),
            sparse,
            "{w}: {n:?}"
        );
        assert_eq!(
            n.contains(&"weights.delays".to_string()),
            delays,
            "{w}: {n:?}"
        );
        assert_eq!(n.contains(&"weights".to_string()), !sparse, "{w}: {n:?}");
    }
    let back = load_model_dir(&dir.join("saved")).unwrap();
    for w in ["WEE", "WEI", "WIE", "WII"] {
        let stored = |m: &Model| {
            let c = m.components().find(|c| c.name() == w).unwrap();
            c.stored_weights().unwrap().sparse().cloned()
        };
        assert_eq!(stored(&back), stored(&m), "{w}'s stored synapses");
        let path = format!("{w}:weights");
        assert_eq!(back.get(&path).unwrap(), m.get(&path).unwrap(), "{w}");
    }
    // The same run from a save made before the first step (nothing in flight; a save
    // made mid-run is `a_delayed_network_saved_mid_run_continues_as_it_would_have`).
    let mut fresh = ngclearn::io::model_file::load_model_file(&path).unwrap();
    save_model_dir(&fresh, &dir.join("fresh"), false).unwrap();
    let mut fresh_back = load_model_dir(&dir.join("fresh")).unwrap();
    let (a, b) = (
        spikes_of(&mut fresh_back, &paths, 300),
        spikes_of(&mut fresh, &paths, 300),
    );
    assert!(
        a.iter().flatten().map(|x| x.sum()).sum::<f32>() > 50.0,
        "the network spikes"
    );
    assert!(a == b, "the loaded model runs as the saved one");
    std::fs::remove_dir_all(&dir).ok();
}

/// A synapse saved in the sparse form is built with its weights undrawn when loaded, as
/// one saved dense is: loading a 30,000 x 30,000 synapse of 60,000 synapses does not
/// draw its 3.6 GB dense matrix first (it did: the sparse entries were taken for a
/// class's own saved form).
#[test]
#[cfg(target_os = "linux")]
fn a_sparse_saved_synapse_is_loaded_without_drawing_dense_weights() {
    use ngclearn::io::{load_model_dir, save_model_dir};
    let peak_kb = || {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .unwrap()
            .to_string();
        line.split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let dir = std::env::temp_dir().join(format!("ngc-sparse-undrawn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let n = 30_000;
    let text = format!(
        "name = \"big\"\nseed = 3\n\n\
         [[component]]\nname = \"A\"\nclass = \"LIFCell\"\nn_units = {n}\ntau_m = 10.0\n\n\
         [[component]]\nname = \"W\"\nclass = \"ExponentialSynapse\"\nshape = [{n}, {n}]\n\
         tau_decay = 2.0\ng_syn_bar = 1.0\nis_nonplastic = false\n\
         connect = {{ rule = \"fixed_indegree\", indegree = 2, weight = 0.5, delay = 0.3 }}\n\n\
         [[wire]]\nsource = \"A:s\"\ntarget = \"W:inputs\"\n\n\
         [[wire]]\nsource = \"W:i_syn\"\ntarget = \"A:j\"\n\n\
         [process]\nadvance_proc = [\"W\", \"A\"]\n"
    );
    let path = dir.join("big.toml");
    std::fs::write(&path, text).unwrap();
    let m = ngclearn::io::model_file::load_model_file(&path).unwrap();
    save_model_dir(&m, &dir.join("saved"), false).unwrap();
    drop(m);
    let before = peak_kb();
    let back = load_model_dir(&dir.join("saved")).unwrap();
    let grown = peak_kb().saturating_sub(before);
    let c = back.components().find(|c| c.name() == "W").unwrap();
    assert_eq!(c.stored_weights().unwrap().sparse().unwrap().nnz(), 2 * n);
    // The dense matrix would be 3,600,000 KB; the synapse itself is under 2,000.
    assert!(grown < 500_000, "loading grew the peak by {grown} KB");
    std::fs::remove_dir_all(&dir).ok();
}

/// The npz of component `name` in the saved model directory `saved`.
fn saved_npz(saved: &std::path::Path, name: &str) -> std::path::PathBuf {
    saved
        .join("component")
        .join("custom")
        .join(format!("{name}.npz"))
}

/// Writes `arrays` as the saved synapse `WEE`'s npz (at `npz`) and checks that loading
/// the model at `saved` is refused with an error naming the file and `says`.
fn refused_by_entry(
    saved: &std::path::Path,
    npz: &std::path::Path,
    arrays: &[(String, ngclearn::io::npz::NpyArray)],
    entry: &str,
    says: &str,
) {
    ngclearn::io::npz::write_npz(npz, arrays).unwrap();
    let e = match ngclearn::io::load_model_dir(saved) {
        Ok(_) => panic!("{entry}: a broken file loads"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("WEE.npz") && e.contains(says), "{entry}: {e}");
}

/// A model saved mid-run holds its delayed synapses' inputs in flight: loaded, it
/// continues as the model it was saved from; broken entries of them are typed errors
/// naming the file and the entry.
#[test]
fn a_delayed_network_saved_mid_run_continues_as_it_would_have() {
    use ngclearn::io::npz::{read_npz, NpyArray};
    use ngclearn::io::{load_model_dir, save_model_dir};
    let dir = std::env::temp_dir().join(format!("ngc-sparse-flight-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut m = ngclearn::io::model_file::load_model_file(&recurrent_model_file(&dir)).unwrap();
    let paths = ["E:s".to_string(), "I:s".to_string()];
    spikes_of(&mut m, &paths, 150);
    save_model_dir(&m, &dir.join("saved"), false).unwrap();
    let mut back = load_model_dir(&dir.join("saved")).unwrap();
    let in_flight = |m: &Model, w: &str| {
        let c = m.components().find(|c| c.name() == w).unwrap();
        c.in_flight()
    };
    for w in ["WEE", "WII"] {
        let f = in_flight(&m, w).expect("a synapse with delays");
        assert!(
            f.steps.iter().any(|s| !s.is_empty()),
            "{w}: spikes in flight"
        );
        assert_eq!(in_flight(&back, w), Some(f), "{w}");
    }
    let want = spikes_of(&mut m, &paths, 300);
    assert!(want.iter().flatten().map(|x| x.sum()).sum::<f32>() > 50.0);
    assert!(
        spikes_of(&mut back, &paths, 300) == want,
        "the loaded model continues as the saved one"
    );

    let npz = saved_npz(&dir.join("saved"), "WEE");
    let original = read_npz(&npz).unwrap();
    let ints = |v: Vec<u32>| {
        NpyArray::U32(ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[v.len()]), v).unwrap())
    };
    for (entry, says) in [
        ("in_flight.index", "in_flight.index"),
        ("in_flight.counts", "in_flight.counts"),
        ("in_flight.value", "in_flight.index"),
        // Counts whose sum passes 2^64.
        ("in_flight.counts.huge", "in_flight.counts"),
    ] {
        let arrays: Vec<(String, NpyArray)> = original
            .iter()
            .map(|(name, a)| {
                let a = match name.as_str() {
                    "in_flight.counts" if entry == "in_flight.counts.huge" => {
                        let v = vec![i64::MAX; a.shape()[0].max(2)];
                        NpyArray::I64(
                            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[v.len()]), v).unwrap(),
                        )
                    }
                    n if n != entry => a.clone(),
                    "in_flight.index" => ints(vec![1 << 20; a.shape()[0]]),
                    "in_flight.counts" => ints(vec![1; a.shape()[0]]),
                    _ => NpyArray::F32(ndarray::ArrayD::zeros(ndarray::IxDyn(&[1]))),
                };
                (name.clone(), a)
            })
            .collect();
        refused_by_entry(&dir.join("saved"), &npz, &arrays, entry, says);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Weights in the sparse form that do not hold together are typed errors naming the
/// file and the entry, and nothing is built.
#[test]
fn broken_sparse_weights_are_refused_by_entry() {
    use ngclearn::io::npz::{read_npz, NpyArray};
    use ngclearn::io::save_model_dir;
    let dir = std::env::temp_dir().join(format!("ngc-sparse-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let m = ngclearn::io::model_file::load_model_file(&recurrent_model_file(&dir)).unwrap();
    save_model_dir(&m, &dir.join("saved"), false).unwrap();
    let npz = saved_npz(&dir.join("saved"), "WEE");
    let original = read_npz(&npz).unwrap();
    // Each time one integer part is rewritten with broken values (as uint32, which the
    // reader also takes).
    for (entry, says) in [
        ("weights.indptr", "weights.indptr"),
        ("weights.indices", "weights.indices"),
        ("weights.delays", "weights.delays"),
        ("weights.shape", "weights.shape"),
        ("weights.data", "weights.data"),
    ] {
        let mut arrays: Vec<(String, NpyArray)> = Vec::new();
        for (name, a) in &original {
            let a = match (name.as_str(), a) {
                ("weights.data", _) if entry == "weights.data" => {
                    NpyArray::F32(ndarray::ArrayD::zeros(ndarray::IxDyn(&[1])))
                }
                (n, a) if n == entry => {
                    let len = a.shape()[0];
                    let v: Vec<u32> = match n {
                        "weights.indptr" => (0..len as u32).rev().collect(),
                        "weights.indices" => vec![1000; len],
                        "weights.delays" => vec![0; len],
                        _ => vec![7, 7],
                    };
                    NpyArray::U32(
                        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[v.len()]), v).unwrap(),
                    )
                }
                _ => a.clone(),
            };
            arrays.push((name.clone(), a));
        }
        refused_by_entry(&dir.join("saved"), &npz, &arrays, entry, says);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A synapse whose every delay is `k` steps gives, from rest, the conductance of the
/// same synapse without delays `k - 1` steps later, bit for bit.
#[test]
fn a_constant_delay_shifts_the_conductance_by_its_steps() {
    use ngclearn::utils::connection::Connection;
    let (n, m, k) = (200, 60, 5usize);
    let rule = |delay: Option<f64>| -> Connection {
        let mut c = serde_json::json!({"rule": "fixed_indegree", "indegree": 20,
            "weight": {"dist": "uniform", "low": 0.1, "high": 1.0}});
        if let Some(d) = delay {
            c["delay"] = serde_json::json!({"dist": "constant", "value": d});
        }
        serde_json::from_value(c).unwrap()
    };
    let build = |delay: Option<f64>| {
        let mut p = ExponentialSynapseParams::new(3.0, 0.4, None);
        p.is_nonplastic = false;
        p.dense.key = Some(Key::from_seed(3));
        p.dense.connect = Some(rule(delay));
        let mut ctx = Context::new("delay");
        ctx.add(ExponentialSynapse::new("W", (n, m), p).unwrap())
            .unwrap();
        ctx.process("syn", &[("W", Method::AdvanceState)]).unwrap();
        ctx.build().unwrap()
    };
    let mut plain = build(None);
    let mut late = build(Some(k as f64 * 0.1));
    let (mut g_plain, mut g_late) = (Vec::new(), Vec::new());
    for t in 0..120usize {
        let x = Array2::from_shape_fn((1, n), |(_, i)| {
            if (i * 7 + t * 13) % 23 == 0 && t < 80 {
                1.0
            } else {
                0.0
            }
        });
        for (model, out) in [(&mut plain, &mut g_plain), (&mut late, &mut g_late)] {
            model.set("W:inputs", &x).unwrap();
            model.run_named("syn", t as f32 * DT, DT).unwrap();
            out.push(model.get("W:g_syn").unwrap());
        }
    }
    for t in 0..120 {
        if t < k - 1 {
            assert!(
                g_late[t].iter().all(|&g| g == 0.0),
                "step {t}: nothing has arrived"
            );
        } else {
            assert!(bits(&g_late[t]) == bits(&g_plain[t - (k - 1)]), "step {t}");
        }
    }
    assert!(g_plain[10].iter().any(|&g| g != 0.0));
}

/// Mixed delays against the sums made by hand: each input of step `t` through synapse
/// `e` reaches step `t + delay(e) - 1`, added in the order the inputs arrived.
#[test]
fn mixed_delays_deliver_each_input_at_its_own_step() {
    // Delays of up to 8 steps, and of up to 25 (longer than the steps summed ahead).
    for high in [0.8, 2.5] {
        mixed_delays_case(high);
    }
}

fn mixed_delays_case(high: f64) {
    use ngclearn::utils::connection::Connection;
    let (n, m) = (30, 12);
    let rule: Connection = serde_json::from_value(serde_json::json!({
        "rule": "fixed_total_number", "n": 150,
        "weight": {"dist": "normal", "mean": 0.0, "std": 1.0},
        "delay": {"dist": "uniform", "low": 0.1, "high": high}
    }))
    .unwrap();
    let mut d = dense_params("auto", 1.0, 1, None);
    (d.weight_init, d.bias_init, d.connect) = (None, None, Some(rule));
    let syn = StaticSynapse::new("W", (n, m), d).unwrap();
    let csr = syn.stored_weights().unwrap().sparse().unwrap().clone();
    let delays = csr.delays.clone().expect("the rule drew delays");
    assert!(delays.iter().any(|&d| d > 1) && delays.contains(&1));
    let mut ctx = Context::new("mixed");
    ctx.add(syn).unwrap();
    ctx.process("syn", &[("W", Method::AdvanceState)]).unwrap();
    let mut model = ctx.build().unwrap();
    let steps = 90;
    let mut want = vec![vec![0.0f32; m]; steps + 30];
    for t in 0..steps {
        let x: Array2<f32> = Array2::from_shape_fn((1, n), |(_, i)| match (i * 5 + t * 3) % 11 {
            0 => 1.0,
            1 => -0.5,
            _ => 0.0,
        });
        for i in 0..n {
            let s: f32 = x[[0, i]];
            if s == 0.0 {
                continue;
            }
            let row = csr.indptr[i]..csr.indptr[i + 1];
            for ((&d, &j), &w) in delays[row.clone()]
                .iter()
                .zip(&csr.indices[row.clone()])
                .zip(&csr.data[row])
            {
                let (at, j) = (t + d as usize - 1, j as usize);
                want[at][j] = s.mul_add(w, want[at][j]);
            }
        }
        model.set("W:inputs", &x).unwrap();
        model.run_named("syn", t as f32 * DT, DT).unwrap();
        let got = model.get("W:outputs").unwrap();
        let expect: Vec<f32> = want[t].iter().map(|&v| v.mul_add(1.7, 0.0)).collect();
        assert_eq!(
            got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            expect.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "step {t} (delays up to {high} ms)"
        );
    }
}

/// A model's state keeps a synapse's weights as stored (sparse, with their delays): a
/// run from a state and back (a scan's round trip) keeps the delays and the numbers.
/// (A state holds no inputs in flight: putting one back empties them, as at the start.)
#[test]
fn a_state_round_trip_keeps_sparse_weights_and_their_delays() {
    let dir = std::env::temp_dir().join(format!("ngc-sparse-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = recurrent_model_file(&dir);
    let mut m = ngclearn::io::model_file::load_model_file(&path).unwrap();
    let paths = ["E:s".to_string(), "I:s".to_string()];
    let start = m.state();
    let first = spikes_of(&mut m, &paths, 150);
    let mut end = start.clone();
    m.swap_state(&mut end).unwrap();
    let c = m.components().find(|c| c.name() == "WEE").unwrap();
    assert!(
        c.stored_weights()
            .unwrap()
            .sparse()
            .unwrap()
            .delays
            .is_some(),
        "the delays are kept"
    );
    assert!(
        spikes_of(&mut m, &paths, 150) == first,
        "the same run again from the same state"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A state taken mid-run holds the inputs in flight: a run in two halves, the second
/// started from the first's final state (as a package scan hands it back and takes
/// it), gives the spikes of one run, where the spikes in flight at the cut matter.
#[test]
fn a_run_cut_in_two_through_a_state_keeps_the_inputs_in_flight() {
    let dir = std::env::temp_dir().join(format!("ngc-sparse-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = recurrent_model_file(&dir);
    let paths = ["E:s".to_string(), "I:s".to_string()];
    let mut whole = ngclearn::io::model_file::load_model_file(&path).unwrap();
    let want = spikes_of(&mut whole, &paths, 300);
    let mut m = ngclearn::io::model_file::load_model_file(&path).unwrap();
    let start = m.state();
    let mut got = spikes_of(&mut m, &paths, 150);
    // Hand the final state out and put the start back, as a scan does; then start again
    // from the final state.
    let mut mid = start.clone();
    m.swap_state(&mut mid).unwrap();
    m.set_state(&mid).unwrap();
    let adv = m.process_id("advance_proc").unwrap();
    for k in 150..300 {
        m.run(adv, (k + 1) as f32 * 0.1, 0.1).unwrap();
        got.push(paths.iter().map(|p| m.get(p).unwrap()).collect());
    }
    let spikes = |s: &[Vec<Array2<f32>>]| s.iter().flatten().map(|a| a.sum()).sum::<f32>();
    assert!(spikes(&want[150..]) > 20.0, "the second half spikes");
    assert!(got == want, "the cut run differs from the whole one");
    std::fs::remove_dir_all(&dir).ok();
}
