//! The epoch exchange: spikes that reach only delayed synapses cross the ranks once per
//! minimum delay, and the ranks' numbers stay those of one process, step by step,
//! through resets and beside a population also read whole every step.

mod common;

use common::{delayed_pair as two_populations, scratch};
use ndarray::{concatenate, Array2, Axis};
use ngclearn::core::partition::{Exchange, Partitioned, ThreadExchange};
use ngclearn::io::model_file::{load_model_file, load_model_file_partitioned};

/// Delays of 4 to 20 steps from `A`, 6 from `B`: the least is 4 steps, so the ranks
/// exchange once every 4 steps, the synapses taking their inputs 3 steps late.
const UNIFORM_A: &str = "{ dist = \"uniform\", low = 0.36, high = 2.0 }";
const LEAST_DELAY: usize = 4;

/// The split compartments whose blocks each rank returns each step.
const SPLIT: [&str; 4] = ["A:s", "B:s", "into_A:i_syn", "into_B:i_syn"];

/// What each rank of `n` returns: its blocks of [`SPLIT`] after each step of `steps`
/// (with `event` before its step), the whole `whole` paths
/// read from their mirrors, and its exchange's collective calls during the steps.
struct Rank {
    blocks: Vec<Vec<Array2<f32>>>,
    whole: Vec<Vec<Array2<f32>>>,
    collectives: u64,
    components: Vec<String>,
}

/// What happens before one step of a run besides the step: `process` (`reset_proc`), or
/// every cell of `A` set to spike (then, across ranks, the mirrors gathered again).
#[derive(Clone, Copy, PartialEq)]
enum Event {
    None,
    Reset(usize),
    SpikesOfA(usize),
}

fn on_ranks(
    path: &std::path::Path,
    n: usize,
    whole: &[&str],
    steps: usize,
    event: Event,
) -> Vec<Rank> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = ThreadExchange::group(n)
            .into_iter()
            .map(|ex| {
                scope.spawn(move || {
                    let ex: std::sync::Arc<dyn Exchange> = std::sync::Arc::new(ex);
                    let registry = ngclearn::core::class::Registry::builtin();
                    let (mut p, _): (Partitioned, _) =
                        load_model_file_partitioned(path, None, registry, ex, whole).unwrap();
                    let whole_paths: Vec<String> = whole.iter().map(|w| p.whole_path(w)).collect();
                    let adv = p.model.process_id("advance_proc").unwrap();
                    let reset = p.model.process_id("reset_proc").unwrap();
                    let before = p.layout.exchange().collectives();
                    let mut rank = Rank {
                        blocks: Vec::new(),
                        whole: Vec::new(),
                        collectives: 0,
                        components: p.model.components().map(|c| c.name().to_string()).collect(),
                    };
                    for k in 0..steps {
                        if event == Event::Reset(k) {
                            p.model.run(reset, 0.0, 0.1).unwrap();
                        }
                        if event == Event::SpikesOfA(k) {
                            let ones = p.model.get("A:s").unwrap().mapv(|_| 1.0);
                            p.model.set("A:s", &ones).unwrap();
                            p.gather_mirrors().unwrap();
                        }
                        p.model.run(adv, (k + 1) as f32 * 0.1, 0.1).unwrap();
                        rank.blocks
                            .push(SPLIT.iter().map(|s| p.model.get(s).unwrap()).collect());
                        rank.whole.push(
                            whole_paths
                                .iter()
                                .map(|s| p.model.get(s).unwrap())
                                .collect(),
                        );
                    }
                    rank.collectives = p.layout.exchange().collectives() - before;
                    rank
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// One process's [`SPLIT`] after each step (with the same event).
fn one_process(path: &std::path::Path, steps: usize, event: Event) -> Vec<Vec<Array2<f32>>> {
    let mut m = load_model_file(path).unwrap();
    let (adv, reset) = (
        m.process_id("advance_proc").unwrap(),
        m.process_id("reset_proc").unwrap(),
    );
    (0..steps)
        .map(|k| {
            if event == Event::Reset(k) {
                m.run(reset, 0.0, 0.1).unwrap();
            }
            if event == Event::SpikesOfA(k) {
                let ones = m.get("A:s").unwrap().mapv(|_| 1.0);
                m.set("A:s", &ones).unwrap();
            }
            m.run(adv, (k + 1) as f32 * 0.1, 0.1).unwrap();
            SPLIT.iter().map(|s| m.get(s).unwrap()).collect()
        })
        .collect()
}

/// The ranks' blocks of each step, side by side in rank order: the whole.
fn joined(ranks: &[Rank], step: usize, i: usize) -> Array2<f32> {
    let views: Vec<_> = ranks.iter().map(|r| r.blocks[step][i].view()).collect();
    concatenate(Axis(1), &views).unwrap()
}

/// Each step's blocks of the ranks, side by side, equal one process's whole.
fn same_as_one_process(ranks: &[Rank], want: &[Vec<Array2<f32>>], label: &str) {
    for (k, w) in want.iter().enumerate() {
        for (i, s) in SPLIT.iter().enumerate() {
            assert_eq!(joined(ranks, k, i), w[i], "{label}, {s}, step {k}");
        }
    }
}

#[test]
fn delayed_spikes_cross_the_ranks_once_per_least_delay_with_one_process_numbers() {
    let dir = scratch("epoch-same");
    let path = two_populations(&dir, 40, -60.0, UNIFORM_A, "0.6");
    let steps = 400;
    let want = one_process(&path, steps, Event::None);
    let spikes: f32 = want.iter().map(|s| s[0].sum() + s[1].sum()).sum();
    assert!(
        spikes > 100.0,
        "the network must spike for the test to mean anything: {spikes}"
    );
    for n in [2, 3] {
        let ranks = on_ranks(&path, n, &[], steps, Event::None);
        for r in &ranks {
            assert!(
                r.components.iter().any(|c| c.ends_with(".epoch")),
                "{n} ranks: an epoch mirror: {:?}",
                r.components
            );
            // One collective per epoch (two mirrors), none besides.
            assert_eq!(r.collectives, 2 * (steps / LEAST_DELAY) as u64, "{n} ranks");
        }
        same_as_one_process(&ranks, &want, &format!("{n} ranks"));
    }
}

#[test]
fn a_reset_mid_run_restarts_the_epoch_with_one_process_numbers() {
    let dir = scratch("epoch-reset");
    let path = two_populations(&dir, 40, -60.0, UNIFORM_A, "0.6");
    let (steps, reset_at) = (300, Event::Reset(151));
    let want = one_process(&path, steps, reset_at);
    let ranks = on_ranks(&path, 2, &[], steps, reset_at);
    same_as_one_process(&ranks, &want, "2 ranks");
}

#[test]
fn a_population_also_read_whole_keeps_a_mirror_gathered_every_step() {
    let dir = scratch("epoch-whole");
    let path = two_populations(&dir, 40, -60.0, UNIFORM_A, "0.6");
    let steps = 200;
    let want = one_process(&path, steps, Event::None);
    let ranks = on_ranks(&path, 2, &["A:s"], steps, Event::None);
    same_as_one_process(&ranks, &want, "2 ranks, A read whole");
    for r in &ranks {
        for (k, w) in want.iter().enumerate() {
            assert_eq!(r.whole[k][0], w[0], "A:s read whole, step {k}");
        }
        // A's whole mirror every step, and both epochs' once per epoch.
        assert_eq!(r.collectives, (steps + 2 * (steps / LEAST_DELAY)) as u64);
    }
}

#[test]
fn a_delay_of_one_step_keeps_the_exchange_every_step() {
    let dir = scratch("epoch-none");
    // Delays from B of one step (0.1 ms): the synapses must have B's spikes on time.
    let path = two_populations(&dir, 40, -60.0, UNIFORM_A, "0.1");
    let steps = 100;
    let want = one_process(&path, steps, Event::None);
    let ranks = on_ranks(&path, 2, &[], steps, Event::None);
    for r in &ranks {
        assert!(
            !r.components.iter().any(|c| c.ends_with(".epoch")),
            "{:?}",
            r.components
        );
        assert_eq!(r.collectives, 2 * steps as u64);
    }
    same_as_one_process(&ranks, &want, "2 ranks");
}

#[test]
fn a_burst_larger_than_the_messages_crosses_in_a_second_round() {
    let dir = scratch("epoch-burst");
    // 600 cells of A starting around their threshold: hundreds spike at once.
    let path = two_populations(&dir, 600, -50.5, UNIFORM_A, "0.6");
    let steps = 120;
    let want = one_process(&path, steps, Event::None);
    let most = want
        .chunks(LEAST_DELAY)
        .map(|w| w.iter().map(|s| s[0].sum()).sum::<f32>())
        .fold(0.0, f32::max);
    // More than two ranks' messages carry (63 indices each) in one epoch.
    assert!(most > 3.0 * 63.0, "a burst: {most} spikes of A in an epoch");
    for n in [2, 3] {
        let ranks = on_ranks(&path, n, &[], steps, Event::None);
        same_as_one_process(&ranks, &want, &format!("{n} ranks"));
    }
}

#[test]
fn the_weights_of_a_synapse_taking_late_inputs_cannot_be_written() {
    let dir = scratch("epoch-weights");
    let path = two_populations(&dir, 40, -60.0, UNIFORM_A, "0.6");
    let errors = common::load_on_thread_ranks(&path, 2, |p| {
        let mut p = p.unwrap();
        let w = p.model.get("into_A:weights").unwrap();
        let e = p.model.set("into_A:weights", &w).unwrap_err().to_string();
        // Its synapses and their delays are as they were: the run goes on.
        let adv = p.model.process_id("advance_proc").unwrap();
        p.model.run(adv, 0.1, 0.1).unwrap();
        e
    });
    for e in errors {
        assert!(e.contains("into_A") && e.contains("3 steps late"), "{e}");
    }
}

/// The two-population model with every cell of `A` spiking at the start, its cells
/// advancing before or after the synapses.
fn spiking_start(dir: &std::path::Path, cells_first: bool) -> std::path::PathBuf {
    common::pair_model(
        dir,
        &common::Pair {
            n_a: 40,
            a_v: -60.0,
            indegree: 8,
            a_weight: 120.0,
            a_delay: UNIFORM_A,
            b_delay: "0.6",
            extra: "\"A:s\" = 1.0\n",
            cells_first,
        },
    )
}

#[test]
fn the_spikes_a_model_starts_with_reach_the_synapses_as_in_one_process_in_either_order() {
    for cells_first in [false, true] {
        let dir = scratch(&format!("epoch-start-{cells_first}"));
        let path = spiking_start(&dir, cells_first);
        let steps = 150;
        let want = one_process(&path, steps, Event::None);
        let ranks = on_ranks(&path, 2, &[], steps, Event::None);
        assert!(ranks[0].components.iter().any(|c| c.ends_with(".epoch")));
        same_as_one_process(&ranks, &want, &format!("cells first: {cells_first}"));
    }
    // The starting spikes matter: with the synapses first they are delivered (and the
    // two orders differ).
    let a = one_process(
        &spiking_start(&scratch("epoch-start-a"), false),
        150,
        Event::None,
    );
    let b = one_process(
        &spiking_start(&scratch("epoch-start-b"), true),
        150,
        Event::None,
    );
    assert_ne!(a, b);
}

#[test]
fn spikes_set_mid_run_and_gathered_again_reach_the_synapses_as_in_one_process() {
    for cells_first in [false, true] {
        let dir = scratch(&format!("epoch-set-{cells_first}"));
        let path = spiking_start(&dir, cells_first);
        // Epochs of 4 steps from the first gather (when the model is partitioned): after
        // 103 steps the newest step was just exchanged (it is whole, in the queue), after
        // 101 it is still this rank's alone.
        for at in [101, 103] {
            let steps = 220;
            let want = one_process(&path, steps, Event::SpikesOfA(at));
            let ranks = on_ranks(&path, 2, &[], steps, Event::SpikesOfA(at));
            same_as_one_process(
                &ranks,
                &want,
                &format!("cells first: {cells_first}, set at {at}"),
            );
        }
    }
}

#[test]
fn a_synapse_whose_inputs_are_read_whole_takes_them_on_time() {
    let dir = scratch("epoch-inputs-read");
    let path = two_populations(&dir, 40, -60.0, UNIFORM_A, "0.6");
    let steps = 100;
    let want = one_process(&path, steps, Event::None);
    let ranks = on_ranks(&path, 2, &["into_A:inputs"], steps, Event::None);
    for r in &ranks {
        assert!(
            !r.components.iter().any(|c| c.ends_with(".epoch")),
            "{:?}",
            r.components
        );
    }
    same_as_one_process(&ranks, &want, "into_A:inputs read whole");
}
