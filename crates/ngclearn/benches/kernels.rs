//! Criterion benchmarks of the kernels a step is made of, on B2's sizes (SPEC §7):
//! threefry draws, encoder steps in both random modes, the synaptic sum by events and
//! by scanning, the LIF update, one whole B2 step, and a learning step of a 784 x 400
//! TraceSTDP synapse.
//!
//! `cargo bench -p ngclearn --bench kernels` (HTML-free; results in target/criterion).
//! Whole-process numbers with the peers come from `bench/run.py`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::Array2;
use ngclearn::core::rng::RandomMode;
use ngclearn::models::ei_alpha::EiAlpha;
use ngclearn::prelude::*;
use std::hint::black_box;

const DT: f32 = 0.1;

fn threefry(c: &mut Criterion) {
    let mut g = c.benchmark_group("threefry");
    let key = Key::from_seed(7);
    let mut buf = vec![0u32; 10_000];
    g.throughput(Throughput::Elements(buf.len() as u64));
    let mut start = 0u64;
    g.bench_function("bits_into/10000", |b| {
        b.iter(|| {
            key.bits_into(black_box(start), &mut buf);
            start += buf.len() as u64;
        })
    });
    g.finish();
}

/// A model of one Poisson population of `n` cells at `hz`, optionally feeding an
/// alpha synapse of `n` x `n_post` by a wire (`wired`) or through `Model::set`.
fn circuit(n: usize, hz: f32, n_post: usize, batch: usize, mode: RandomMode) -> Model {
    let mut ctx = Context::new("k");
    ctx.add(PoissonCell::new("pre", n, hz, batch, Some(Key::from_seed(1))).unwrap())
        .unwrap();
    let mut p = AlphaSynapseParams::new(2.0, 0.01, Some(0.0));
    p.is_nonplastic = false;
    p.dense.batch_size = batch;
    p.dense.key = Some(Key::from_seed(2));
    ctx.add(AlphaSynapse::new("W", (n, n_post), p).unwrap())
        .unwrap();
    ctx.wire("pre:outputs", "W:inputs").unwrap();
    ctx.process("pre", &[("pre", Method::AdvanceState)])
        .unwrap();
    ctx.process(
        "both",
        &[("pre", Method::AdvanceState), ("W", Method::AdvanceState)],
    )
    .unwrap();
    let mut m = ctx.build().unwrap();
    m.set_random_mode(mode);
    m.set("pre:inputs", &Array2::ones((batch, n))).unwrap();
    m
}

/// Runs process `name` once per iteration, time advancing.
fn bench_process(c: &mut Criterion, group: &str, id: &str, m: &mut Model, name: &str) {
    let adv = m.process_id(name).unwrap();
    let mut k = 0u32;
    c.benchmark_group(group).bench_function(id, |b| {
        b.iter(|| {
            k += 1;
            m.run(adv, k as f32 * DT, DT).unwrap();
        })
    });
}

fn encoders(c: &mut Criterion) {
    for (mode, label) in [(RandomMode::Jax, "jax"), (RandomMode::Fast, "fast")] {
        let mut m = circuit(10_000, 10.0, 1, 1, mode);
        bench_process(
            c,
            "encoder",
            &format!("poisson_10000_10hz/{label}"),
            &mut m,
            "pre",
        );
    }
}

fn synapses(c: &mut Criterion) {
    // B2's excitatory projection: 8000 x 1000, 10 Hz (about 8 spikes a step).
    let mut m = circuit(8_000, 10.0, 1_000, 1, RandomMode::Fast);
    bench_process(
        c,
        "synapse",
        "alpha_8000x1000_events_with_encoder",
        &mut m,
        "both",
    );
    // The same sum found by scanning the inputs (a source that keeps no event list;
    // this also copies the 8000 inputs in).
    let mut m = circuit(8_000, 10.0, 1_000, 1, RandomMode::Fast);
    let (pre, w_in) = (
        m.process_id("pre").unwrap(),
        m.compartment("pre:outputs").unwrap(),
    );
    let mut spikes = Array2::zeros((1, 8_000));
    let mut dense = {
        let mut ctx = Context::new("d");
        let mut p = AlphaSynapseParams::new(2.0, 0.01, Some(0.0));
        p.is_nonplastic = false;
        p.dense.key = Some(Key::from_seed(2));
        ctx.add(AlphaSynapse::new("W", (8_000, 1_000), p).unwrap())
            .unwrap();
        ctx.process("syn", &[("W", Method::AdvanceState)]).unwrap();
        ctx.build().unwrap()
    };
    let (syn, inputs) = (
        dense.process_id("syn").unwrap(),
        dense.compartment("W:inputs").unwrap(),
    );
    let mut k = 0u32;
    c.benchmark_group("synapse")
        .bench_function("alpha_8000x1000_scan_with_encoder", |b| {
            b.iter(|| {
                k += 1;
                let t = k as f32 * DT;
                m.run(pre, t, DT).unwrap();
                m.read_into(w_in, spikes.as_slice_mut().unwrap()).unwrap();
                dense.set_ref(inputs, &spikes).unwrap();
                dense.run(syn, t, DT).unwrap();
            })
        });
    // A batch of 8 rows of 1000 inputs into 1000 cells.
    let mut m = circuit(1_000, 10.0, 1_000, 8, RandomMode::Fast);
    bench_process(
        c,
        "synapse",
        "alpha_1000x1000_batch8_events_with_encoder",
        &mut m,
        "both",
    );
}

fn lif(c: &mut Criterion) {
    let mut ctx = Context::new("l");
    let mut p = LIFCellParams::new(10.0);
    (p.thr, p.v_rest, p.v_reset, p.refract_time) = (-55.0, -75.0, -75.0, 2.0);
    ctx.add(LIFCell::new("z", 1_000, p).unwrap()).unwrap();
    ctx.process("adv", &[("z", Method::AdvanceState)]).unwrap();
    let mut m = ctx.build().unwrap();
    m.set("z:j", &Array2::from_elem((1, 1_000), 25.0f32))
        .unwrap();
    bench_process(c, "lif", "euler_1000", &mut m, "adv");
}

fn whole_step(c: &mut Criterion) {
    for (mode, label) in [(RandomMode::Jax, "jax"), (RandomMode::Fast, "fast")] {
        let cfg = EiAlpha {
            n_exc: 8_000,
            n_inh: 2_000,
            n_post: 1_000,
            g_syn_bar: 2.4 * 80.0 / 8_000.0,
            ..Default::default()
        };
        let mut m = cfg.build().unwrap();
        m.set_random_mode(mode);
        bench_process(
            c,
            "model",
            &format!("b2_step/{label}"),
            &mut m,
            "advance_proc",
        );
    }
}

/// One learning step of a 784 x 400 TraceSTDP synapse with 10 Hz Poisson spikes on
/// both sides (dt = 1 ms: about 8 pre- and 4 post-synaptic spikes a step) and their
/// traces: the spikes' rows and columns only, and, for comparison, with a weight decay
/// (`tau_w > 0`), which touches every weight.
fn learning(c: &mut Criterion) {
    let mut g = c.benchmark_group("learning");
    for (id, tau_w) in [
        ("trace_stdp_784x400_10hz", 0.0),
        ("trace_stdp_784x400_10hz_decay", 1e4),
    ] {
        let k = Key::from_seed(5).split::<5>();
        let mut ctx = Context::new("learn");
        ctx.add(PoissonCell::new("pre", 784, 10.0, 1, Some(k[0])).unwrap())
            .unwrap();
        ctx.add(PoissonCell::new("post", 400, 10.0, 1, Some(k[1])).unwrap())
            .unwrap();
        let mut pw = TraceSTDPSynapseParams::new(0.01, 0.005);
        (pw.tau_w, pw.key) = (tau_w, Some(k[2]));
        ctx.add(TraceSTDPSynapse::new("W", (784, 400), pw).unwrap())
            .unwrap();
        let mut pt = VarTraceParams::new(20.0, 0.0);
        pt.key = Some(k[3]);
        ctx.add(VarTrace::new("tp", 784, pt.clone()).unwrap())
            .unwrap();
        pt.key = Some(k[4]);
        ctx.add(VarTrace::new("tq", 400, pt).unwrap()).unwrap();
        for (s, t) in [
            ("pre:outputs", "tp:inputs"),
            ("post:outputs", "tq:inputs"),
            ("pre:outputs", "W:preSpike"),
            ("post:outputs", "W:postSpike"),
            ("tp:trace", "W:preTrace"),
            ("tq:trace", "W:postTrace"),
        ] {
            ctx.wire(s, t).unwrap();
        }
        ctx.process(
            "learn",
            &[
                ("pre", Method::AdvanceState),
                ("post", Method::AdvanceState),
                ("tp", Method::AdvanceState),
                ("tq", Method::AdvanceState),
                ("W", Method::Evolve),
            ],
        )
        .unwrap();
        let mut m = ctx.build().unwrap();
        m.set("pre:inputs", &Array2::ones((1, 784))).unwrap();
        m.set("post:inputs", &Array2::ones((1, 400))).unwrap();
        m.run_named("learn", 0.0, 1.0).unwrap();
        let learn = m.process_id("learn").unwrap();
        let mut t = 0u32;
        g.bench_function(id, |b| {
            b.iter(|| {
                t += 1;
                m.run(learn, t as f32, 1.0).unwrap();
            })
        });
    }
    g.finish();
}

criterion_group!(kernels, threefry, encoders, synapses, lif, whole_step, learning);
criterion_main!(kernels);
