//! Synapses and cells stepped side by side on the model's threads: the groups a process
//! makes (with a chain: a synapse stepped after the cell whose spikes it copies), and
//! the same spikes as stepping them in order.

mod common;

use common::spikes_of;
use ngclearn::core::parallel::Parallelism;
use ngclearn::core::process::PARALLEL_GROUP_BYTES;
use ngclearn::io::model_file::load_model_file;
use ngclearn::utils::alloc_counter::{allocations_everywhere, CountingAllocator};
use std::sync::atomic::Ordering;

#[global_allocator]
static COUNTER: CountingAllocator = CountingAllocator;

/// Three populations, six delayed projections, the first three listed together, then a
/// cell, then the rest: two groups of three.
fn model_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut text = String::from("name = \"groups\"\nseed = 8\n\n");
    for p in ["A", "B", "C"] {
        text += &format!(
            "[[component]]\nname = \"{p}\"\nclass = \"LIFCell\"\nn_units = 300\ntau_m = 10.0\nresist_m = 0.04\n\
             thr = -50.0\nv_rest = -65.0\nv_reset = -65.0\ntau_theta = 0.0\ntheta_plus = 0.0\nrefract_time = 2.0\n\n"
        );
    }
    let projections = [
        ("A", "B"),
        ("B", "C"),
        ("C", "A"),
        ("A", "C"),
        ("B", "A"),
        ("C", "B"),
    ];
    for (k, (pre, post)) in projections.iter().enumerate() {
        let w = if k % 3 == 2 { -300.0 } else { 150.0 };
        let bg = if k < 3 {
            "background = { rate = 16000.0, weight = 87.8 }\n"
        } else {
            ""
        };
        text += &format!(
            "[[component]]\nname = \"{pre}{post}\"\nclass = \"ExponentialSynapse\"\nshape = [300, 300]\n\
             tau_decay = 0.5\ng_syn_bar = 1.0\nresist_scale = -1.0\nis_nonplastic = false\n{bg}\
             connect = {{ rule = \"fixed_indegree\", indegree = 30, weight = {{ dist = \"normal\", mean = {w}, std = 10.0 }}, delay = {{ dist = \"uniform\", low = 0.5, high = 2.0 }} }}\n\n\
             [[wire]]\nsource = \"{pre}:s\"\ntarget = \"{pre}{post}:inputs\"\n\n"
        );
    }
    for post in ["A", "B", "C"] {
        let into: Vec<String> = projections
            .iter()
            .filter(|(_, q)| *q == post)
            .map(|(p, q)| format!("\"{p}{q}:i_syn\""))
            .collect();
        text += &format!(
            "[[wire]]\nsum = [{}]\ntarget = \"{post}:j\"\n\n",
            into.join(", ")
        );
    }
    text += "[process]\nadvance_proc = [\"AB\", \"BC\", \"CA\", \"A\", \"AC\", \"BA\", \"CB\", \"B\", \"C\"]\n";
    let path = dir.join("groups.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn paths() -> Vec<String> {
    ["A:s", "B:s", "C:s"]
        .iter()
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn synapses_stepped_side_by_side_give_the_spikes_of_stepping_them_in_order() {
    let dir = std::env::temp_dir().join(format!("ngc-groups-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = model_file(&dir);
    let mut alone = load_model_file(&path).unwrap();
    alone.set_parallelism(Parallelism::Off).unwrap();
    let want = spikes_of(&mut alone, &paths(), 300);
    let adv = alone.process_id("advance_proc").unwrap();
    assert!(
        alone.step_groups(adv).unwrap().is_empty(),
        "one thread makes no groups"
    );
    let total: f32 = want.iter().flatten().map(|a| a.sum()).sum();
    assert!(total > 200.0, "the network spikes ({total})");
    // Every group runs on the threads, however small (this binary's tests all may).
    PARALLEL_GROUP_BYTES.store(0, Ordering::Relaxed);
    let mut side = load_model_file(&path).unwrap();
    side.set_parallelism(Parallelism::Threads(2)).unwrap();
    assert!(
        spikes_of(&mut side, &paths(), 300) == want,
        "the same spikes on two threads"
    );
    let adv = side.process_id("advance_proc").unwrap();
    // The cells step alone too: `A` starts the second group (its current's sum is
    // delivered before the group steps: the group's `BA` comes after it), `AC`, whose
    // input is a copy of `A`'s spikes, steps after `A` on its thread, and `B`, whose
    // current sums two members, ends the group and starts the third with `C`.
    assert_eq!(
        side.step_groups(adv).unwrap(),
        vec![
            vec!["AB", "BC", "CA"],
            vec!["A", "AC", "BA", "CB"],
            vec!["B", "C"]
        ]
    );
    // Stepping the groups and chains on the threads allocates nothing, on any thread
    // (this binary's one test: nothing else runs meanwhile).
    let before = allocations_everywhere();
    for k in 0..200 {
        side.run(adv, (301 + k) as f32 * 0.1, 0.1).unwrap();
    }
    assert_eq!(
        allocations_everywhere() - before,
        0,
        "allocations in the step loop"
    );
    std::fs::remove_dir_all(&dir).ok();
}
