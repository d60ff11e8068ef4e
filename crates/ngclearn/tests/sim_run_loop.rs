//! The library's run loop (`core::sim::Simulation`): what it records equals stepping
//! by hand, feeds arrive before each step, runs continue where they stopped, and bad
//! attachments are errors before anything runs.

mod common;

use common::{fixtures_dir, scratch};
use ndarray::{Array2, Array3};
use ngclearn::core::context::Model;
use ngclearn::core::sim::{FeedSource, Flow, Output, Recorded, Recording, Simulation};
use ngclearn::io::load_model_dir;
use ngclearn::io::npy::{read_f32_3d, Dtype, NpyStream};
use ngclearn::Error;

fn tutorial() -> Model {
    load_model_dir(&fixtures_dir().join("models/ei_alpha_tutorial")).unwrap()
}

/// The values of `paths` after each of `steps` steps of `advance_proc`, by hand.
fn by_hand(m: &mut Model, steps: usize, paths: &[&str]) -> Vec<Vec<Array2<f32>>> {
    let adv = m.process_id("advance_proc").unwrap();
    let mut out = vec![Vec::new(); paths.len()];
    for k in 0..steps {
        m.run(adv, (0.1f64 + k as f64 * 0.1f64) as f32, 0.1)
            .unwrap();
        for (o, p) in out.iter_mut().zip(paths) {
            o.push(m.get(p).unwrap());
        }
    }
    out
}

#[test]
fn recordings_equal_stepping_by_hand() {
    let steps = 600;
    let want = by_hand(
        &mut tutorial(),
        steps,
        &["post_exc:v", "pre_exc:outputs", "Wexc:g_syn"],
    );
    let mut m = tutorial();
    let adv = m.process_id("advance_proc").unwrap();
    let mut sim = Simulation::new(&m, adv, 0.1, 0.1).unwrap();
    let c = |p: &str| m.compartment(p).unwrap();
    sim.record(&m, c("post_exc:v"), Recording::Dense, Output::Memory)
        .unwrap();
    sim.record(&m, c("pre_exc:outputs"), Recording::Spikes, Output::Memory)
        .unwrap();
    let dir = scratch("sim_stream");
    let stream = NpyStream::create(&dir.join("g.npy"), Dtype::F32, &[1, 1]).unwrap();
    sim.record(
        &m,
        c("Wexc:g_syn"),
        Recording::Dense,
        Output::Stream(Box::new(stream)),
    )
    .unwrap();
    let post = sim.count_spikes(&m, c("post_exc:s")).unwrap();
    assert_eq!(
        sim.run(&mut m, steps, |_, _| Ok(Flow::Continue)).unwrap(),
        steps
    );
    let spikes_by_hand: u64 = want[1]
        .iter()
        .map(|a| a.iter().filter(|&&x| x != 0.0).count() as u64)
        .sum();
    let post_by_hand = by_hand(&mut tutorial(), steps, &["post_exc:s"])[0]
        .iter()
        .map(|a| a.sum() as u64)
        .sum::<u64>();
    assert_eq!(sim.spikes(post), Some(post_by_hand));
    assert!(post_by_hand > 0);
    let out = sim.finish().unwrap();
    let Recorded::Dense(vs) = &out[0] else {
        panic!("dense")
    };
    for (k, w) in want[0].iter().enumerate() {
        assert_eq!(
            vs.index_axis(ndarray::Axis(0), k),
            w.view(),
            "v at step {k}"
        );
    }
    let Recorded::Spikes(events) = &out[1] else {
        panic!("spikes")
    };
    assert_eq!(events.len() as u64, spikes_by_hand);
    for &[k, row, unit] in events {
        assert_eq!(row, 0);
        assert_eq!(want[1][k as usize][[0, unit as usize]], 1.0);
    }
    let Some(f) = sim_finish_file(out).closed::<ngclearn::io::replace::PendingFile>() else {
        panic!("file")
    };
    f.commit().unwrap();
    let g = read_f32_3d(&dir.join("g.npy")).unwrap();
    for (k, w) in want[2].iter().enumerate() {
        assert_eq!(
            g.index_axis(ndarray::Axis(0), k),
            w.view(),
            "g_syn at step {k}"
        );
    }
}

fn sim_finish_file(out: Vec<Recorded>) -> Recorded {
    out.into_iter().nth(2).unwrap()
}

#[test]
fn a_run_stopped_and_continued_equals_one_run() {
    let steps = 300;
    let record = |m: &Model, sim: &mut Simulation| {
        let r = m.compartment("post_exc:v").unwrap();
        sim.record(m, r, Recording::Dense, Output::Memory).unwrap();
    };
    let mut whole = tutorial();
    let adv = whole.process_id("advance_proc").unwrap();
    let mut one = Simulation::new(&whole, adv, 0.1, 0.1).unwrap();
    record(&whole, &mut one);
    one.run(&mut whole, steps, |_, _| Ok(Flow::Continue))
        .unwrap();

    let mut parts = tutorial();
    let adv = parts.process_id("advance_proc").unwrap();
    let mut two = Simulation::new(&parts, adv, 0.1, 0.1).unwrap();
    record(&parts, &mut two);
    let ran = two
        .run(&mut parts, steps, |_, k| {
            Ok(if k == 99 { Flow::Stop } else { Flow::Continue })
        })
        .unwrap();
    assert_eq!((ran, two.steps_done()), (100, 100));
    assert_eq!(two.time_of(100), (0.1f64 + 100.0 * 0.1f64) as f32);
    assert_eq!(
        two.run(&mut parts, steps - 100, |_, _| Ok(Flow::Continue))
            .unwrap(),
        200
    );
    let (Recorded::Dense(a), Recorded::Dense(b)) = (
        one.finish().unwrap().remove(0),
        two.finish().unwrap().remove(0),
    ) else {
        panic!("dense recordings")
    };
    assert_eq!(a, b);
}

#[test]
fn a_feed_sets_its_compartment_before_each_step() {
    let mut m = tutorial();
    let adv = m.process_id("advance_proc").unwrap();
    let mut sim = Simulation::new(&m, adv, 0.1, 0.1).unwrap();
    let target = m.compartment("pre_exc:inputs").unwrap();
    let rates = Array3::from_shape_fn((50, 1, 80), |(k, _, u)| (k * 80 + u) as f32);
    sim.feed(&m, target, FeedSource::Array(rates.clone()))
        .unwrap();
    sim.record(&m, target, Recording::Dense, Output::Memory)
        .unwrap();
    sim.run(&mut m, 50, |_, _| Ok(Flow::Continue)).unwrap();
    let Recorded::Dense(seen) = sim.finish().unwrap().remove(0) else {
        panic!()
    };
    assert_eq!(seen, rates);
}

#[test]
fn bad_attachments_are_errors_before_running() {
    let mut m = tutorial();
    let adv = m.process_id("advance_proc").unwrap();
    let c = |m: &Model, p: &str| m.compartment(p).unwrap();
    let mut sim = Simulation::new(&m, adv, 0.1, 0.1).unwrap();
    let e = sim
        .feed(
            &m,
            c(&m, "Wexc:v"),
            FeedSource::Array(Array3::zeros((5, 1, 1))),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("wired"), "{e}");
    let e = sim
        .feed(
            &m,
            c(&m, "pre_exc:inputs"),
            FeedSource::Array(Array3::zeros((5, 1, 79))),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("pre_exc:inputs"), "{e}");
    sim.feed(
        &m,
        c(&m, "pre_exc:inputs"),
        FeedSource::Array(Array3::zeros((5, 1, 80))),
    )
    .unwrap();
    let e = sim
        .run(&mut m, 6, |_, _| Ok(Flow::Continue))
        .unwrap_err()
        .to_string();
    assert!(e.contains("has 5 steps; the run needs 6"), "{e}");
    assert_eq!(sim.steps_done(), 0, "nothing ran");
    sim.record(&m, c(&m, "post_exc:v"), Recording::Dense, Output::Memory)
        .unwrap();
    let e = sim
        .record(&m, c(&m, "post_exc:v"), Recording::Dense, Output::Memory)
        .unwrap_err()
        .to_string();
    assert!(e.contains("once"), "{e}");
    assert!(Simulation::new(&m, adv, 0.1, 0.0).is_err());
    assert!(Simulation::new(&m, adv, f32::NAN, 0.1).is_err());
    // A memory recording too large to hold is refused before the first step.
    let mut big = Simulation::new(&m, adv, 0.1, 0.1).unwrap();
    big.record(&m, c(&m, "Wexc:weights"), Recording::Dense, Output::Memory)
        .unwrap();
    let e = big
        .run(&mut m, usize::MAX / 4, |_, _| Ok(Flow::Continue))
        .unwrap_err()
        .to_string();
    assert!(e.contains("do not fit in memory"), "{e}");
}

#[test]
fn a_simulation_refuses_handles_and_models_it_was_not_made_for() {
    let mut m = tutorial();
    let mut other = tutorial();
    let adv = m.process_id("advance_proc").unwrap();
    let foreign = |e: Error| matches!(e, Error::ForeignHandle { .. });
    // A process of another model.
    let e = Simulation::new(&m, other.process_id("advance_proc").unwrap(), 0.1, 0.1).unwrap_err();
    assert!(foreign(e.clone()), "{e}");
    // Compartments of another model, to feed, record or count.
    let mut sim = Simulation::new(&m, adv, 0.1, 0.1).unwrap();
    let theirs = other.compartment("pre_exc:inputs").unwrap();
    let feed = FeedSource::Array(Array3::zeros((5, 1, 80)));
    assert!(foreign(sim.feed(&m, theirs, feed).unwrap_err()));
    let theirs = other.compartment("post_exc:v").unwrap();
    let e = sim
        .record(&m, theirs, Recording::Dense, Output::Memory)
        .unwrap_err();
    assert!(foreign(e));
    let theirs = other.compartment("post_exc:s").unwrap();
    assert!(foreign(sim.count_spikes(&m, theirs).unwrap_err()));
    // Another model with its own handles: not the model the simulation was made for.
    assert!(foreign(sim.count_spikes(&other, theirs).unwrap_err()));
    let e = sim
        .record(&other, theirs, Recording::Spikes, Output::Memory)
        .unwrap_err();
    assert!(foreign(e));
    // A simulation attached on `m`, run on another model: refused before any step.
    let ours = m.compartment("post_exc:v").unwrap();
    sim.record(&m, ours, Recording::Dense, Output::Memory)
        .unwrap();
    let e = sim
        .run(&mut other, 5, |_, _| Ok(Flow::Continue))
        .unwrap_err();
    assert!(foreign(e.clone()), "{e}");
    assert_eq!(sim.steps_done(), 0);
    assert_eq!(
        sim.run(&mut m, 5, |_, _| Ok(Flow::Continue)).unwrap(),
        5,
        "the model it was made for runs it"
    );
}

#[test]
fn a_stream_of_the_wrong_kind_a_late_attachment_and_too_many_spike_steps_are_refused() {
    let mut m = tutorial();
    let adv = m.process_id("advance_proc").unwrap();
    let c = |m: &Model, p: &str| m.compartment(p).unwrap();
    let dir = scratch("sim_refusals");
    let mut sim = Simulation::new(&m, adv, 0.1, 0.1).unwrap();
    // A dense recording into an int32 stream, spikes into a float32 one.
    let ints = NpyStream::create(&dir.join("i.npy"), Dtype::I32, &[2]).unwrap();
    let e = sim
        .record(
            &m,
            c(&m, "post_exc:v"),
            Recording::Dense,
            Output::Stream(Box::new(ints)),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs a stream of F32 rows of [1, 1]"), "{e}");
    let floats = NpyStream::create(&dir.join("f.npy"), Dtype::F32, &[1, 80]).unwrap();
    let e = sim
        .record(
            &m,
            c(&m, "pre_exc:outputs"),
            Recording::Spikes,
            Output::Stream(Box::new(floats)),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs a stream of I32 rows of [2]"), "{e}");
    // Spike steps are int32: a run that would pass them is refused before it starts.
    sim.record(
        &m,
        c(&m, "pre_exc:outputs"),
        Recording::Spikes,
        Output::Memory,
    )
    .unwrap();
    let e = sim
        .run(&mut m, i32::MAX as usize + 2, |_, _| Ok(Flow::Continue))
        .unwrap_err()
        .to_string();
    assert!(e.contains("int32"), "{e}");
    assert_eq!(sim.steps_done(), 0);
    // Recorders are attached before the first step.
    sim.run(&mut m, 3, |_, _| Ok(Flow::Continue)).unwrap();
    let e = sim
        .record(&m, c(&m, "post_exc:v"), Recording::Dense, Output::Memory)
        .unwrap_err()
        .to_string();
    assert!(e.contains("attach before the first run"), "{e}");
    // A counter is read only on its own simulation.
    let other_model = tutorial();
    let mut other = Simulation::new(
        &other_model,
        other_model.process_id("advance_proc").unwrap(),
        0.1,
        0.1,
    )
    .unwrap();
    let theirs = other
        .count_spikes(&other_model, c(&other_model, "post_exc:s"))
        .unwrap();
    assert_eq!(sim.spikes(theirs), None);
    assert_eq!(other.spikes(theirs), Some(0));
}

#[test]
fn a_feed_read_from_a_file_row_by_row_equals_the_array() {
    use ndarray_npy::WriteNpyExt;
    let dir = scratch("sim_rows");
    let rates = Array3::from_shape_fn((40, 1, 80), |(k, _, u)| ((k + u) % 7) as f32 * 10.0);
    rates
        .write_npy(std::fs::File::create(dir.join("r.npy")).unwrap())
        .unwrap();
    let run = |source: FeedSource| {
        let mut m = tutorial();
        let adv = m.process_id("advance_proc").unwrap();
        let mut sim = Simulation::new(&m, adv, 0.1, 0.1).unwrap();
        let target = m.compartment("pre_exc:inputs").unwrap();
        sim.feed(&m, target, source).unwrap();
        let out = m.compartment("pre_exc:outputs").unwrap();
        sim.record(&m, out, Recording::Spikes, Output::Memory)
            .unwrap();
        sim.run(&mut m, 40, |_, _| Ok(Flow::Continue)).unwrap();
        let Recorded::Spikes(events) = sim.finish().unwrap().remove(0) else {
            panic!("spike events")
        };
        events
    };
    let from_array = run(FeedSource::Array(rates));
    let rows = ngclearn::io::npy::NpyRows::open(&dir.join("r.npy")).unwrap();
    assert_eq!(run(FeedSource::Rows(Box::new(rows))), from_array);
    assert!(!from_array.is_empty());
}
