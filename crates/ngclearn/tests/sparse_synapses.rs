//! Sparse synapses: weights compressed by presynaptic row give the same numbers as the
//! dense matrix, bit for bit, for every class that stores them (the dense base, the
//! static synapse and the exponential, alpha and double-exponential conductances), on
//! the event path (spikes wired from an encoder) and on the scanned path (graded
//! inputs, set), with non-finite inputs, masks, biases and batches.

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

#[test]
fn learning_synapses_keep_a_dense_matrix() {
    let mut p = TraceSTDPSynapseParams::new(0.1, 0.1);
    p.p_conn = 0.02;
    let syn = TraceSTDPSynapse::new("W", (100, 100), p).unwrap();
    assert!(syn.stored_weights().is_none_or(|w| w.sparse().is_none()));
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
