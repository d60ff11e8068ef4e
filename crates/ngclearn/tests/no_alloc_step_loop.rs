//! The step loop allocates nothing: a counting allocator watches `Model::run` on the
//! tutorial's E-I circuit (wires, a Summation, Poisson draws, synapses, a LIF cell).

mod common;

use ngclearn::models::ei_alpha::EiAlpha;
use ngclearn::utils::alloc_counter::{allocations_here as allocs, CountingAllocator};

#[global_allocator]
static COUNTER: CountingAllocator = CountingAllocator;

#[test]
fn running_a_process_does_not_allocate() {
    // The E-I circuit, batched.
    let cfg = EiAlpha {
        n_exc: 40,
        n_inh: 10,
        n_post: 3,
        exc_freq: 50.0,
        batch_size: 2,
        seed: 1,
        ..Default::default()
    };
    let mut m = cfg.build().unwrap();
    let (adv, rst) = (
        m.process_id("advance_proc").unwrap(),
        m.process_id("reset_proc").unwrap(),
    );
    m.run(adv, 0.1, 0.1).unwrap();

    let before = allocs();
    for k in 1..=2000 {
        m.run(adv, k as f32 * 0.1, 0.1).unwrap();
    }
    let after = allocs();
    assert!(
        m.get("pre_exc:tols").unwrap().sum() > 0.0,
        "the encoders did fire"
    );
    let before_reset = allocs();
    m.run(rst, 0.0, 0.1).unwrap();
    assert_eq!(after - before, 0, "allocations in the step loop");
    assert_eq!(allocs() - before_reset, 0, "allocations in reset");
}

/// The other classes and options: Bernoulli cells, the exponential and double-exponential
/// synapses, a dense synapse, a Product wire, a LIF cell with one_spike and rk2.
#[test]
fn the_other_components_do_not_allocate_either() {
    use ndarray::Array2;
    use ngclearn::prelude::*;
    let k = Key::from_seed(2).split::<6>();
    let mut ctx = Context::new("mix");
    ctx.add(BernoulliCell::new("b", 8, 2, Some(k[0])).unwrap())
        .unwrap();
    let mut pe = ExponentialSynapseParams::new(2.0, 1.0, Some(0.0));
    (pe.dense.batch_size, pe.dense.key, pe.is_nonplastic) = (2, Some(k[1]), false);
    ctx.add(ExponentialSynapse::new("e", (8, 4), pe).unwrap())
        .unwrap();
    let mut p2 = DoubleExpSynapseParams::new(3.0, 1.0, 1.0, None);
    (p2.dense.batch_size, p2.dense.key) = (2, Some(k[2]));
    ctx.add(DoubleExpSynapse::new("x", (8, 4), p2).unwrap())
        .unwrap();
    ctx.add(
        DenseSynapse::new(
            "d",
            (8, 4),
            DenseParams {
                batch_size: 2,
                key: Some(k[3]),
                // ngclearn 3.2's axonal delays: their buffer moves a row a step.
                max_delay_steps: 4,
                ..Default::default()
            },
        )
        .unwrap(),
    )
    .unwrap();
    let mut lp = LIFCellParams::new(5.0);
    (
        lp.one_spike,
        lp.integration_type,
        lp.batch_size,
        lp.key,
        lp.v_min,
    ) = (
        true,
        ngclearn::utils::diffeq::Integration::Rk2,
        2,
        Some(k[4]),
        Some(-70.0),
    );
    ctx.add(LIFCell::new("z", 4, lp).unwrap()).unwrap();
    for dst in ["e:inputs", "x:inputs", "d:inputs"] {
        ctx.wire("b:outputs", dst).unwrap();
    }
    ctx.wire("z:v", "e:v").unwrap();
    ctx.wire(
        Summation::of([
            Source::from("e:i_syn"),
            Product::of(["x:i_syn", "d:outputs"]),
        ]),
        "z:j",
    )
    .unwrap();
    let order = ["b", "e", "x", "d", "z"];
    ctx.process("adv", &order.map(|c| (c, Method::AdvanceState)))
        .unwrap();
    let mut m = ctx.build().unwrap();
    m.set("b:inputs", &Array2::from_elem((2, 8), 0.3)).unwrap();
    let adv = m.process_id("adv").unwrap();
    m.run(adv, 0.1, 0.1).unwrap();
    let before = allocs();
    let mut spikes = 0.0;
    for t in 1..=2000 {
        m.run(adv, t as f32 * 0.1, 0.1).unwrap();
        spikes += m
            .view(m.compartment("z:s").unwrap())
            .unwrap()
            .unwrap()
            .sum();
    }
    assert_eq!(allocs() - before, 0, "allocations in the step loop");
    assert!(spikes > 0.0, "the LIF cells did spike");
}

/// The other spiking cells, the latency encoder, the exponential kernel and the leaky
/// noise cell, with the options that draw (one_spike, the noise) or keep scratch
/// (inhibition, bkwta, the kernel's window), step and reset without allocating.
#[test]
fn the_other_cells_do_not_allocate_either() {
    use ngclearn::core::class::Registry;
    use ngclearn::core::kwargs::Kwargs;
    use ngclearn::prelude::*;
    use serde_json::json;
    let cells = [
        (
            "slif",
            "SLIFCell",
            json!({"n_units": 6, "tau_m": 5.0, "resist_m": 1.5, "thr": 0.3,
            "resist_inh": 0.2, "thr_gain": 0.01, "thr_leak": 0.001, "refract_time": 1.0,
            "sticky_spikes": true, "batch_size": 2}),
        ),
        (
            "slif_rho",
            "SLIFCell",
            json!({"n_units": 6, "tau_m": 5.0, "resist_m": 1.0, "thr": 0.3,
            "rho_b": 0.001, "resist_inh": 0.1, "batch_size": 2}),
        ),
        (
            "if",
            "IFCell",
            json!({"n_units": 6, "tau_m": 5.0, "thr": -64.0}),
        ),
        (
            "quad",
            "QuadLIFCell",
            json!({"n_units": 6, "tau_m": 5.0, "one_spike": true,
            "integration_type": "rk2"}),
        ),
        (
            "adex",
            "AdExCell",
            json!({"n_units": 6, "integration_type": "rk2", "v_sharpness": 8.0}),
        ),
        ("izh", "IzhikevichCell", json!({"n_units": 6})),
        (
            "fn",
            "FitzhughNagumoCell",
            json!({"n_units": 6, "spike_reset": true}),
        ),
        (
            "wtas",
            "WTASCell",
            json!({"n_units": 6, "tau_m": 1.0, "batch_size": 2}),
        ),
        ("lat", "LatencyCell", json!({"n_units": 6, "batch_size": 2})),
        (
            "ek",
            "ExpKernel",
            json!({"n_units": 6, "dt": 0.1, "nu": 1.0, "batch_size": 2}),
        ),
        (
            "ln",
            "LeakyNoiseCell",
            json!({"n_units": 6, "tau_x": 5.0, "act_fx": "sigmoid",
            "integration_type": "heun", "batch_size": 2}),
        ),
        (
            "ln_wta",
            "LeakyNoiseCell",
            json!({"n_units": 6, "tau_x": 5.0, "act_fx": "bkwta"}),
        ),
    ];
    let mut ctx = Context::new("more");
    let mut calls = Vec::new();
    for (i, (name, class, kw)) in cells.iter().enumerate() {
        let cls = Registry::builtin().get(class).unwrap();
        let mut map = kw.as_object().unwrap().clone();
        map.insert("name".into(), json!(name));
        map.insert("key".into(), json!([0, 40 + i]));
        let mut k = Kwargs::new("test", name, cls.schema.signature, &[], &map).unwrap();
        ctx.add_boxed(cls.build(&mut k).unwrap()).unwrap();
        k.finish().unwrap();
        if *class == "LatencyCell" {
            calls.push((*name, ctx.method(name, "calc_spike_times").unwrap()));
        }
        calls.push((*name, Method::AdvanceState));
    }
    ctx.process("adv", &calls).unwrap();
    let resets: Vec<_> = cells.iter().map(|c| (c.0, Method::Reset)).collect();
    ctx.process("rst", &resets).unwrap();
    let mut m = ctx.build().unwrap();
    for (name, class, _) in &cells {
        let inputs: &[&str] = match *class {
            "LatencyCell" | "ExpKernel" => &["inputs"],
            "LeakyNoiseCell" => &["j_input", "j_recurrent"],
            _ => &["j"],
        };
        let scale = match *class {
            "AdExCell" => 40.0,
            "IzhikevichCell" => 12.0,
            _ => 1.0,
        };
        for c in inputs {
            let path = format!("{name}:{c}");
            let dim = m.get(&path).unwrap().dim();
            let v = ndarray::Array2::from_shape_fn(dim, |(b, j)| {
                scale * (0.2 + 0.7 * ((b + 2 * j) % 5) as f32)
            });
            m.set(&path, &v).unwrap();
        }
    }
    let (adv, rst) = (m.process_id("adv").unwrap(), m.process_id("rst").unwrap());
    m.run(adv, 0.1, 0.1).unwrap();
    let before = allocs();
    for t in 2..=1000 {
        m.run(adv, t as f32 * 0.1, 0.1).unwrap();
    }
    let after = allocs();
    for name in [
        "slif", "slif_rho", "if", "quad", "adex", "izh", "fn", "wtas", "lat",
    ] {
        let tols = m.get(&format!("{name}:tols")).unwrap();
        assert!(tols.sum() > 0.0, "{name} never spiked");
    }
    let before_reset = allocs();
    m.run(rst, 0.0, 0.1).unwrap();
    assert_eq!(after - before, 0, "allocations in the step loop");
    assert_eq!(allocs() - before_reset, 0, "allocations in reset");
}

/// The encoders' fast random mode does not allocate in the step loop either.
#[test]
fn the_fast_random_mode_does_not_allocate() {
    let cfg = EiAlpha {
        n_exc: 400,
        n_inh: 100,
        n_post: 10,
        exc_freq: 80.0,
        inh_freq: 80.0,
        seed: 3,
        ..Default::default()
    };
    let mut m = cfg.build().unwrap();
    assert_eq!(m.set_random_mode(ngclearn::core::rng::RandomMode::Fast), 2);
    let adv = m.process_id("advance_proc").unwrap();
    m.run(adv, 0.1, 0.1).unwrap();
    let before = allocs();
    for k in 2..=3000 {
        m.run(adv, k as f32 * 0.1, 0.1).unwrap();
    }
    assert_eq!(allocs() - before, 0, "allocations in the fast step loop");
    assert!(m.get("pre_exc:tols").unwrap().sum() > 0.0);
}

/// The library's run loop (feeds from memory and from a file, recorders to memory and
/// to streams, spike events, counters) does not allocate: counted from the end of its
/// first step (the run reserves memory recorders before it) to the end of its last.
#[test]
fn the_simulation_loop_does_not_allocate() {
    use ngclearn::core::sim::{FeedSource, Flow, Output, Recording, Simulation};
    use ngclearn::io::npy::{Dtype, NpyStream};
    let cfg = EiAlpha {
        n_exc: 40,
        n_inh: 10,
        n_post: 3,
        exc_freq: 50.0,
        seed: 4,
        ..Default::default()
    };
    let mut m = cfg.build().unwrap();
    let adv = m.advance_process().unwrap();
    let steps = 2000;
    let mut sim = Simulation::new(&m, adv, 0.1, 0.1).unwrap();
    let dir = std::env::temp_dir().join(format!("ngclearn-sim-alloc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rates = ndarray::Array3::from_elem((steps, 1, 40), 30.0f32);
    let inh = ndarray::Array3::from_elem((steps, 1, 10), 20.0f32);
    {
        use ndarray_npy::WriteNpyExt;
        inh.write_npy(std::fs::File::create(dir.join("inh.npy")).unwrap())
            .unwrap();
    }
    let c = |p: &str| m.compartment(p).unwrap();
    sim.feed(&m, c("pre_exc:inputs"), FeedSource::Array(rates))
        .unwrap();
    let rows = ngclearn::io::npy::NpyRows::open(&dir.join("inh.npy")).unwrap();
    sim.feed(&m, c("pre_inh:inputs"), FeedSource::Rows(Box::new(rows)))
        .unwrap();
    let g = NpyStream::create(&dir.join("g.npy"), Dtype::F32, &[1, 3]).unwrap();
    sim.record(
        &m,
        c("Wexc:g_syn"),
        Recording::Dense,
        Output::Stream(Box::new(g)),
    )
    .unwrap();
    sim.record(&m, c("post_exc:v"), Recording::Dense, Output::Memory)
        .unwrap();
    let stream = NpyStream::create(&dir.join("s.npy"), Dtype::I32, &[2]).unwrap();
    sim.record(
        &m,
        c("pre_exc:outputs"),
        Recording::Spikes,
        Output::Stream(Box::new(stream)),
    )
    .unwrap();
    let count = sim.count_spikes(&m, c("post_exc:s")).unwrap();
    let (mut first, mut last) = (0, 0);
    sim.run(&mut m, steps, |_, k| {
        if k == 0 {
            first = allocs();
        }
        last = allocs();
        Ok(Flow::Continue)
    })
    .unwrap();
    assert_eq!(last - first, 0, "allocations in the simulation loop");
    assert!(sim.spikes(count) > Some(0), "the cells did spike");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A learning circuit: Poisson -> TraceSTDP (evolving every step, sparse and full
/// updates) -> LIF, with VarTraces on both sides.
#[test]
fn learning_does_not_allocate() {
    use ndarray::Array2;
    use ngclearn::prelude::*;
    let k = Key::from_seed(4).split::<5>();
    let mut ctx = Context::new("learn");
    let mut pp = PoissonCellParams::new();
    (pp.target_freq, pp.key) = (80.0, Some(k[0]));
    ctx.add(PoissonCell::with_params("pre", 30, pp).unwrap())
        .unwrap();
    let mut pw = TraceSTDPSynapseParams::new(0.01, 0.005);
    (pw.resist_scale, pw.key) = (40.0, Some(k[1]));
    ctx.add(TraceSTDPSynapse::new("W", (30, 6), pw).unwrap())
        .unwrap();
    let mut pl = LIFCellParams::new(10.0);
    pl.key = Some(k[2]);
    ctx.add(LIFCell::new("post", 6, pl).unwrap()).unwrap();
    let mut pt = VarTraceParams::new(20.0, 0.0);
    pt.key = Some(k[3]);
    ctx.add(VarTrace::new("tp", 30, pt.clone()).unwrap())
        .unwrap();
    pt.key = Some(k[4]);
    ctx.add(VarTrace::new("tq", 6, pt).unwrap()).unwrap();
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
    ctx.process(
        "adv",
        &[
            ("pre", Method::AdvanceState),
            ("W", Method::AdvanceState),
            ("post", Method::AdvanceState),
            ("tp", Method::AdvanceState),
            ("tq", Method::AdvanceState),
            ("W", Method::Evolve),
        ],
    )
    .unwrap();
    let mut m = ctx.build().unwrap();
    m.set("pre:inputs", &Array2::ones((1, 30))).unwrap();
    let adv = m.process_id("adv").unwrap();
    m.run(adv, 1.0, 1.0).unwrap();
    let w0 = m.get("W:weights").unwrap();
    let before = allocs();
    for t in 2..=600 {
        m.run(adv, t as f32, 1.0).unwrap();
    }
    let after = allocs();
    assert_ne!(m.get("W:weights").unwrap(), w0, "the weights learned");
    assert!(m.get("post:tols").unwrap().sum() > 0.0, "the cells fired");
    assert_eq!(after - before, 0, "allocations while learning");
}

/// A partitioned model's step (one rank of one, through the thread exchange: its blocks,
/// its mirrors' gathers of spikes and of graded values) allocates nothing either once
/// the spike messages have grown to what the run needs.
#[test]
fn a_partitioned_models_step_does_not_allocate() {
    use ngclearn::core::partition::{partition, ThreadExchange};
    let cfg = EiAlpha {
        n_exc: 400,
        n_inh: 100,
        n_post: 7,
        exc_freq: 50.0,
        seed: 4,
        ..Default::default()
    };
    let ex = ThreadExchange::group(1).pop().unwrap();
    let mut p = partition(
        cfg.build().unwrap(),
        std::sync::Arc::new(ex),
        &["post_exc:v", "post_exc:s"],
    )
    .unwrap();
    let adv = p.model.process_id("advance_proc").unwrap();
    for k in 0..50 {
        p.model.run(adv, k as f32 * 0.1, 0.1).unwrap();
    }
    let before = allocs();
    for k in 50..2050 {
        p.model.run(adv, k as f32 * 0.1, 0.1).unwrap();
    }
    assert_eq!(
        allocs() - before,
        0,
        "allocations in a partitioned step loop"
    );
}

/// A partitioned model whose spikes cross the ranks once per epoch (two ranks on
/// threads: their epoch mirrors keep, exchange and give out the steps) allocates
/// nothing on either rank once its lists have grown to what the run needs.
#[test]
fn an_epoch_exchange_does_not_allocate() {
    use ngclearn::core::partition::{Exchange, ThreadExchange};
    let dir = common::scratch("no-alloc-epoch");
    let path = common::delayed_pair(
        &dir,
        40,
        -60.0,
        "{ dist = \"uniform\", low = 0.36, high = 2.0 }",
        "0.6",
    );
    let path = &path;
    let counts: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = ThreadExchange::group(2)
            .into_iter()
            .map(|ex| {
                scope.spawn(move || {
                    let ex: std::sync::Arc<dyn Exchange> = std::sync::Arc::new(ex);
                    let registry = ngclearn::core::class::Registry::builtin();
                    let (mut p, _) = ngclearn::io::model_file::load_model_file_partitioned(
                        path,
                        None,
                        registry,
                        ex,
                        &[],
                    )
                    .unwrap();
                    assert!(p.model.components().any(|c| c.name().ends_with(".epoch")));
                    let adv = p.model.process_id("advance_proc").unwrap();
                    for k in 0..400 {
                        p.model.run(adv, k as f32 * 0.1, 0.1).unwrap();
                    }
                    let before = allocs();
                    for k in 400..2400 {
                        p.model.run(adv, k as f32 * 0.1, 0.1).unwrap();
                    }
                    allocs() - before
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        counts,
        [0, 0],
        "allocations in an epoch's step loop, by rank"
    );
}

/// A rank's block of a population fed from a file's rows (its columns of each row)
/// allocates nothing in the simulation loop either.
#[test]
fn feeding_a_block_its_columns_does_not_allocate() {
    use ngclearn::core::partition::Columns;
    use ngclearn::core::sim::{FeedSource, Flow, Simulation};
    let cfg = EiAlpha {
        n_exc: 40,
        n_inh: 10,
        n_post: 3,
        exc_freq: 50.0,
        seed: 4,
        ..Default::default()
    };
    let mut m = cfg.build().unwrap();
    let adv = m.advance_process().unwrap();
    let steps = 1000;
    let dir = std::env::temp_dir().join(format!("ngclearn-feed-alloc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The file is as wide as a whole population of 70 cells; the block is 20..60.
    let rows = ndarray::Array3::from_shape_fn((steps, 1, 70), |(k, _, i)| ((k + i) % 5) as f32);
    {
        use ndarray_npy::WriteNpyExt;
        rows.write_npy(std::fs::File::create(dir.join("rates.npy")).unwrap())
            .unwrap();
    }
    let mut sim = Simulation::new(&m, adv, 0.1, 0.1).unwrap();
    let target = m.compartment("pre_exc:inputs").unwrap();
    let file = ngclearn::io::npy::NpyRows::open(&dir.join("rates.npy")).unwrap();
    let cols = Columns {
        width: 70,
        cols: 20..60,
    };
    sim.feed_columns(&m, target, FeedSource::Rows(Box::new(file)), Some(cols))
        .unwrap();
    let (mut first, mut last) = (0, 0);
    sim.run(&mut m, steps, |m, k| {
        if k == 0 {
            first = allocs();
        }
        last = allocs();
        if k == steps - 1 {
            let got = m.get("pre_exc:inputs").unwrap();
            assert_eq!(got, rows.slice(ndarray::s![k, .., 20..60]));
        }
        Ok(Flow::Continue)
    })
    .unwrap();
    assert_eq!(last - first, 0, "allocations feeding a block");
    let _ = std::fs::remove_dir_all(&dir);
}

/// REINFORCESynapse, the competitive synapses (Hopfield's contrastive rule, LVQ with
/// labels, Langevin noise and a Minkowski distance, ART2A), the retinal ganglion cells
/// and the error cells step, learn and reset without allocating.
#[test]
fn the_reinforce_competitive_and_retina_classes_do_not_allocate() {
    use ngclearn::core::class::Registry;
    use ngclearn::core::kwargs::Kwargs;
    use ngclearn::prelude::*;
    use serde_json::json;
    let parts = [
        (
            "rf",
            "REINFORCESynapse",
            json!({"shape": [4, 3], "batch_size": 2, "act_fx": "tanh", "mu_act_fx": "sigmoid"}),
            true,
        ),
        (
            "hop",
            "HopfieldSynapse",
            json!({"shape": [5, 4], "eta": 0.1, "update_rule": "contrastive", "batch_size": 2}),
            true,
        ),
        (
            "vq",
            "VectorQuantizeSynapse",
            json!({"shape": [5, 4], "label_dim": 2, "langevin_noise_scale": 0.1,
            "distance_function": ["minkowski", 3], "batch_size": 2}),
            true,
        ),
        (
            "art",
            "ART2ASynapse",
            json!({"shape": [5, 4], "batch_size": 2}),
            true,
        ),
        (
            "rgc",
            "RetinalGanglionCell",
            json!({"filter_type": "DoG", "area_shape": [6, 6], "n_cells": 4,
            "patch_shape": [3, 3], "step_shape": [3, 3], "batch_size": 2}),
            false,
        ),
        (
            "ge",
            "GaussianErrorCell",
            json!({"n_units": 5, "batch_size": 2}),
            false,
        ),
        (
            "be",
            "BernoulliErrorCell",
            json!({"n_units": 5, "input_logits": true}),
            false,
        ),
    ];
    let mut ctx = Context::new("new_classes");
    let (mut adv, mut evo, mut rst) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (name, class, kw, learns)) in parts.iter().enumerate() {
        let cls = Registry::builtin().get(class).unwrap();
        let mut map = kw.as_object().unwrap().clone();
        map.insert("name".into(), json!(name));
        map.insert("key".into(), json!(Key::from_seed(i as u64).0.to_vec()));
        let mut k = Kwargs::new("test", name, cls.schema.signature, &[], &map).unwrap();
        ctx.add_boxed(cls.build(&mut k).unwrap()).unwrap();
        if *class != "REINFORCESynapse" {
            adv.push((*name, Method::AdvanceState));
        }
        if *learns {
            evo.push((*name, Method::Evolve));
        }
        rst.push((*name, Method::Reset));
    }
    ctx.process("adv", &adv).unwrap();
    ctx.process("evo", &evo).unwrap();
    ctx.process("rst", &rst).unwrap();
    let mut m = ctx.build().unwrap();
    // The signals, made and resolved before the count: the loop only sets them.
    let signals: Vec<(CompartmentRef, ndarray::Array2<f32>)> = [
        ("rf:inputs", 2, 4, 0.2),
        ("hop:inputs", 2, 5, 0.1),
        ("vq:inputs", 2, 5, -0.3),
        ("art:inputs", 2, 5, 0.4),
        ("rgc:inputs", 2, 36, 0.0),
        ("rf:rewards", 2, 1, 0.5),
        ("rf:learning_mask", 1, 1, 1.0),
        ("vq:labels", 2, 2, 0.0),
        ("art:used", 1, 4, 1.0),
        ("ge:mu", 2, 5, 0.1),
        ("ge:target", 2, 5, 0.3),
        ("be:p", 1, 5, -0.2),
        ("be:target", 1, 5, 0.0),
    ]
    .iter()
    .map(|&(path, rows, cols, v)| {
        let a =
            ndarray::Array2::from_shape_fn((rows, cols), |(r, c)| v + (r * cols + c) as f32 * 0.1);
        (m.compartment(path).unwrap(), a)
    })
    .collect();
    let (adv, evo, rst) = (
        m.process_id("adv").unwrap(),
        m.process_id("evo").unwrap(),
        m.process_id("rst").unwrap(),
    );
    let step = |m: &mut Model, t: usize| {
        for (r, a) in &signals {
            m.set_ref(*r, a).unwrap();
        }
        m.run(adv, t as f32, 1.0).unwrap();
        m.run(evo, t as f32, 1.0).unwrap();
        m.run(rst, t as f32, 1.0).unwrap();
    };
    step(&mut m, 0);
    let before = allocs();
    for t in 1..50 {
        step(&mut m, t);
    }
    assert_eq!(
        allocs() - before,
        0,
        "allocations in the new classes' steps"
    );
}
