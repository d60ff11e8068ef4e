//! Learning keeps the event paths honest: the sparse update equals the full one, a
//! weight written from outside is taken up whole by the next update, and a product
//! after an update uses the new weights.

use ndarray::Array2;
use ngclearn::prelude::*;

/// Which learning rule a test circuit's synapse `W` has.
#[derive(Clone, Copy)]
enum Rule {
    /// TraceSTDP, mu = 0, no weight mask.
    Trace,
    /// TraceSTDP, mu > 0 with a target and a weight mask.
    TracePower,
    /// ExpSTDP with a target and a weight mask.
    Exp,
}

fn circuit(seed: u64) -> Model {
    circuit_with(seed, Rule::Trace)
}

fn circuit_with(seed: u64, rule: Rule) -> Model {
    let k = Key::from_seed(seed).split::<5>();
    let mut ctx = Context::new("learn");
    let mut pp = PoissonCellParams::new();
    (pp.target_freq, pp.key) = (70.0, Some(k[0]));
    ctx.add(PoissonCell::with_params("pre", 25, pp).unwrap())
        .unwrap();
    let mask = Array2::from_shape_fn(
        (25, 5),
        |(i, j)| if (i + 2 * j) % 7 == 0 { 0.0 } else { 1.0 },
    );
    match rule {
        Rule::Trace | Rule::TracePower => {
            let mut pw = TraceSTDPSynapseParams::new(0.02, 0.01);
            (pw.resist_scale, pw.pretrace_target, pw.key) = (45.0, 0.05, Some(k[1]));
            if let Rule::TracePower = rule {
                (pw.mu, pw.w_bound, pw.weight_mask) = (1.5, 0.9, Some(mask));
            }
            ctx.add(TraceSTDPSynapse::new("W", (25, 5), pw).unwrap())
                .unwrap();
        }
        Rule::Exp => {
            let mut pw = ExpSTDPSynapseParams::new(0.03, 0.01, 2.0);
            (pw.resist_scale, pw.pretrace_target, pw.key) = (45.0, 0.05, Some(k[1]));
            pw.weight_mask = Some(mask);
            ctx.add(ExpSTDPSynapse::new("W", (25, 5), pw).unwrap())
                .unwrap();
        }
    }
    let mut pl = LIFCellParams::new(10.0);
    (pl.thr, pl.v_reset, pl.key) = (-52.0, -60.0, Some(k[2]));
    ctx.add(LIFCell::new("post", 5, pl).unwrap()).unwrap();
    let mut pt = VarTraceParams::new(20.0, 0.0);
    pt.key = Some(k[3]);
    ctx.add(VarTrace::new("tp", 25, pt.clone()).unwrap())
        .unwrap();
    pt.key = Some(k[4]);
    ctx.add(VarTrace::new("tq", 5, pt).unwrap()).unwrap();
    for (s, t) in [
        ("pre:outputs", "W:inputs"),
        ("W:outputs", "post:j"),
        ("pre:outputs", "tp:inputs"),
        ("post:s", "tq:inputs"),
        ("pre:outputs", "W:preSpike"),
        ("post:s", "W:postSpike"),
        ("tp:trace", "W:preTrace"),
        ("tq:trace", "W:postTrace"),
    ] {
        ctx.wire(s, t).unwrap();
    }
    let calls: Vec<_> = ["pre", "W", "post", "tp", "tq"]
        .iter()
        .map(|c| (*c, Method::AdvanceState))
        .chain([("W", Method::Evolve)])
        .collect();
    ctx.process("adv", &calls).unwrap();
    let mut m = ctx.build().unwrap();
    m.set("pre:inputs", &Array2::ones((1, 25))).unwrap();
    m
}

#[test]
fn sparse_updates_equal_full_ones() {
    // In `full`, the weights are written back from outside after every step, so each
    // update is a full one; in `sparse`, only the spiking rows and columns are visited.
    for (rule, name) in [
        (Rule::Trace, "trace"),
        (Rule::TracePower, "trace mu>0 masked"),
        (Rule::Exp, "exp masked"),
    ] {
        let (mut sparse, mut full) = (circuit_with(9, rule), circuit_with(9, rule));
        let mut spikes = 0.0;
        for t in 1..=800 {
            for m in [&mut sparse, &mut full] {
                m.run_named("adv", t as f32, 1.0).unwrap();
            }
            let w = full.get("W:weights").unwrap();
            full.set("W:weights", &w).unwrap();
            for p in ["W:weights", "W:dWeights", "post:v", "post:s"] {
                assert_eq!(
                    sparse.get(p).unwrap(),
                    full.get(p).unwrap(),
                    "{name}: {p} at step {t}"
                );
            }
            spikes += sparse.get("post:s").unwrap().sum();
        }
        assert!(
            spikes > 20.0,
            "{name}: post-synaptic spikes drive potentiation ({spikes})"
        );
    }
}

#[test]
fn weights_written_from_outside_are_all_taken_up() {
    // Weights above w_bound are clipped by the next update even where no spike is.
    let mut m = circuit(3);
    for t in 1..=50 {
        m.run_named("adv", t as f32, 1.0).unwrap();
    }
    m.set("W:weights", &Array2::from_elem((25, 5), 3.0))
        .unwrap();
    m.set("pre:inputs", &Array2::zeros((1, 25))).unwrap();
    m.run_named("adv", 51.0, 1.0).unwrap();
    let w = m.get("W:weights").unwrap();
    assert!(w.iter().all(|&x| x <= 1.0), "{w}");
}

#[test]
fn a_product_after_an_update_uses_the_new_weights() {
    // Weights of exactly one, then an update that changes one column.
    let mut p = TraceSTDPSynapseParams::new(0.5, 0.0);
    p.weight_init = Some(DistributionGenerator::constant(1.0));
    p.w_bound = 2.0;
    p.key = Some(Key::from_seed(1));
    let mut ctx = Context::new("unit");
    ctx.add(TraceSTDPSynapse::new("W", (3, 2), p).unwrap())
        .unwrap();
    ctx.process("adv", &[("W", Method::AdvanceState)]).unwrap();
    ctx.process("learn", &[("W", Method::Evolve)]).unwrap();
    let mut m = ctx.build().unwrap();
    let x = ndarray::array![[1.0f32, 1.0, 1.0]];
    m.set("W:inputs", &x).unwrap();
    m.run_named("adv", 0.0, 1.0).unwrap();
    assert_eq!(m.get("W:outputs").unwrap(), ndarray::array![[3.0f32, 3.0]]);
    m.set("W:preTrace", &ndarray::array![[1.0f32, 0.5, 0.0]])
        .unwrap();
    m.set("W:postSpike", &ndarray::array![[1.0f32, 0.0]])
        .unwrap();
    m.run_named("learn", 0.0, 1.0).unwrap();
    m.run_named("adv", 0.0, 1.0).unwrap();
    let w = m.get("W:weights").unwrap();
    assert_eq!(w.column(0).to_vec(), vec![1.5, 1.25, 1.0]);
    assert_eq!(m.get("W:outputs").unwrap(), ndarray::array![[3.75f32, 3.0]]);
}
