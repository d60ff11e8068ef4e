//! A learning rule's statistics (`pre`, `post` of HebbianPatchedSynapse and
//! GerstnerHebbianSynapse) take another batch than the synapse's `batch_size`, as
//! ngclearn's shape-agnostic arrays do (ngc-learn's own test sets ten rows on a synapse
//! of batch 1): the rule then needs both to hold the same batch, a typed error before
//! the next run otherwise; a wire's source keeps its shape; reset gives them their
//! `batch_size` rows back; a model saved or a state taken with another batch comes
//! back with it.

mod common;

use common::scratch;
use ndarray::Array2;
use ngclearn::components::synapses::patched::{HebbianPatchedSynapse, HebbianPatchedSynapseParams};
use ngclearn::io::{load_model_dir, save_model_dir};
use ngclearn::prelude::*;

fn synapse(name: &str) -> HebbianPatchedSynapse {
    let mut p = HebbianPatchedSynapseParams::new();
    p.n_sub_models = 2;
    p.eta = 0.1;
    p.key = Some(Key::from_seed(3));
    HebbianPatchedSynapse::new(name, (8, 8), p).unwrap()
}

fn model() -> Model {
    let mut ctx = Context::new("rows");
    ctx.add(synapse("W")).unwrap();
    ctx.process(
        "learn",
        &[("W", Method::AdvanceState), ("W", Method::Evolve)],
    )
    .unwrap();
    ctx.process("rst", &[("W", Method::Reset)]).unwrap();
    ctx.build().unwrap()
}

fn filled(rows: usize, v: f32) -> Array2<f32> {
    Array2::from_elem((rows, 8), v)
}

#[test]
fn statistics_take_another_batch_and_a_mismatch_is_a_typed_error_before_the_run() {
    let mut m = model();
    m.set("W:pre", &filled(3, 0.5)).unwrap();
    assert_eq!(m.get("W:pre").unwrap().dim(), (3, 8));
    let e = m.run_named("learn", 0.0, 1.0).unwrap_err();
    assert!(
        matches!(e, Error::ShapeMismatch { ref path, .. } if path == "W:post"),
        "{e}"
    );
    // The weights did not move.
    let w0 = m.get("W:weights").unwrap();
    m.set("W:post", &filled(3, 0.25)).unwrap();
    m.run_named("learn", 0.0, 1.0).unwrap();
    assert_ne!(m.get("W:weights").unwrap(), w0);
    // Another number of columns, zero rows, or the inputs (not statistics) are refused.
    assert!(m.set("W:pre", &Array2::<f32>::zeros((3, 7))).is_err());
    assert!(m.set("W:pre", &Array2::<f32>::zeros((0, 8))).is_err());
    assert!(m.set("W:inputs", &filled(3, 1.0)).is_err());
}

#[test]
fn a_statistic_read_by_a_wire_keeps_its_shape() {
    let mut ctx = Context::new("wired");
    ctx.add(synapse("A")).unwrap();
    ctx.add(synapse("B")).unwrap();
    ctx.wire("A:pre", "B:pre").unwrap();
    ctx.process("learn", &[("B", Method::Evolve)]).unwrap();
    let mut m = ctx.build().unwrap();
    let e = m.set("A:pre", &filled(3, 1.0)).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    m.run_named("learn", 0.0, 1.0).unwrap();
}

#[test]
fn reset_gives_the_statistics_their_batch_rows_back() {
    let mut m = model();
    m.set("W:pre", &filled(4, 1.0)).unwrap();
    m.set("W:post", &filled(4, 1.0)).unwrap();
    m.run_named("rst", 0.0, 1.0).unwrap();
    assert_eq!(m.get("W:pre").unwrap(), Array2::<f32>::zeros((1, 8)));
    assert_eq!(m.get("W:post").unwrap(), Array2::<f32>::zeros((1, 8)));
}

#[test]
fn a_model_saved_and_a_state_taken_with_another_batch_come_back_with_it() {
    let mut m = model();
    m.set("W:pre", &filled(5, 0.5)).unwrap();
    m.set("W:post", &filled(5, 0.75)).unwrap();
    let state = m.state();
    let dir = scratch("any_rows_saved").join("m");
    save_model_dir(&m, &dir, false).unwrap();
    let mut loaded = load_model_dir(&dir).unwrap();
    assert_eq!(loaded.get("W:pre").unwrap(), filled(5, 0.5));
    assert_eq!(loaded.get("W:post").unwrap(), filled(5, 0.75));
    loaded.run_named("learn", 0.0, 1.0).unwrap();
    m.run_named("learn", 0.0, 1.0).unwrap();
    assert_eq!(
        loaded.get("W:weights").unwrap(),
        m.get("W:weights").unwrap()
    );
    // Back to one row, then the state of five rows is put back.
    m.run_named("rst", 0.0, 1.0).unwrap();
    m.set_state(&state).unwrap();
    assert_eq!(m.get("W:pre").unwrap(), filled(5, 0.5));
}

#[test]
fn a_loaded_model_whose_statistics_disagree_is_a_typed_error_at_its_first_run() {
    let mut m = model();
    m.set("W:pre", &filled(5, 0.5)).unwrap(); // post keeps its one row
    let dir = scratch("any_rows_disagree").join("m");
    save_model_dir(&m, &dir, false).unwrap();
    let mut loaded = load_model_dir(&dir).unwrap();
    let e = loaded.run_named("learn", 0.0, 1.0).unwrap_err();
    assert!(
        matches!(e, Error::ShapeMismatch { ref path, .. } if path == "W:post"),
        "{e}"
    );
    // A state of other rows put back is checked as well.
    let mut m = model();
    m.set("W:pre", &filled(2, 0.5)).unwrap();
    m.set("W:post", &filled(2, 0.5)).unwrap();
    let two = m.state();
    m.run_named("rst", 0.0, 1.0).unwrap();
    m.set("W:post", &filled(3, 0.5)).unwrap();
    m.set_state(&two).unwrap();
    m.run_named("learn", 0.0, 1.0).unwrap();
}
