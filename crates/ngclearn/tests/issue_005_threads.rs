//! Large populations draw on several threads; the spikes are the same for any number
//! of threads, and the same as one JAX `uniform` over the whole population.

use ndarray::Array2;
use ngclearn::components::input_encoders::PARALLEL_CELLS;
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
