//! One model partitioned across ranks (threads here, MPI processes under `ngc`) gives
//! the numbers of the whole model: the same spikes and voltages step by step for 1, 2
//! and 3 ranks, with ranks holding blocks of unequal sizes, and the state gathered back
//! into a whole model equal to the whole model's own.

mod common;

use ndarray::Array2;
use ngclearn::core::partition::{block, partition, ThreadExchange};
use ngclearn::models::ei_alpha::EiAlpha;
use ngclearn::prelude::*;
use std::sync::Arc;

const STEPS: usize = 300;

/// The tutorial circuit, larger, with uneven weights (so that cells differ).
fn model() -> Model {
    let ei = EiAlpha {
        n_exc: 400,
        n_inh: 100,
        n_post: 37,
        exc_freq: 40.0,
        inh_freq: 30.0,
        seed: 7,
        ..EiAlpha::default()
    };
    let mut m = ei.build().unwrap();
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) as f32) / (1u64 << 24) as f32
    };
    let we = Array2::from_shape_fn((400, 37), |_| 0.5 + next());
    let wi = Array2::from_shape_fn((100, 37), |_| 0.5 + next());
    m.set("Wexc:weights", &we).unwrap();
    m.set("Winh:weights", &wi).unwrap();
    m
}

type Trace = (Vec<Array2<f32>>, Vec<Array2<f32>>);

fn whole_run() -> (Trace, Model) {
    let mut m = model();
    let adv = m.process_id("advance_proc").unwrap();
    let (mut s, mut v) = (Vec::new(), Vec::new());
    for k in 0..STEPS {
        m.run(adv, k as f32 * 0.1, 0.1).unwrap();
        s.push(m.get("post_exc:s").unwrap());
        v.push(m.get("post_exc:v").unwrap());
    }
    ((s, v), m)
}

/// Runs on `n` ranks (threads); returns rank 0's whole views and the gathered model.
fn ranks_run(n: usize) -> (Trace, Model) {
    let handles: Vec<_> = ThreadExchange::group(n)
        .into_iter()
        .map(|ex| {
            std::thread::spawn(move || {
                let rank = ngclearn::core::partition::Exchange::rank(&ex);
                let mut p =
                    partition(model(), Arc::new(ex), &["post_exc:s", "post_exc:v"]).unwrap();
                let adv = p.model.process_id("advance_proc").unwrap();
                let (sp, vp) = (p.whole_path("post_exc:s"), p.whole_path("post_exc:v"));
                let (mut s, mut v) = (Vec::new(), Vec::new());
                for k in 0..STEPS {
                    p.model.run(adv, k as f32 * 0.1, 0.1).unwrap();
                    s.push(p.model.get(&sp).unwrap());
                    v.push(p.model.get(&vp).unwrap());
                }
                let mut whole = model();
                p.gather_into(&mut whole).unwrap();
                (rank, (s, v), whole)
            })
        })
        .collect();
    let mut out = None;
    for h in handles {
        let (rank, trace, whole) = h.join().unwrap();
        if rank == 0 {
            out = Some((trace, whole));
        }
    }
    out.unwrap()
}

#[test]
fn blocks_cover_the_columns_in_rank_order() {
    for n in [0, 1, 5, 37, 1000] {
        for size in 1..6 {
            let b: Vec<_> = (0..size).map(|r| block(n, size, r)).collect();
            assert_eq!(b[0].start, 0);
            assert_eq!(b[size - 1].end, n);
            for w in b.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                assert!(w[0].len().abs_diff(w[1].len()) <= 1);
            }
        }
    }
}

#[test]
fn a_partitioned_model_gives_the_whole_models_numbers_on_1_2_and_3_ranks() {
    let ((s, v), whole) = whole_run();
    let spikes: f32 = s.iter().map(|a| a.sum()).sum();
    assert!(spikes > 50.0, "the circuit spikes ({spikes})");
    for n in [1, 2, 3] {
        let ((s2, v2), gathered) = ranks_run(n);
        for k in 0..STEPS {
            assert_eq!(s2[k], s[k], "{n} ranks: spikes at step {k}");
            assert_eq!(v2[k], v[k], "{n} ranks: v at step {k}");
        }
        for path in [
            "post_exc:v",
            "post_exc:rfr",
            "Wexc:weights",
            "Wexc:g_syn",
            "Winh:h_syn",
            "pre_exc:tols",
            "pre_inh:outputs",
        ] {
            assert_eq!(
                gathered.get(path).unwrap(),
                whole.get(path).unwrap(),
                "{n} ranks: {path}"
            );
        }
        for path in ["pre_exc:key", "post_exc:key"] {
            assert_eq!(
                gathered.get_key(path).unwrap(),
                whole.get_key(path).unwrap(),
                "{n} ranks: {path}"
            );
        }
    }
}

#[test]
fn a_class_that_cannot_be_split_is_named() {
    let mut ctx = Context::new("c");
    let mut p = ngclearn::components::HebbianSynapseParams::new();
    p.key = Some(Key::from_seed(1));
    ctx.add(ngclearn::components::HebbianSynapse::new("H", (3, 4), p).unwrap())
        .unwrap();
    let m = ctx.build().unwrap();
    let ex = ThreadExchange::group(1).pop().unwrap();
    let e = partition(m, Arc::new(ex), &[]).unwrap_err().to_string();
    assert!(e.contains("HebbianSynapse") && e.contains('H'), "{e}");
}

#[test]
fn a_learning_circuit_with_blocks_of_one_and_two_columns_learns_the_same_on_3_ranks() {
    // ngclearn's saved STDP circuit: 4 post-synaptic cells over 3 ranks (blocks of 1, 1
    // and 2 columns, where a (1, 1) mask is both a block's width and the whole form).
    fn load() -> Model {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ngclearn-3.1.1/models/stdp_circuit");
        ngclearn::io::load_model_dir(&dir).unwrap()
    }
    let mut whole = load();
    let adv = whole.process_id("advance_proc").unwrap();
    let mut want = Vec::new();
    for k in 1..=150 {
        whole.run(adv, k as f32, 1.0).unwrap();
        want.push((
            whole.get("post:s").unwrap(),
            whole.get("W:weights").unwrap(),
        ));
    }
    let handles: Vec<_> = ThreadExchange::group(3)
        .into_iter()
        .map(|ex| {
            std::thread::spawn(move || {
                let mut p = partition(load(), Arc::new(ex), &["post:s", "W:weights"]).unwrap();
                let adv = p.model.process_id("advance_proc").unwrap();
                let (s, w) = (p.whole_path("post:s"), p.whole_path("W:weights"));
                let mut got = Vec::new();
                for k in 1..=150 {
                    p.model.run(adv, k as f32, 1.0).unwrap();
                    got.push((p.model.get(&s).unwrap(), p.model.get(&w).unwrap()));
                }
                let mut back = load();
                p.gather_into(&mut back).unwrap();
                (got, back.get("W:weights").unwrap())
            })
        })
        .collect();
    for h in handles {
        let (got, w) = h.join().unwrap();
        assert_eq!(got, want);
        assert_eq!(w, whole.get("W:weights").unwrap());
    }
}

#[test]
fn busy_populations_whose_spikes_outgrow_one_message_are_gathered_whole() {
    // 3,000 cells at 600 Hz: about 180 spikes a step, more than one fixed-size message
    // carries, so the rest goes in a second round and the messages grow.
    fn busy() -> Model {
        EiAlpha {
            n_exc: 3000,
            n_inh: 10,
            n_post: 5,
            exc_freq: 600.0,
            seed: 3,
            ..EiAlpha::default()
        }
        .build()
        .unwrap()
    }
    let mut whole = busy();
    let adv = whole.process_id("advance_proc").unwrap();
    let mut want = Vec::new();
    for k in 0..60 {
        whole.run(adv, k as f32 * 0.1, 0.1).unwrap();
        want.push((
            whole.get("pre_exc:outputs").unwrap(),
            whole.get("post_exc:v").unwrap(),
        ));
    }
    assert!(want[5].0.sum() > 100.0, "busy enough");
    for n in [2, 3] {
        let handles: Vec<_> = ThreadExchange::group(n)
            .into_iter()
            .map(|ex| {
                std::thread::spawn(move || {
                    let mut p = partition(busy(), Arc::new(ex), &["pre_exc:outputs", "post_exc:v"])
                        .unwrap();
                    let adv = p.model.process_id("advance_proc").unwrap();
                    let (s, v) = (p.whole_path("pre_exc:outputs"), p.whole_path("post_exc:v"));
                    (0..60)
                        .map(|k| {
                            p.model.run(adv, k as f32 * 0.1, 0.1).unwrap();
                            (p.model.get(&s).unwrap(), p.model.get(&v).unwrap())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), want, "{n} ranks");
        }
    }
}

/// Poisson cells -> a diagonal static synapse -> cells of `class` built from `kwargs`
/// (the first fixture case of the class), stepped at `dt`.
fn cells_model(class: &str, kwargs: &serde_json::Value, dt: f32, pulse: f32) -> Model {
    use ngclearn::core::class::Registry;
    use ngclearn::core::kwargs::Kwargs;
    let n = 7;
    let mut ctx = Context::new("cells");
    let mut pp = PoissonCellParams::new();
    (pp.target_freq, pp.key) = (300.0 / dt, Some(Key::from_seed(5)));
    ctx.add(PoissonCell::with_params("pre", n, pp).unwrap())
        .unwrap();
    let mut w = DenseParams::new();
    let mut init = DistributionGenerator::constant(pulse);
    init.params.eye = true;
    w.weight_init = Some(init);
    w.key = Some(Key::from_seed(6));
    ctx.add(ngclearn::components::StaticSynapse::new("W", (n, n), w).unwrap())
        .unwrap();
    let cls = Registry::builtin().get(class).unwrap();
    let mut map = kwargs.as_object().unwrap().clone();
    map.insert("name".into(), serde_json::json!("c"));
    map.insert("n_units".into(), serde_json::json!(n));
    map.insert(
        "key".into(),
        serde_json::json!(Key::from_seed(7).0.to_vec()),
    );
    let mut kw = Kwargs::new("test", "c", cls.schema.signature, &[], &map).unwrap();
    ctx.add_boxed(cls.build(&mut kw).unwrap()).unwrap();
    ctx.wire("pre:outputs", "W:inputs").unwrap();
    ctx.wire("W:outputs", "c:j").unwrap();
    ctx.process(
        "adv",
        &[
            ("pre", Method::AdvanceState),
            ("W", Method::AdvanceState),
            ("c", Method::AdvanceState),
        ],
    )
    .unwrap();
    let mut m = ctx.build().unwrap();
    m.set("pre:inputs", &Array2::ones((1, n))).unwrap();
    m
}

#[test]
fn spiking_cells_split_across_ranks_with_the_whole_models_numbers() {
    let fx = common::fixture("spiking_cells");
    // Each class's first case; every SLIF case (lateral inhibition, rho_b's row counts,
    // sticky spikes), whose blocks read all the cells.
    let cases = fx["cases"].as_object().unwrap();
    let mut chosen: Vec<(&'static str, serde_json::Value)> = Vec::new();
    for class in [
        "IFCell",
        "AdExCell",
        "IzhikevichCell",
        "FitzhughNagumoCell",
        "QuadLIFCell",
        "WTASCell",
    ] {
        let first = cases.values().find(|c| c["component"] == class).unwrap();
        chosen.push((class, first.clone()));
    }
    for c in cases.values().filter(|c| c["component"] == "SLIFCell") {
        chosen.push(("SLIFCell", c.clone()));
    }
    assert_eq!(chosen.len(), 10);
    for (class, case) in chosen {
        let dt = common::f(&case["dt"]);
        // A pulse as large as the case's largest input current.
        let pulse = case["inputs"]["j"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| {
                s.as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|r| r.as_array().unwrap().iter().map(common::f))
            })
            .fold(0.0f32, f32::max)
            * 3.0;
        let kwargs = case["kwargs"].clone();
        let run = move |m: &mut Model, s: &str, v: &str| {
            let adv = m.process_id("adv").unwrap();
            (0..200)
                .map(|k| {
                    m.run(adv, k as f32 * dt, dt).unwrap();
                    (m.get(s).unwrap(), m.get(v).unwrap())
                })
                .collect::<Vec<_>>()
        };
        let want = run(&mut cells_model(class, &kwargs, dt, pulse), "c:s", "c:v");
        let spikes: f32 = want.iter().map(|(s, _)| s.sum()).sum();
        assert!(spikes > 0.0, "{class} spikes");
        for n in [2, 3] {
            let handles: Vec<_> = ThreadExchange::group(n)
                .into_iter()
                .map(|ex| {
                    let kwargs = kwargs.clone();
                    std::thread::spawn(move || {
                        let mut p = partition(
                            cells_model(class, &kwargs, dt, pulse),
                            Arc::new(ex),
                            &["c:s", "c:v"],
                        )
                        .unwrap();
                        let (s, v) = (p.whole_path("c:s"), p.whole_path("c:v"));
                        run(&mut p.model, &s, &v)
                    })
                })
                .collect();
            for h in handles {
                assert_eq!(h.join().unwrap(), want, "{class} on {n} ranks");
            }
        }
    }
}

/// Leaky noise cells (a Gaussian draw per cell every step) driven by a constant input.
fn noise_model() -> Model {
    let mut p = LeakyNoiseCellParams::new(5.0);
    p.sigma_pre = 0.3;
    p.sigma_post = 0.2;
    p.key = Some(Key::from_seed(77));
    let mut ctx = Context::new("noise");
    ctx.add(LeakyNoiseCell::new("c", 41, p).unwrap()).unwrap();
    ctx.process("adv", &[("c", Method::AdvanceState)]).unwrap();
    let mut m = ctx.build().unwrap();
    let j = Array2::from_shape_fn((1, 41), |(_, i)| i as f32 * 0.05);
    m.set("c:j_input", &j).unwrap();
    m
}

#[test]
fn noisy_cells_split_across_ranks_draw_the_whole_populations_noise() {
    let run = |m: &mut Model, x: &str, r: &str| {
        let adv = m.process_id("adv").unwrap();
        (0..100)
            .map(|k| {
                m.run(adv, k as f32 * 0.5, 0.5).unwrap();
                (m.get(x).unwrap(), m.get(r).unwrap())
            })
            .collect::<Vec<_>>()
    };
    let want = run(&mut noise_model(), "c:x", "c:r");
    assert_ne!(want[10].0, want[11].0, "the cells move");
    for n in [2, 3] {
        let handles: Vec<_> = ThreadExchange::group(n)
            .into_iter()
            .map(|ex| {
                std::thread::spawn(move || {
                    let mut p = partition(noise_model(), Arc::new(ex), &["c:x", "c:r"]).unwrap();
                    let (x, r) = (p.whole_path("c:x"), p.whole_path("c:r"));
                    run(&mut p.model, &x, &r)
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), want, "{n} ranks");
        }
    }
}

/// A model of one component `c` of `class`, built from ngclearn's keyword arguments,
/// whose process `adv` calls `methods` in order.
fn one_component(class: &str, kwargs: serde_json::Value, methods: &[&str]) -> Model {
    let cls = ngclearn::core::class::Registry::builtin()
        .get(class)
        .unwrap();
    let mut kw = ngclearn::core::kwargs::Kwargs::new(
        "test",
        "c",
        cls.schema.signature,
        &[],
        kwargs.as_object().unwrap(),
    )
    .unwrap();
    let c = cls.build(&mut kw).unwrap();
    kw.finish().unwrap();
    let mut ctx = Context::new("one");
    ctx.add_boxed(c).unwrap();
    let calls: Vec<(&str, Method)> = methods
        .iter()
        .map(|m| ("c", ctx.method("c", m).unwrap()))
        .collect();
    ctx.process("adv", &calls).unwrap();
    ctx.build().unwrap()
}

#[test]
fn graded_and_error_cells_kernels_and_latency_codes_split_across_ranks() {
    // (class, arguments, methods, input, its value at step k for unit i, outputs)
    type Case = (
        &'static str,
        serde_json::Value,
        &'static [&'static str],
        &'static str,
        fn(usize, usize) -> f32,
        &'static [&'static str],
    );
    let cases: [Case; 6] = [
        (
            "RateCell",
            serde_json::json!({"name": "c", "n_units": 29, "tau_m": 10.0, "act_fx": "tanh",
                               "prior": ["laplacian", 0.1], "threshold": ["soft_threshold", 0.05]}),
            &["advance_state"],
            "c:j",
            |k, i| ((k * 3 + i * 5) % 7) as f32 * 0.3 - 0.9,
            &["c:z", "c:zF"],
        ),
        (
            "ExpKernel",
            serde_json::json!({"name": "c", "n_units": 29, "dt": 1.0, "tau_w": 3.0, "nu": 4.0}),
            &["advance_state"],
            "c:inputs",
            |k, i| ((k + i) % 3 == 0) as u8 as f32,
            &["c:epsp"],
        ),
        (
            "LatencyCell",
            serde_json::json!({"name": "c", "n_units": 29, "tau": 20.0, "linearize": true,
                               "normalize": true, "num_steps": 40}),
            &["calc_spike_times", "advance_state"],
            "c:inputs",
            |_, i| (i % 10) as f32 / 10.0,
            &["c:outputs", "c:tols"],
        ),
        // Error cells: `L` sums over all the cells, in the whole population's order.
        (
            "GaussianErrorCell",
            serde_json::json!({"name": "c", "n_units": 29, "sigma": 1.7}),
            &["advance_state"],
            "c:mu",
            |k, i| ((k * 7 + i * 3) % 13) as f32 * 0.37 - 2.1,
            &["c:L", "c:dmu", "c:dtarget"],
        ),
        (
            "LaplacianErrorCell",
            serde_json::json!({"name": "c", "n_units": 29, "scale": 0.8}),
            &["advance_state"],
            "c:shift",
            |k, i| ((k * 5 + i * 11) % 17) as f32 * 0.29 - 2.3,
            &["c:L", "c:dshift"],
        ),
        (
            "BernoulliErrorCell",
            serde_json::json!({"name": "c", "n_units": 29}),
            &["advance_state"],
            "c:p",
            |k, i| ((k * 3 + i * 7) % 23) as f32 / 23.5 + 0.01,
            &["c:L", "c:dp"],
        ),
    ];
    for (class, kwargs, methods, input, value, outputs) in cases {
        let run = move |m: &mut Model, block: Option<std::ops::Range<usize>>, paths: &[String]| {
            let adv = m.process_id("adv").unwrap();
            let cols = block.unwrap_or(0..29);
            (0..60)
                .map(|k| {
                    let x =
                        Array2::from_shape_fn((1, cols.len()), |(_, j)| value(k, cols.start + j));
                    m.set(input, &x).unwrap();
                    m.run(adv, (k + 1) as f32, 1.0).unwrap();
                    paths.iter().map(|p| m.get(p).unwrap()).collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        };
        let names: Vec<String> = outputs.iter().map(|o| o.to_string()).collect();
        let want = run(
            &mut one_component(class, kwargs.clone(), methods),
            None,
            &names,
        );
        assert_ne!(want[5], want[43], "{class} moves");
        for n in [2, 3] {
            let handles: Vec<_> = ThreadExchange::group(n)
                .into_iter()
                .map(|ex| {
                    let kwargs = kwargs.clone();
                    std::thread::spawn(move || {
                        let m = one_component(class, kwargs, methods);
                        let mut p = partition(m, Arc::new(ex), outputs).unwrap();
                        let block = p.layout.columns_of(input).map(|c| c.cols);
                        assert!(block.is_some(), "{class} is split");
                        let paths: Vec<String> = outputs.iter().map(|o| p.whole_path(o)).collect();
                        run(&mut p.model, block, &paths)
                    })
                })
                .collect();
            for h in handles {
                assert_eq!(h.join().unwrap(), want, "{class} on {n} ranks");
            }
        }
    }
}

/// The components and processes a partitioned model adds (mirrors, their gathering)
/// are the engine's: errors listing what exists do not name them.
#[test]
fn errors_of_a_partitioned_model_list_only_the_users_names() {
    let handles: Vec<_> = ThreadExchange::group(2)
        .into_iter()
        .map(|ex| {
            std::thread::spawn(move || {
                let p = partition(model(), Arc::new(ex), &["post_exc:s", "post_exc:v"]).unwrap();
                let mut internal = p.model.components().map(|c| c.name().to_string());
                assert!(
                    internal.any(|n| n.ends_with(".whole")),
                    "the model has mirrors"
                );
                let e = p.model.get("nope:v").unwrap_err().to_string();
                let p2 = p.model.process_id("nope").unwrap_err().to_string();
                (e, p2)
            })
        })
        .collect();
    for h in handles {
        let (e, p) = h.join().unwrap();
        assert!(e.contains("post_exc") && !e.contains(".whole"), "{e}");
        assert!(
            p.contains("advance_proc") && !p.contains("partition."),
            "{p}"
        );
    }
}
