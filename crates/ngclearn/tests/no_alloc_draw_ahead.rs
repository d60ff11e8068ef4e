//! Drawing ahead on a helper thread allocates nothing either: a counting allocator
//! that counts every thread (this binary holds this one test, so nothing else runs
//! beside it) watches a JAX-mode E-I circuit whose two populations draw ahead.

use ngclearn::models::ei_alpha::EiAlpha;
use ngclearn::utils::alloc_counter::{allocations_everywhere, CountingAllocator};

#[global_allocator]
static COUNTER: CountingAllocator = CountingAllocator;

#[test]
fn drawing_ahead_does_not_allocate() {
    // Two threads allowed, whatever the machine: the populations then draw ahead.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        let cfg = EiAlpha {
            n_exc: 3000,
            n_inh: 1500,
            n_post: 20,
            seed: 8,
            ..Default::default()
        };
        let mut m = cfg.build().unwrap();
        let adv = m.process_id("advance_proc").unwrap();
        // Warm up past the first hand-over, so that the helper threads have started
        // (a new thread allocates a little for itself when it starts).
        for k in 1..=200 {
            m.run(adv, k as f32 * 0.1, 0.1).unwrap();
        }
        let before = allocations_everywhere();
        // Blocks of 64 steps: about 30 hand-overs to each helper.
        for k in 201..=2200 {
            m.run(adv, k as f32 * 0.1, 0.1).unwrap();
        }
        let after = allocations_everywhere();
        assert_eq!(after - before, 0, "allocations while drawing ahead");
        assert!(
            m.get("pre_exc:tols").unwrap().sum() > 0.0,
            "the encoders did fire"
        );
    });
}
