//! The least a step of Brette et al.'s CUBA network (4,000 LIF cells, p = 0.02, 0.1 ms)
//! costs on this machine with ngclearn's arithmetic (Euler, XLA's fused multiply-adds):
//! one hand-written loop per population, fused (both conductances, the current and the
//! cell in one pass, AVX-512), keeping only `v`, the refractory time, `s` and the two
//! conductances per cell, spikes listed and scattered through compressed rows; on one
//! core, and on two (each half of every population, one spin barrier a step). It is a
//! bound for `ngc` (which keeps ngclearn's script's state: each synapse's conductance,
//! current and copy of `v`, the watched spikes), not a simulator: connectivity is drawn
//! here, so its spike counts are near, not equal to, the benchmark's.
//!
//! Usage: cargo run --release --manifest-path bench/cuba_bound/Cargo.toml [-- STEPS]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const NE: usize = 3200;
const NI: usize = 800;

/// xorshift64: connectivity and starting potentials.
struct Rng(u64);
impl Rng {
    fn uniform(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Each presynaptic cell's targets (p = 0.02).
fn draw_rows(rng: &mut Rng, n_pre: usize, n_post: usize) -> Vec<Vec<u32>> {
    (0..n_pre)
        .map(|_| {
            (0..n_post as u32)
                .filter(|_| rng.uniform() < 0.02)
                .collect()
        })
        .collect()
}

/// Rows kept to targets in `lo..hi`, counted from `lo`, compressed.
struct Rows {
    start: Vec<usize>,
    target: Vec<u32>,
}
impl Rows {
    fn new(rows: &[Vec<u32>], lo: u32, hi: u32) -> Rows {
        let mut start = vec![0];
        let mut target = Vec::new();
        for row in rows {
            target.extend(row.iter().filter(|&&j| j >= lo && j < hi).map(|&j| j - lo));
            start.push(target.len());
        }
        Rows { start, target }
    }
    fn scatter(&self, spikes: &[u32], x: &mut [f32]) {
        for &s in spikes {
            let s = s as usize;
            for &j in &self.target[self.start[s]..self.start[s + 1]] {
                x[j as usize] += 1.0;
            }
        }
    }
}

/// Brian2's CUBA parameters in ngclearn's script's terms (bench/brette2007/ngclearn_net.py).
struct Params {
    dt: f32,
    inv_dt: f32,
    inv_tau_e: f32,
    inv_tau_i: f32,
    gbar_e: f32,
    gbar_i: f32,
    v_rest: f32,
    inv_tau_m: f32,
    refract: f32,
    thr: f32,
    v_reset: f32,
}
const P: Params = Params {
    dt: 0.1,
    inv_dt: 1.0 / 0.1,
    inv_tau_e: 1.0 / 5.0,
    inv_tau_i: 1.0 / 10.0,
    gbar_e: 1.62,
    gbar_i: 9.0,
    v_rest: -49.0,
    inv_tau_m: 1.0 / 20.0,
    refract: 5.0,
    thr: -50.0,
    v_reset: -60.0,
};

/// A population's (or half a population's) state.
struct Cells {
    v: Vec<f32>,
    rfr: Vec<f32>,
    s: Vec<f32>,
    ge: Vec<f32>,
    gi: Vec<f32>,
    xe: Vec<f32>,
    xi: Vec<f32>,
}
impl Cells {
    fn new(v: &[f32]) -> Cells {
        let z = vec![0.0; v.len()];
        Cells {
            v: v.to_vec(),
            rfr: vec![P.refract; v.len()],
            s: z.clone(),
            ge: z.clone(),
            gi: z.clone(),
            xe: z.clone(),
            xi: z,
        }
    }

    /// One Euler step of both conductances (ngclearn's ExponentialSynapse, current-based:
    /// i = -g * resist_scale) and the LIF cell, as XLA computes them.
    #[inline(always)]
    fn step(&mut self) {
        let n = self.v.len();
        let (v, rfr, s) = (&mut self.v[..n], &mut self.rfr[..n], &mut self.s[..n]);
        let (ge, gi, xe, xi) = (
            &mut self.ge[..n],
            &mut self.gi[..n],
            &mut self.xe[..n],
            &mut self.xi[..n],
        );
        for k in 0..n {
            let dg = (xe[k] * P.gbar_e).mul_add(P.inv_dt, -ge[k] * P.inv_tau_e);
            ge[k] = dg.mul_add(P.dt, ge[k]);
            let dg = (xi[k] * P.gbar_i).mul_add(P.inv_dt, -gi[k] * P.inv_tau_i);
            gi[k] = dg.mul_add(P.dt, gi[k]);
            (xe[k], xi[k]) = (0.0, 0.0);
            let j = ge[k] + -gi[k];
            let j = f32::from_bits(j.to_bits() & if rfr[k] >= P.refract { u32::MAX } else { 0 });
            let nv = ((P.v_rest - v[k]) + j) * P.inv_tau_m;
            let nv = nv.mul_add(P.dt, v[k]);
            let spike = if nv > P.thr { 1.0f32 } else { 0.0 };
            rfr[k] = (rfr[k] + P.dt) * (1.0 - spike);
            v[k] = nv * (1.0 - spike) + spike * P.v_reset;
            s[k] = spike;
        }
    }

    fn list_spikes(&self, first: u32, out: &mut Vec<u32>) {
        out.clear();
        for (b, block) in self.s.chunks(32).enumerate() {
            if block.iter().fold(0, |a, x| a | x.to_bits()) != 0 {
                let fired = block.iter().enumerate().filter(|(_, &x)| x != 0.0);
                out.extend(fired.map(|(k, _)| first + (b * 32 + k) as u32));
            }
        }
    }
}

#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn step_avx512(c: &mut Cells) {
    c.step()
}

fn step(c: &mut Cells) {
    if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl") {
        // SAFETY: the processor has AVX-512 F and VL, checked just above.
        unsafe { step_avx512(c) }
    } else {
        c.step()
    }
}

/// A spin barrier for `n` threads.
struct Barrier {
    arrived: AtomicUsize,
    round: AtomicUsize,
    n: usize,
}
impl Barrier {
    fn wait(&self) {
        let round = self.round.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.n {
            self.arrived.store(0, Ordering::Relaxed);
            self.round.store(round + 1, Ordering::Release);
        } else {
            while self.round.load(Ordering::Acquire) == round {
                std::hint::spin_loop();
            }
        }
    }
}

/// Each part's spike lists of the last two steps (E and I), written by its owner in the
/// step's own slot and read by every part in the next step, one barrier between.
struct Lists(Vec<[std::cell::UnsafeCell<Vec<u32>>; 4]>);
// SAFETY: a slot is written by its part during one step and read by the others only
// in the next one, the barrier ordering the two.
unsafe impl Sync for Lists {}

/// Runs `steps` steps on `parts` threads; returns (seconds, E spikes, I spikes).
fn run(parts: usize, steps: usize, seed: u64) -> (f64, usize, usize) {
    let mut rng = Rng(seed);
    let rows = [
        draw_rows(&mut rng, NE, NE),
        draw_rows(&mut rng, NE, NI),
        draw_rows(&mut rng, NI, NE),
        draw_rows(&mut rng, NI, NI),
    ];
    let v0: Vec<f32> = (0..NE + NI).map(|_| -60.0 + 10.0 * rng.uniform()).collect();
    let list = || std::cell::UnsafeCell::new(Vec::with_capacity(NE));
    let lists = Lists(
        (0..parts)
            .map(|_| [list(), list(), list(), list()])
            .collect(),
    );
    let barrier = Barrier {
        arrived: AtomicUsize::new(0),
        round: AtomicUsize::new(0),
        n: parts,
    };
    let start = Instant::now();
    let counts: Vec<(usize, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..parts)
            .map(|p| {
                let (e0, e1) = ((p * NE / parts) as u32, ((p + 1) * NE / parts) as u32);
                let (i0, i1) = ((p * NI / parts) as u32, ((p + 1) * NI / parts) as u32);
                let [ee, ei, ie, ii] = [
                    Rows::new(&rows[0], e0, e1),
                    Rows::new(&rows[1], i0, i1),
                    Rows::new(&rows[2], e0, e1),
                    Rows::new(&rows[3], i0, i1),
                ];
                let mut e = Cells::new(&v0[e0 as usize..e1 as usize]);
                let mut i = Cells::new(&v0[NE + i0 as usize..NE + i1 as usize]);
                let (lists, barrier) = (&lists, &barrier);
                scope.spawn(move || {
                    let (mut n_e, mut n_i) = (0, 0);
                    for t in 0..steps {
                        let (now, last) = (2 * (t % 2), 2 * ((t + 1) % 2));
                        // SAFETY: see `Lists`.
                        unsafe {
                            for from in &lists.0 {
                                let (se, si) = (&*from[last].get(), &*from[last + 1].get());
                                ee.scatter(se, &mut e.xe);
                                ei.scatter(se, &mut i.xe);
                                ie.scatter(si, &mut e.xi);
                                ii.scatter(si, &mut i.xi);
                            }
                            step(&mut e);
                            step(&mut i);
                            let (le, li) =
                                (&mut *lists.0[p][now].get(), &mut *lists.0[p][now + 1].get());
                            e.list_spikes(e0, le);
                            i.list_spikes(i0, li);
                            (n_e, n_i) = (n_e + le.len(), n_i + li.len());
                        }
                        if parts > 1 {
                            barrier.wait();
                        }
                    }
                    (n_e, n_i)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker panicked"))
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let (n_e, n_i) = counts.iter().fold((0, 0), |a, c| (a.0 + c.0, a.1 + c.1));
    (secs, n_e, n_i)
}

fn main() {
    let steps: usize = std::env::args()
        .nth(1)
        .map_or(10_000, |s| s.parse().expect("STEPS is a number"));
    println!(
        "CUBA, {steps} steps of 0.1 ms, fused loops{}",
        if std::is_x86_feature_detected!("avx512f") {
            " (AVX-512)"
        } else {
            ""
        }
    );
    for parts in [1, 2] {
        let best = (0..5)
            .map(|_| run(parts, steps, 2007))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .expect("five runs");
        println!(
            "  {parts} core{}: {:.4} s ({:.2} us a step), E {} I {} spikes",
            if parts > 1 { "s" } else { " " },
            best.0,
            best.0 / steps as f64 * 1e6,
            best.1,
            best.2
        );
    }
}
