//! Concatenated inputs and `blocks` connection rules: one synapse into a population
//! reads several populations' spikes side by side (a `concat` wire) and draws each
//! projection as a block of its rule. Its inputs are the sources' columns in order, on
//! the event path and the scanned one; whole and split across ranks it gives the same
//! numbers; it saves and loads back; wrong concatenations are refused by name.

mod common;

use common::{load_on_thread_ranks, scratch, spikes_of, spikes_on_thread_ranks};
use ndarray::{concatenate, Array2, Axis};
use ngclearn::io::model_file::load_model_file;

/// Two LIF populations, `A` (40 cells) and `B` (25), each driven by a Poisson
/// background on the one synapse into it, which reads `A` and `B` side by side: a
/// fixed in-degree block from `A` (excitatory, with delays) and a Bernoulli block from
/// `B` (inhibitory). `extra` is appended to the file.
fn two_populations(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    common::pair_model(
        dir,
        &common::Pair {
            n_a: 40,
            a_v: -60.0,
            indegree: 6,
            a_weight: 90.0,
            a_delay: "{ dist = \"normal\", mean = 1.5, std = 0.75, low = 0.05 }",
            b_delay: "0.8",
            extra,
            cells_first: false,
        },
    )
}

fn paths() -> Vec<String> {
    ["A:s", "B:s", "into_A:i_syn", "into_B:i_syn"]
        .map(String::from)
        .to_vec()
}

#[test]
fn a_concatenation_gives_its_synapse_the_sources_columns_side_by_side() {
    let dir = scratch("concat-columns");
    let mut m = load_model_file(&two_populations(&dir, "")).unwrap();
    let adv = m.process_id("advance_proc").unwrap();
    let mut spikes = 0.0;
    for k in 0..400 {
        // A wired compartment reads as its source (ngcsimlib's semantics).
        m.run(adv, (k + 1) as f32 * 0.1, 0.1).unwrap();
        let (a, b) = (m.get("A:s").unwrap(), m.get("B:s").unwrap());
        let want = concatenate(Axis(1), &[a.view(), b.view()]).unwrap();
        for t in ["into_A", "into_B"] {
            assert_eq!(
                m.get(&format!("{t}:inputs")).unwrap(),
                want,
                "{t}, step {k}"
            );
        }
        spikes += want.sum();
    }
    assert!(spikes > 100.0, "the populations spike ({spikes} spikes)");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_concatenated_synapse_sums_its_inputs_as_when_they_are_set() {
    // The wire delivers the spikes as events; the same inputs set by hand (no wire
    // into the synapses) take the scanned path. The numbers are the same, bit for bit.
    let dir = scratch("concat-events");
    let path = two_populations(&dir, "");
    let mut wired = load_model_file(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let unwired = ["A", "B"].iter().fold(text, |t, n| {
        t.replace(
            &format!("[[wire]]\nconcat = [\"A:s\", \"B:s\"]\ntarget = \"into_{n}:inputs\"\n\n"),
            "",
        )
    });
    let set_path = dir.join("set.toml");
    std::fs::write(&set_path, unwired).unwrap();
    let mut set = load_model_file(&set_path).unwrap();
    let (adv, adv_set) = (
        wired.process_id("advance_proc").unwrap(),
        set.process_id("advance_proc").unwrap(),
    );
    let bits = |a: &Array2<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    let mut spikes = 0.0;
    for k in 0..300 {
        let (a, b) = (set.get("A:s").unwrap(), set.get("B:s").unwrap());
        let inputs = concatenate(Axis(1), &[a.view(), b.view()]).unwrap();
        set.set("into_A:inputs", &inputs).unwrap();
        set.set("into_B:inputs", &inputs).unwrap();
        let t = (k + 1) as f32 * 0.1;
        wired.run(adv, t, 0.1).unwrap();
        set.run(adv_set, t, 0.1).unwrap();
        for p in paths() {
            let (x, y) = (wired.get(&p).unwrap(), set.get(&p).unwrap());
            assert!(bits(&x) == bits(&y), "{p}, step {k}");
        }
        spikes += inputs.sum();
    }
    assert!(spikes > 100.0, "the populations spike ({spikes} spikes)");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_concatenated_network_gives_the_same_spikes_across_ranks() {
    let dir = scratch("concat-ranks");
    let path = two_populations(&dir, "");
    let spikes = ["A:s", "B:s"];
    let mut whole = load_model_file(&path).unwrap();
    let want = spikes_of(&mut whole, &spikes.map(String::from), 300);
    let total: f32 = want.iter().map(|s| s[0].sum() + s[1].sum()).sum();
    assert!(total > 100.0, "the populations spike ({total} spikes)");
    for ranks in [2, 3] {
        for (r, got) in spikes_on_thread_ranks(&path, ranks, &spikes, 300, |_| {})
            .into_iter()
            .enumerate()
        {
            assert!(got == want, "{ranks} ranks, rank {r}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_saved_concatenated_network_loads_and_continues() {
    use ngclearn::io::{load_model_dir, save_model_dir};
    let dir = scratch("concat-saved");
    let mut m = load_model_file(&two_populations(&dir, "")).unwrap();
    spikes_of(&mut m, &paths(), 150);
    save_model_dir(&m, &dir.join("saved"), false).unwrap();
    let mut back = load_model_dir(&dir.join("saved")).unwrap();
    let wires = |m: &ngclearn::core::context::Model| {
        m.wires()
            .iter()
            .map(|(t, s)| format!("{t} <- {s}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(wires(&back), wires(&m));
    assert!(wires(&m)
        .iter()
        .any(|w| w.contains("Concatenation(`A:s`, `B:s`)")));
    for w in [
        "into_A:weights",
        "into_B:weights",
        "A:v",
        "B:v",
        "into_A:g_syn",
    ] {
        assert_eq!(back.get(w).unwrap(), m.get(w).unwrap(), "{w}");
    }
    // It holds the inputs in flight too: loaded, it continues as the model it was
    // saved from.
    let continued = spikes_of(&mut back, &paths(), 150);
    assert!(continued == spikes_of(&mut m, &paths(), 150));
    assert!(continued.iter().map(|s| s[0].sum()).sum::<f32>() > 10.0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn wrong_concatenations_are_refused_by_wire() {
    let dir = scratch("concat-errors");
    let cases = [
        // The sources are 80 columns; the synapse reads 65.
        (
            "concat = [\"A:s\", \"B:s\"]\ntarget = \"into_A:inputs\"",
            "concat = [\"A:s\", \"A:s\"]\ntarget = \"into_A:inputs\"",
            "the columns of Concatenation",
        ),
        // A concatenation joins compartments.
        (
            "concat = [\"A:s\", \"B:s\"]\ntarget = \"into_A:inputs\"",
            "concat = [{ sum = [\"A:s\", \"A:s\"] }, \"B:s\"]\ntarget = \"into_A:inputs\"",
            "joins compartments, not operations",
        ),
        // One source at a time.
        (
            "concat = [\"A:s\", \"B:s\"]\ntarget = \"into_A:inputs\"",
            "concat = [\"A:s\", \"B:s\"]\nsum = [\"A:s\"]\ntarget = \"into_A:inputs\"",
            "exactly one of source, sum, product, concat",
        ),
        // Blocks apart.
        ("rows = [40, 65]", "rows = [30, 65]", "overlap block 0"),
        (
            "rows = [40, 65]",
            "rows = [40, 66]",
            "lo < hi <= n_pre = 65",
        ),
    ];
    let base = std::fs::read_to_string(two_populations(&dir, "")).unwrap();
    for (from, to, why) in cases {
        let path = dir.join("bad.toml");
        assert!(base.contains(from), "{from}");
        std::fs::write(&path, base.replacen(from, to, 1)).unwrap();
        let e = match load_model_file(&path) {
            Ok(_) => panic!("{why}: accepted"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(why) && e.contains("into_A"), "{why}: {e}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_concatenation_into_a_compartment_split_across_ranks_is_refused() {
    let dir = scratch("concat-split");
    // C's input current is the two synapses' currents side by side; C splits by columns,
    // and a block of its columns is not the operands' blocks side by side.
    let extra =
        "\n[[component]]\nname = \"C\"\nclass = \"LIFCell\"\nn_units = 65\ntau_m = 10.0\n\n\
                 [[wire]]\nconcat = [\"into_A:i_syn\", \"into_B:i_syn\"]\ntarget = \"C:j\"\n";
    let path = two_populations(&dir, extra);
    // One process takes it.
    load_model_file(&path).unwrap();
    let errors = load_on_thread_ranks(&path, 2, |p| p.err().map(|e| e.to_string()));
    for e in &errors {
        let e = e.as_deref().unwrap_or("no error");
        assert!(
            e.contains("C:j")
                && e.contains("a concatenation feeds only a compartment that is not partitioned"),
            "{e}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
