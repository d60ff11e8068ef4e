//! Criterion benchmarks of the convolutional synapses' steps, at the sizes of
//! `bench/conv.py` (which times the same steps on both engines through Python): a
//! TraceSTDPConvSynapse's forward convolution (`advance_state`) and its filter update
//! (`evolve`), and a HebbianConvSynapse's input gradient (`backtransmit`).
//!
//! `cargo bench -p ngclearn --bench conv`.

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;
use ngclearn::components::synapses::convolution::{
    HebbianConvSynapse, HebbianConvSynapseParams, TraceSTDPConvSynapse, TraceSTDPConvSynapseParams,
};
use ngclearn::prelude::*;

/// (name, x_size, n_in_chan, k_size, filters, batch)
const SIZES: [(&str, usize, usize, usize, usize, usize); 3] = [
    ("digits", 8, 1, 3, 8, 1),
    ("mnist", 28, 1, 5, 16, 1),
    ("maps", 16, 8, 3, 16, 4),
];

fn filled(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut a = Array2::zeros((rows, cols));
    Key::from_seed(seed).uniform_into(a.as_slice_mut().unwrap());
    a
}

fn conv(c: &mut Criterion) {
    let mut g = c.benchmark_group("conv");
    for (name, x, c_in, k, f, b) in SIZES {
        let mut p = TraceSTDPConvSynapseParams::new((k, k, c_in, f), (x, x), 1.0, 0.5);
        p.padding = Some("SAME".into());
        p.eta = 0.01;
        p.batch_size = b;
        p.key = Some(Key::from_seed(1));
        let mut ctx = Context::new(name);
        ctx.add(TraceSTDPConvSynapse::new("W", (), p).unwrap())
            .unwrap();
        ctx.process("adv", &[("W", Method::AdvanceState)]).unwrap();
        ctx.process("evo", &[("W", Method::Evolve)]).unwrap();
        let mut m = ctx.build().unwrap();
        let n_in = x * x * c_in;
        let n_out = x * x * f;
        m.set("W:inputs", &filled(b, n_in, 2)).unwrap();
        m.set("W:preTrace", &filled(b, n_in, 3)).unwrap();
        m.set(
            "W:preSpike",
            &filled(b, n_in, 4).mapv(|v| (v < 0.2) as u8 as f32),
        )
        .unwrap();
        m.set(
            "W:postSpike",
            &filled(b, n_out, 5).mapv(|v| (v < 0.2) as u8 as f32),
        )
        .unwrap();
        m.set("W:postTrace", &filled(b, n_out, 6)).unwrap();
        let (adv, evo) = (m.process_id("adv").unwrap(), m.process_id("evo").unwrap());
        g.bench_function(format!("trace_stdp_advance_state/{name}"), |bch| {
            bch.iter(|| m.run(adv, 0.0, 1.0).unwrap())
        });
        g.bench_function(format!("trace_stdp_evolve/{name}"), |bch| {
            bch.iter(|| m.run(evo, 0.0, 1.0).unwrap())
        });
        let mut p = HebbianConvSynapseParams::new((k, k, c_in, f), (x, x));
        p.padding = Some("SAME".into());
        p.batch_size = b;
        p.key = Some(Key::from_seed(1));
        let mut ctx = Context::new(name);
        ctx.add(HebbianConvSynapse::new("W", (), p).unwrap())
            .unwrap();
        let back = ctx.method("W", "backtransmit").unwrap();
        ctx.process("back", &[("W", back)]).unwrap();
        let mut m = ctx.build().unwrap();
        m.set("W:post", &filled(b, n_out, 7)).unwrap();
        let back = m.process_id("back").unwrap();
        g.bench_function(format!("hebbian_backtransmit/{name}"), |bch| {
            bch.iter(|| m.run(back, 0.0, 1.0).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, conv);
criterion_main!(benches);
