//! The step loop allocates nothing: a counting allocator watches `Model::run` on the
//! tutorial's E-I circuit (wires, a Summation, Poisson draws, synapses, a LIF cell).

use ndarray::Array2;
use ngclearn::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn running_a_process_does_not_allocate() {
    let sk = Key::from_seed(1).split::<4>();
    let syn = |tau, e| {
        let mut p = AlphaSynapseParams::new(tau, 2.4, Some(e));
        p.dense.key = Some(sk[2]);
        p.dense.batch_size = 2;
        p
    };
    let mut lp = LIFCellParams::new(10.0);
    lp.key = Some(sk[3]);
    lp.one_spike = true;
    let mut ctx = Context::new("ei");
    ctx.add(PoissonCell::new("pe", 40, 50.0, 2, Some(sk[0])).unwrap())
        .unwrap();
    ctx.add(BernoulliCell::new("pi", 10, 2, Some(sk[1])).unwrap())
        .unwrap();
    ctx.add(AlphaSynapse::new("We", (40, 3), syn(2.0, 0.0)).unwrap())
        .unwrap();
    ctx.add(AlphaSynapse::new("Wi", (10, 3), syn(5.0, -80.0)).unwrap())
        .unwrap();
    let mut lp2 = lp.clone();
    lp2.batch_size = 2;
    ctx.add(LIFCell::new("post", 3, lp2).unwrap()).unwrap();
    for (s, d) in [
        ("pe:outputs", "We:inputs"),
        ("pi:outputs", "Wi:inputs"),
        ("post:v", "We:v"),
        ("post:v", "Wi:v"),
    ] {
        ctx.wire(s, d).unwrap();
    }
    ctx.wire(Summation::of(["We:i_syn", "Wi:i_syn"]), "post:j")
        .unwrap();
    let order = ["pe", "pi", "We", "Wi", "post"];
    ctx.process("adv", &order.map(|c| (c, Method::AdvanceState)))
        .unwrap();
    ctx.process("rst", &order.map(|c| (c, Method::Reset)))
        .unwrap();
    let mut m = ctx.build().unwrap();
    m.set("pe:inputs", &Array2::ones((2, 40))).unwrap();
    m.set("pi:inputs", &Array2::from_elem((2, 10), 0.05))
        .unwrap();
    let (adv, rst) = (m.process_id("adv").unwrap(), m.process_id("rst").unwrap());
    m.run(adv, 0.1, 0.1).unwrap();

    let before = ALLOCS.load(Ordering::Relaxed);
    for k in 1..=2000 {
        m.run(adv, k as f32 * 0.1, 0.1).unwrap();
    }
    let after = ALLOCS.load(Ordering::Relaxed);
    assert!(
        m.get("pe:tols").unwrap().sum() > 0.0,
        "the encoders did fire"
    );
    let before_reset = ALLOCS.load(Ordering::Relaxed);
    m.run(rst, 0.0, 0.1).unwrap();
    assert_eq!(after - before, 0, "allocations in the step loop");
    assert_eq!(
        ALLOCS.load(Ordering::Relaxed) - before_reset,
        0,
        "allocations in reset"
    );
}
