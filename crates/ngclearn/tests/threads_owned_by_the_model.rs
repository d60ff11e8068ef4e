//! Components start threads only through their model: a model's helper threads (one
//! per mid-sized population drawing ahead) never outnumber its thread setting, a copy
//! of a population asks the same model, a population outside a model starts none, and
//! they end with the model. (One test in this binary, so that no other test's threads
//! are counted.)
#![cfg(target_os = "linux")]

use ngclearn::core::parallel::Parallelism;
use ngclearn::prelude::*;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[test]
fn a_models_threads_never_outnumber_its_setting_and_end_with_it() {
    let before = threads();
    let sizes = [("p0", 2000), ("p1", 3000), ("p2", 4000)];
    let mut ctx = Context::new("m");
    ctx.set_parallelism(Parallelism::Threads(2));
    for (i, (name, n)) in sizes.into_iter().enumerate() {
        let key = Some(Key::from_seed(i as u64));
        ctx.add(PoissonCell::new(name, n, 50.0, 1, key).unwrap())
            .unwrap();
    }
    let calls = sizes.map(|(name, _)| (name, Method::AdvanceState));
    ctx.process("adv", &calls).unwrap();
    let mut m = ctx.build().unwrap();
    for (name, n) in sizes {
        m.set(&format!("{name}:inputs"), &ndarray::Array2::ones((1, n)))
            .unwrap();
    }
    for k in 1..=100 {
        m.run_named("adv", k as f32 * 0.1, 0.1).unwrap();
    }
    assert_eq!(
        threads(),
        before + 2,
        "three populations, two threads allowed: two helpers"
    );
    // A copy asks the same model, whose threads are all taken.
    let copy = m.component_as::<PoissonCell>("p1").unwrap().clone();
    assert_eq!(threads(), before + 2);
    drop(copy);
    drop(m);
    assert_eq!(threads(), before, "the threads end with the model");
    // A population built alone (not in a model) starts no thread at all.
    let alone = PoissonCell::new("alone", 3000, 50.0, 1, Some(Key::from_seed(1))).unwrap();
    assert_eq!(threads(), before);
    drop(alone);
    // With threads off, a model starts none either.
    let mut ctx = Context::new("off");
    ctx.set_parallelism(Parallelism::Off);
    ctx.add(PoissonCell::new("p", 3000, 50.0, 1, Some(Key::from_seed(2))).unwrap())
        .unwrap();
    ctx.process("adv", &[("p", Method::AdvanceState)]).unwrap();
    let mut m = ctx.build().unwrap();
    m.run_named("adv", 0.1, 0.1).unwrap();
    assert_eq!(threads(), before);
}
