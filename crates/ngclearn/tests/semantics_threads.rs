//! Large populations draw on several threads; the spikes are the same for any number
//! of threads, and the same as one JAX `uniform` over the whole population.

use ndarray::Array2;
use ngclearn::components::input_encoders::PARALLEL_CELLS;
use ngclearn::core::rng::RandomMode;
use ngclearn::prelude::*;

fn spikes_with_threads(threads: usize, n: usize, steps: usize) -> Vec<Array2<f32>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut ctx = Context::new("p");
        ctx.add(PoissonCell::new("p", n, 400.0, 1, Some(Key::from_seed(99))).unwrap())
            .unwrap();
        ctx.process("adv", &[("p", Method::AdvanceState)]).unwrap();
        let mut m = ctx.build().unwrap();
        m.set("p:inputs", &Array2::ones((1, n))).unwrap();
        (0..steps)
            .map(|k| {
                m.run_named("adv", (k + 1) as f32 * 0.1, 0.1).unwrap();
                m.get("p:outputs").unwrap()
            })
            .collect()
    })
}

#[test]
fn spikes_do_not_depend_on_the_thread_count() {
    let n = 3 * PARALLEL_CELLS + 17;
    let one = spikes_with_threads(1, n, 20);
    let two = spikes_with_threads(2, n, 20);
    let five = spikes_with_threads(5, n, 20);
    assert_eq!(one, two);
    assert_eq!(one, five);
    // And they are JAX's: step k uses split(key)[1] of the k-th key, uniform over all cells.
    let mut key = Key::from_seed(99);
    for want in &one {
        let [next, sub] = key.split::<2>();
        key = next;
        let mut u = vec![0.0f32; n];
        sub.uniform_into(&mut u);
        let p = 1.0f32 * (0.1 / 1000.0) * 400.0;
        let expect: Vec<f32> = u.iter().map(|&x| if x < p { 1.0 } else { 0.0 }).collect();
        assert_eq!(want.as_slice().unwrap(), &expect[..]);
    }
    assert!(one.iter().map(|a| a.sum()).sum::<f32>() > 0.0);
}

/// Spikes of a population that draws ahead (mid-sized, more than one thread): built
/// in a pool of `threads`, run for `steps`, with the key set from outside at step 70,
/// the fast mode for steps 100 to 109 and a reset at step 150. Returns the spikes and the key after each step.
fn drawn_ahead(threads: usize, n: usize, steps: usize) -> Vec<(Array2<f32>, Key)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut ctx = Context::new("p");
        ctx.add(PoissonCell::new("p", n, 300.0, 1, Some(Key::from_seed(4))).unwrap())
            .unwrap();
        ctx.process("adv", &[("p", Method::AdvanceState)]).unwrap();
        ctx.process("rst", &[("p", Method::Reset)]).unwrap();
        let mut m = ctx.build().unwrap();
        m.set("p:inputs", &Array2::ones((1, n))).unwrap();
        (0..steps)
            .map(|k| {
                if k == 70 {
                    m.set_key("p:key", Key::from_seed(12)).unwrap();
                }
                if k == 100 {
                    m.set_random_mode(RandomMode::Fast);
                }
                if k == 110 {
                    m.set_random_mode(RandomMode::Jax);
                }
                if k == 150 {
                    m.run_named("rst", 0.0, 0.1).unwrap();
                    m.set("p:inputs", &Array2::ones((1, n))).unwrap();
                }
                m.run_named("adv", (k + 1) as f32 * 0.1, 0.1).unwrap();
                (m.get("p:outputs").unwrap(), m.get_key("p:key").unwrap())
            })
            .collect()
    })
}

/// Mid-sized populations draw the next steps' numbers ahead on a helper thread (in
/// blocks of up to 64 steps). The spikes and keys must be the ones drawn step by step,
/// across block boundaries, a key set from outside, a switch to the fast mode and back
/// (which drops the helper and makes a new one) and a reset.
#[test]
fn draws_made_ahead_are_the_step_by_step_draws() {
    let n = 3000; // blocks of 64 steps
    let serial = drawn_ahead(1, n, 230);
    let ahead = drawn_ahead(2, n, 230);
    assert_eq!(serial, ahead);
    let mut key = Key::from_seed(4);
    for (k, (spikes, after)) in serial.iter().enumerate() {
        if k == 70 {
            key = Key::from_seed(12);
        }
        if (100..110).contains(&k) {
            assert_eq!(
                *after, key,
                "step {k}: the fast mode leaves the key as it is"
            );
            continue;
        }
        let [next, sub] = key.split::<2>();
        key = next;
        assert_eq!(*after, key, "step {k}: key");
        let mut u = vec![0.0f32; n];
        sub.uniform_into(&mut u);
        let p = 1.0f32 * (0.1 / 1000.0) * 300.0;
        let expect: Vec<f32> = u.iter().map(|&x| if x < p { 1.0 } else { 0.0 }).collect();
        assert_eq!(spikes.as_slice().unwrap(), &expect[..], "step {k}: spikes");
    }
}

/// Spikes of a large and a mid-sized population built with `parallelism`, switched to
/// `then` after 15 steps.
fn with_parallelism(
    parallelism: ngclearn::core::parallel::Parallelism,
    then: ngclearn::core::parallel::Parallelism,
) -> Vec<(Array2<f32>, Array2<f32>)> {
    let (big, mid) = (PARALLEL_CELLS + 5, 3000);
    let mut ctx = Context::new("p");
    ctx.set_parallelism(parallelism);
    ctx.add(PoissonCell::new("big", big, 300.0, 1, Some(Key::from_seed(5))).unwrap())
        .unwrap();
    ctx.add(PoissonCell::new("mid", mid, 300.0, 1, Some(Key::from_seed(6))).unwrap())
        .unwrap();
    ctx.process(
        "adv",
        &[("big", Method::AdvanceState), ("mid", Method::AdvanceState)],
    )
    .unwrap();
    let mut m = ctx.build().unwrap();
    assert_eq!(m.parallelism(), parallelism);
    m.set("big:inputs", &Array2::ones((1, big))).unwrap();
    m.set("mid:inputs", &Array2::ones((1, mid))).unwrap();
    (0..150)
        .map(|k| {
            if k == 15 {
                m.set_parallelism(then).unwrap();
            }
            m.run_named("adv", (k + 1) as f32 * 0.1, 0.1).unwrap();
            (m.get("big:outputs").unwrap(), m.get("mid:outputs").unwrap())
        })
        .collect()
}

/// The model's one parallelism setting, chosen at build and changed mid-run, does not
/// change a spike.
#[test]
fn the_parallelism_setting_changes_no_spike() {
    use ngclearn::core::parallel::Parallelism::{Off, Threads};
    let off = with_parallelism(Off, Off);
    assert_eq!(with_parallelism(Threads(2), Threads(2)), off);
    assert_eq!(with_parallelism(Threads(3), Off), off);
    assert_eq!(with_parallelism(Off, Threads(2)), off);
    assert!(off.iter().map(|(a, b)| a.sum() + b.sum()).sum::<f32>() > 0.0);
    let mut ctx = Context::new("zero");
    ctx.set_parallelism(Threads(0));
    assert!(ctx
        .build()
        .unwrap_err()
        .to_string()
        .contains("at least one thread"));
}
