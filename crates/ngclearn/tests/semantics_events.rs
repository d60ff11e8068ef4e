//! Spikes travel as events: an encoder lists the cells that fired, a wire copies only
//! those into a synapse's inputs, and the synapse sums only their rows. The numbers
//! must be exactly those of the dense path (same rows, same ascending order).

use ndarray::Array2;
use ngclearn::components::input_encoders::PARALLEL_CELLS;
use ngclearn::core::rng::RandomMode;
use ngclearn::prelude::*;

const DT: f32 = 0.1;

/// `pre` (Poisson, `n` cells, batch `b`) -> `W` (alpha, `n` x `m`, gaussian weights).
/// With `wired`, `pre:outputs` feeds `W:inputs` by a wire (the event path); without,
/// the caller copies the spikes in with `Model::set` (the dense path).
fn model(n: usize, m: usize, b: usize, freq: f32, wired: bool, mode: RandomMode) -> Model {
    let mut ctx = Context::new("ev");
    ctx.add(PoissonCell::new("pre", n, freq, b, Some(Key::from_seed(5))).unwrap())
        .unwrap();
    let mut p = AlphaSynapseParams::new(2.0, 0.7, None);
    p.is_nonplastic = false;
    p.dense.weight_init = Some(DistributionGenerator::gaussian(0.0, 1.0));
    p.dense.batch_size = b;
    p.dense.key = Some(Key::from_seed(6));
    ctx.add(AlphaSynapse::new("W", (n, m), p).unwrap()).unwrap();
    if wired {
        ctx.wire("pre:outputs", "W:inputs").unwrap();
    }
    ctx.process("pre", &[("pre", Method::AdvanceState)])
        .unwrap();
    ctx.process("syn", &[("W", Method::AdvanceState)]).unwrap();
    ctx.process("rst", &[("pre", Method::Reset), ("W", Method::Reset)])
        .unwrap();
    let mut model = ctx.build().unwrap();
    model.set_random_mode(mode);
    model.set("pre:inputs", &Array2::ones((b, n))).unwrap();
    model
}

/// One step of the event path (`wired`) or of the dense path.
fn step(m: &mut Model, wired: bool, t: f32) {
    m.run_named("pre", t, DT).unwrap();
    if !wired {
        let s = m.get("pre:outputs").unwrap();
        m.set("W:inputs", &s).unwrap();
    }
    m.run_named("syn", t, DT).unwrap();
}

/// The synapse's own `inputs` array (`Model::get` reads a wired compartment's source):
/// what a wire delivered into it.
fn own_inputs(m: &Model) -> Array2<f32> {
    let w = m.components().find(|c| c.name() == "W").unwrap();
    w.array(0).unwrap().clone()
}

/// Asserts that two conductances are bit-identical at step `k`.
fn assert_same_bits(a: &Array2<f32>, b: &Array2<f32>, k: usize) {
    let same = a.shape() == b.shape() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
    assert!(same, "step {k}: g_syn differs:\n{a}\n{b}");
}

/// The flat indices of the non-zero entries of `a`, ascending.
fn nonzero_of(a: &Array2<f32>) -> Vec<u32> {
    let flat = a.as_slice().unwrap();
    (0..flat.len() as u32)
        .filter(|&i| flat[i as usize] != 0.0)
        .collect()
}

/// Steps both paths `steps` times (resetting both halfway) and asserts that the
/// conductances are bit-identical at every step and that the encoder's event list is
/// exactly its non-zero outputs.
fn assert_same_as_dense(n: usize, m: usize, b: usize, freq: f32, mode: RandomMode, steps: usize) {
    let mut ev = model(n, m, b, freq, true, mode);
    let mut dense = model(n, m, b, freq, false, mode);
    let out = ev.compartment("pre:outputs").unwrap();
    let mut spikes = 0;
    for k in 1..=steps {
        if k == steps / 2 {
            for x in [&mut ev, &mut dense] {
                x.run_named("rst", 0.0, DT).unwrap();
                x.set("pre:inputs", &Array2::ones((b, n))).unwrap();
            }
        }
        let t = k as f32 * DT;
        step(&mut ev, true, t);
        step(&mut dense, false, t);
        let s = ev.get("pre:outputs").unwrap();
        assert_eq!(s, dense.get("pre:outputs").unwrap(), "step {k}: spikes");
        let listed = ev
            .nonzero(out)
            .unwrap()
            .expect("an encoder lists its spikes");
        assert_eq!(listed, &nonzero_of(&s)[..], "step {k}: event list");
        spikes += listed.len();
        // The wired inputs hold this step's spikes only (the last step's were cleared).
        assert_eq!(own_inputs(&ev), s, "step {k}: delivered inputs");
        // Bit-identical, not close: the same rows are added in the same order.
        assert_same_bits(
            &ev.get("W:g_syn").unwrap(),
            &dense.get("W:g_syn").unwrap(),
            k,
        );
    }
    assert!(
        spikes > 10,
        "only {spikes} spikes: the test would prove little"
    );
}

#[test]
fn events_give_the_dense_numbers_jax_mode() {
    assert_same_as_dense(300, 17, 1, 80.0, RandomMode::Jax, 400);
}

#[test]
fn events_give_the_dense_numbers_fast_mode() {
    assert_same_as_dense(300, 17, 1, 80.0, RandomMode::Fast, 400);
}

#[test]
fn events_give_the_dense_numbers_with_a_batch() {
    // Rows of the batch are flat indices b * n_pre + i: each must reach its own row.
    assert_same_as_dense(250, 9, 3, 120.0, RandomMode::Jax, 200);
    assert_same_as_dense(250, 9, 3, 120.0, RandomMode::Fast, 200);
}

#[test]
fn events_give_the_dense_numbers_for_a_parallel_population() {
    assert_same_as_dense(PARALLEL_CELLS + 100, 3, 1, 5.0, RandomMode::Jax, 30);
}

/// Writing an encoder's outputs or a synapse's inputs from outside invalidates the
/// event lists; the next steps must still be right.
#[test]
fn outside_writes_fall_back_to_the_dense_path() {
    let (n, m) = (64, 5);
    let mut ev = model(n, m, 1, 300.0, true, RandomMode::Fast);
    let mut dense = model(n, m, 1, 300.0, false, RandomMode::Fast);
    let out = ev.compartment("pre:outputs").unwrap();
    for k in 1..=60 {
        let t = k as f32 * DT;
        if k % 7 == 0 {
            // Every cell "spikes" by hand: the fast schedule's list cannot clear this.
            for x in [&mut ev, &mut dense] {
                x.set("pre:outputs", &Array2::ones((1, n))).unwrap();
            }
            assert_eq!(
                ev.nonzero(out).unwrap(),
                None,
                "a hand-written output has no list"
            );
        }
        step(&mut ev, true, t);
        step(&mut dense, false, t);
        let s = ev.get("pre:outputs").unwrap();
        assert_eq!(s, dense.get("pre:outputs").unwrap(), "step {k}");
        assert_eq!(
            ev.nonzero(out).unwrap().unwrap(),
            &nonzero_of(&s)[..],
            "step {k}"
        );
        assert_eq!(own_inputs(&ev), s, "step {k}: delivered inputs");
        assert_eq!(
            ev.get("W:g_syn").unwrap(),
            dense.get("W:g_syn").unwrap(),
            "step {k}"
        );
    }
}

/// A source that keeps no list (a Summation of two encoders) takes the dense path and
/// gives the same numbers as feeding the sum by hand.
#[test]
fn sources_without_lists_are_scanned() {
    let n = 40;
    let build = |wired: bool| {
        let mut ctx = Context::new("s");
        for (name, seed) in [("a", 1u64), ("b", 2)] {
            ctx.add(PoissonCell::new(name, n, 200.0, 1, Some(Key::from_seed(seed))).unwrap())
                .unwrap();
        }
        let mut p = AlphaSynapseParams::new(2.0, 1.0, None);
        p.dense.key = Some(Key::from_seed(3));
        ctx.add(AlphaSynapse::new("W", (n, 4), p).unwrap()).unwrap();
        if wired {
            ctx.wire(Summation::of(["a:outputs", "b:outputs"]), "W:inputs")
                .unwrap();
        }
        ctx.process(
            "pre",
            &[("a", Method::AdvanceState), ("b", Method::AdvanceState)],
        )
        .unwrap();
        ctx.process("syn", &[("W", Method::AdvanceState)]).unwrap();
        let mut m = ctx.build().unwrap();
        m.set("a:inputs", &Array2::ones((1, n))).unwrap();
        m.set("b:inputs", &Array2::ones((1, n))).unwrap();
        m
    };
    let (mut ev, mut dense) = (build(true), build(false));
    for k in 1..=100 {
        let t = k as f32 * DT;
        ev.run_named("pre", t, DT).unwrap();
        ev.run_named("syn", t, DT).unwrap();
        dense.run_named("pre", t, DT).unwrap();
        let sum = dense.get("a:outputs").unwrap() + dense.get("b:outputs").unwrap();
        dense.set("W:inputs", &sum).unwrap();
        dense.run_named("syn", t, DT).unwrap();
        assert_eq!(ev.get("W:g_syn").unwrap(), dense.get("W:g_syn").unwrap());
    }
    assert!(ev.get("W:g_syn").unwrap().sum() > 0.0);
}

/// LIF cells list their spikes too, so LIF -> synapse projections (recurrent circuits)
/// take the event path: the same numbers as feeding `s` by hand, with a batch of 2,
/// a reset, and `s` written from outside once.
#[test]
fn lif_spikes_travel_as_events() {
    let (n, m, b) = (50, 7, 2);
    let build = |wired: bool| {
        let mut ctx = Context::new("l");
        let mut p = LIFCellParams::new(10.0);
        (p.thr, p.v_rest, p.v_reset, p.refract_time) = (-55.0, -65.0, -65.0, 1.0);
        p.batch_size = b;
        ctx.add(LIFCell::new("z", n, p).unwrap()).unwrap();
        let mut p = AlphaSynapseParams::new(2.0, 0.7, Some(0.0));
        p.is_nonplastic = false;
        p.dense.weight_init = Some(DistributionGenerator::gaussian(0.0, 1.0));
        p.dense.batch_size = b;
        p.dense.key = Some(Key::from_seed(6));
        ctx.add(AlphaSynapse::new("W", (n, m), p).unwrap()).unwrap();
        if wired {
            ctx.wire("z:s", "W:inputs").unwrap();
        }
        ctx.process("pre", &[("z", Method::AdvanceState)]).unwrap();
        ctx.process("syn", &[("W", Method::AdvanceState)]).unwrap();
        ctx.process("rst", &[("z", Method::Reset), ("W", Method::Reset)])
            .unwrap();
        let mut model = ctx.build().unwrap();
        // Currents that make the cells fire at different rates, differently per row.
        let j = Array2::from_shape_fn((b, n), |(r, i)| 12.0 + 0.4 * i as f32 + 3.0 * r as f32);
        model.set("z:j", &j).unwrap();
        (model, j)
    };
    let ((mut ev, j), (mut dense, _)) = (build(true), build(false));
    let s_ref = ev.compartment("z:s").unwrap();
    let mut spikes = 0;
    for k in 1..=300 {
        let t = k as f32 * DT;
        if k == 150 {
            for x in [&mut ev, &mut dense] {
                x.run_named("rst", 0.0, DT).unwrap();
                x.set("z:j", &j).unwrap();
            }
        }
        if k == 200 {
            for x in [&mut ev, &mut dense] {
                x.set("z:s", &Array2::ones((b, n))).unwrap();
            }
            assert_eq!(
                ev.nonzero(s_ref).unwrap(),
                None,
                "a hand-written s has no list"
            );
        }
        ev.run_named("pre", t, DT).unwrap();
        ev.run_named("syn", t, DT).unwrap();
        dense.run_named("pre", t, DT).unwrap();
        let s = dense.get("z:s").unwrap();
        dense.set("W:inputs", &s).unwrap();
        dense.run_named("syn", t, DT).unwrap();
        assert_eq!(ev.get("z:s").unwrap(), s, "step {k}: spikes");
        let listed = ev
            .nonzero(s_ref)
            .unwrap()
            .expect("a LIF cell lists its spikes");
        assert_eq!(listed, &nonzero_of(&s)[..], "step {k}: event list");
        spikes += listed.len();
        assert_eq!(own_inputs(&ev), s, "step {k}: delivered inputs");
        assert_same_bits(
            &ev.get("W:g_syn").unwrap(),
            &dense.get("W:g_syn").unwrap(),
            k,
        );
    }
    assert!(spikes > 100, "only {spikes} spikes");
}

/// A non-plastic synapse's weights are all ones, and its sum skips reading them. The
/// numbers must be those of adding the rows: checked against a synapse whose weights
/// are ones except in one column (which takes the row-adding path), on every other
/// column, with graded inputs, a batch of 2, events and scanning, and after the
/// weights are written (which makes the synapse look at them again).
#[test]
fn unit_weights_give_the_row_sums() {
    let (n, m, b) = (300, 6, 2);
    let build = |unit: bool, wired: bool| {
        let mut ctx = Context::new("u");
        ctx.add(PoissonCell::new("pre", n, 150.0, b, Some(Key::from_seed(5))).unwrap())
            .unwrap();
        let mut p = AlphaSynapseParams::new(2.0, 0.7, Some(-10.0));
        p.dense.batch_size = b;
        p.dense.key = Some(Key::from_seed(6));
        ctx.add(AlphaSynapse::new("W", (n, m), p).unwrap()).unwrap();
        if wired {
            ctx.wire("pre:outputs", "W:inputs").unwrap();
        }
        ctx.process("pre", &[("pre", Method::AdvanceState)])
            .unwrap();
        ctx.process("syn", &[("W", Method::AdvanceState)]).unwrap();
        let mut model = ctx.build().unwrap();
        let mut w = Array2::<f32>::ones((n, m));
        if !unit {
            w.column_mut(m - 1).fill(2.0);
        }
        model.set("W:weights", &w).unwrap();
        model
            .set("W:v", &Array2::from_elem((b, m), -60.0f32))
            .unwrap();
        // Graded rates, so that some inputs are scaled spikes when fed by hand.
        model.set("pre:inputs", &Array2::ones((b, n))).unwrap();
        model
    };
    for wired in [true, false] {
        let (mut unit, mut rows) = (build(true, wired), build(false, wired));
        for k in 1..=200 {
            let t = k as f32 * DT;
            if k == 120 {
                // Written weights are looked at again: still all ones here.
                unit.set("W:weights", &Array2::ones((n, m))).unwrap();
            }
            for x in [&mut unit, &mut rows] {
                x.run_named("pre", t, DT).unwrap();
                if !wired {
                    // Graded inputs: spikes scaled by 0.5, 1 or 3 by cell.
                    let s = x.get("pre:outputs").unwrap();
                    let g = Array2::from_shape_fn((b, n), |(_, i)| [0.5f32, 1.0, 3.0][i % 3]);
                    x.set("W:inputs", &(&s * &g)).unwrap();
                }
                x.run_named("syn", t, DT).unwrap();
            }
            let (gu, gr) = (unit.get("W:g_syn").unwrap(), rows.get("W:g_syn").unwrap());
            for r in 0..b {
                for j in 0..m - 1 {
                    assert_eq!(
                        gu[[r, j]].to_bits(),
                        gr[[r, j]].to_bits(),
                        "wired {wired} step {k} row {r} col {j}"
                    );
                }
            }
        }
        assert!(unit.get("W:g_syn").unwrap().sum() > 0.0);
    }
}
