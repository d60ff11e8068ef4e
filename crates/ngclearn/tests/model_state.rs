//! A model's state as a value (`core::state`): taken out and put back it restarts a
//! run exactly (keys included), a swap exchanges it without changing anything else,
//! another model's state is refused; and a run loop with a time table (a scan's rows)
//! steps at the given times.

mod common;

use common::fixtures_dir;
use ngclearn::core::context::Model;
use ngclearn::core::sim::{Flow, Output, Recorded, Recording, Simulation};
use ngclearn::core::state::Value;
use ngclearn::io::load_model_dir;
use ngclearn::Error;

fn tutorial() -> Model {
    load_model_dir(&fixtures_dir().join("models/ei_alpha_tutorial")).unwrap()
}

fn steps(m: &mut Model, n: usize) -> Vec<f32> {
    let adv = m.process_id("advance_proc").unwrap();
    let mut v = Vec::new();
    for k in 0..n {
        m.run(adv, 0.1 * (k + 1) as f32, 0.1).unwrap();
        v.push(m.get("post_exc:v").unwrap()[[0, 0]]);
        v.push(m.get("pre_exc:outputs").unwrap().sum());
    }
    v
}

#[test]
fn a_state_put_back_restarts_the_run_exactly() {
    let mut m = tutorial();
    m.set("pre_exc:inputs", &ndarray::Array2::ones((1, 80)))
        .unwrap();
    let start = m.state();
    let first = steps(&mut m, 300);
    assert!(
        first.iter().skip(1).step_by(2).any(|&s| s > 0.0),
        "no input spikes"
    );
    m.set_state(&start).unwrap();
    assert_eq!(steps(&mut m, 300), first);
}

#[test]
fn a_swap_hands_out_the_final_state_and_restores_the_first() {
    let mut m = tutorial();
    m.set("pre_exc:inputs", &ndarray::Array2::ones((1, 80)))
        .unwrap();
    let mut saved = m.state();
    let before = m.state();
    steps(&mut m, 200);
    let after = m.state();
    m.swap_state(&mut saved).unwrap();
    for ((p, a), (_, b)) in m.state().iter().zip(before.iter()) {
        assert_eq!(a, b, "{p} is not back");
    }
    for ((p, a), (_, b)) in saved.iter().zip(after.iter()) {
        assert_eq!(a, b, "{p} is not the final value");
    }
    // The wired compartments have no entry; every key does.
    assert!(saved.get("post_exc:j").is_none());
    assert!(matches!(saved.get("pre_exc:key"), Some(Value::Key(_))));
}

#[test]
fn a_state_is_checked_against_its_model_and_its_shapes() {
    let mut a = tutorial();
    let mut b = tutorial();
    let mut s = a.state();
    assert!(matches!(b.set_state(&s), Err(Error::ForeignHandle { .. })));
    assert!(matches!(
        b.swap_state(&mut s),
        Err(Error::ForeignHandle { .. })
    ));
    let e = s
        .set("post_exc:v", Value::Array(ndarray::Array2::zeros((2, 2))))
        .unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    let e = s
        .set(
            "post_exc:v",
            Value::Key(ngclearn::core::rng::Key::from_seed(1)),
        )
        .unwrap_err();
    assert!(matches!(e, Error::KindMismatch { .. }), "{e}");
    assert!(s
        .set("post_exc:j", Value::Array(ndarray::Array2::zeros((1, 1))))
        .is_err());
    s.set(
        "post_exc:v",
        Value::Array(ndarray::Array2::from_elem((1, 1), -70.0)),
    )
    .unwrap();
    a.set_state(&s).unwrap();
    assert_eq!(a.get("post_exc:v").unwrap()[[0, 0]], -70.0);
}

#[test]
fn a_time_table_gives_each_step_its_own_time() {
    // Uneven steps from a table equal the same steps made by hand; a row past the end,
    // a non-positive step or a non-finite time are errors.
    let table: Vec<(f32, f32)> = (0..100)
        .map(|k| (0.05 * k as f32, if k % 3 == 0 { 0.2 } else { 0.05 }))
        .collect();
    let mut a = tutorial();
    a.set("pre_exc:inputs", &ndarray::Array2::ones((1, 80)))
        .unwrap();
    let adv = a.process_id("advance_proc").unwrap();
    let mut sim = Simulation::new(&a, adv, 0.1, 0.1).unwrap();
    sim.set_times(table.clone()).unwrap();
    let r = a.compartment("post_exc:v").unwrap();
    sim.record(&a, r, Recording::Dense, Output::Memory).unwrap();
    sim.run(&mut a, 100, |_, _| Ok(Flow::Continue)).unwrap();
    let got = match sim.finish().unwrap().pop() {
        Some(Recorded::Dense(v)) => v,
        other => panic!("{other:?}"),
    };
    let mut b = tutorial();
    b.set("pre_exc:inputs", &ndarray::Array2::ones((1, 80)))
        .unwrap();
    let adv_b = b.process_id("advance_proc").unwrap();
    for (k, &(t, dt)) in table.iter().enumerate() {
        b.run(adv_b, t, dt).unwrap();
        assert_eq!(
            got[[k, 0, 0]],
            b.get("post_exc:v").unwrap()[[0, 0]],
            "step {k}"
        );
    }
    // A uniform run differs: the table was used.
    let mut c = tutorial();
    c.set("pre_exc:inputs", &ndarray::Array2::ones((1, 80)))
        .unwrap();
    let adv_c = c.process_id("advance_proc").unwrap();
    for k in 0..100 {
        c.run(adv_c, 0.1 * (k + 1) as f32, 0.1).unwrap();
    }
    assert_ne!(c.get("post_exc:v").unwrap()[[0, 0]], got[[99, 0, 0]]);

    let mut m = tutorial();
    let adv = m.process_id("advance_proc").unwrap();
    let mut sim = Simulation::new(&m, adv, 0.0, 0.1).unwrap();
    assert!(sim.set_times(vec![(0.0, 0.0)]).is_err());
    assert!(sim.set_times(vec![(f32::NAN, 0.1)]).is_err());
    sim.set_times(vec![(0.1, 0.1); 3]).unwrap();
    let e = sim.run(&mut m, 4, |_, _| Ok(Flow::Continue)).unwrap_err();
    assert!(e.to_string().contains("time table"), "{e}");
    assert_eq!(sim.run(&mut m, 3, |_, _| Ok(Flow::Continue)).unwrap(), 3);
}
