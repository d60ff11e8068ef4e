//! The Poisson background of the conductance synapses (the `background` keyword): its
//! conductance against Campbell's theorem, the same draws on any number of ranks, the
//! same run again from a model's state and from a saved model, and the errors it gives.

mod common;

use common::{scratch, spikes_of, spikes_on_thread_ranks};
use ngclearn::io::model_file::load_model_file;

/// One synapse with no input but its background, `units` post-synaptic units.
fn lone_synapse(
    dir: &std::path::Path,
    class: &str,
    kernel: &str,
    background: &str,
) -> std::path::PathBuf {
    let text = format!(
        "name = \"bg\"\nseed = 4\n\n[[component]]\nname = \"S\"\nclass = \"{class}\"\nshape = [1, 4000]\n\
         {kernel}\ng_syn_bar = 1.0\nis_nonplastic = false\nbackground = {background}\n\n\
         [process]\nadvance_proc = [\"S\"]\n"
    );
    let path = dir.join("bg.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Campbell's theorem: a shot noise of Poisson rate `r` whose each event adds `w` to a
/// conductance that then decays by `a = 1 - dt/tau` a step has mean `λ w / (1 - a)`
/// and variance `λ w² / (1 - a²)`, `λ = r dt / 1000` events a step.
#[test]
fn the_background_conductance_has_campbells_mean_and_variance() {
    let dir = scratch("bg-campbell");
    let (r, w, tau, dt) = (800.0f64, 0.5f64, 5.0f64, 0.1f64);
    let path = lone_synapse(
        &dir,
        "ExponentialSynapse",
        &format!("tau_decay = {tau}"),
        &format!("{{ rate = {r}, weight = {w} }}"),
    );
    let mut m = load_model_file(&path).unwrap();
    let adv = m.process_id("advance_proc").unwrap();
    let (mut sum, mut sq, mut n) = (0.0f64, 0.0f64, 0usize);
    for k in 0..3000 {
        m.run(adv, (k + 1) as f32 * dt as f32, dt as f32).unwrap();
        if k >= 500 {
            // Past ten time constants: stationary.
            for &g in m.get("S:g_syn").unwrap().iter() {
                sum += g as f64;
                sq += (g as f64) * (g as f64);
                n += 1;
            }
        }
    }
    let (mean, var) = (sum / n as f64, sq / n as f64 - (sum / n as f64).powi(2));
    let (lam, a) = (r * dt / 1000.0, 1.0 - dt / tau);
    let (want_mean, want_var) = (lam * w / (1.0 - a), lam * w * w / (1.0 - a * a));
    // 4,000 independent units, each correlated over about tau/dt = 50 steps: some
    // 2e5 independent samples; the mean's standard error is ~0.2 % of it.
    assert!(
        (mean / want_mean - 1.0).abs() < 0.01,
        "mean {mean}, Campbell {want_mean}"
    );
    assert!(
        (var / want_var - 1.0).abs() < 0.03,
        "variance {var}, Campbell {want_var}"
    );
    // Without the background the synapse stays at zero.
    std::fs::write(
        &path,
        std::fs::read_to_string(&path).unwrap().replace(
            &format!("background = {{ rate = {r}, weight = {w} }}\n"),
            "",
        ),
    )
    .unwrap();
    let mut quiet = load_model_file(&path).unwrap();
    let adv = quiet.process_id("advance_proc").unwrap();
    quiet.run(adv, 0.1, 0.1).unwrap();
    assert_eq!(quiet.get("S:g_syn").unwrap().sum(), 0.0);
    std::fs::remove_dir_all(&dir).ok();
}

/// A rate per unit: a unit of rate zero never moves, the others follow their own rate
/// (the alpha and double-exponential kernels take the background too).
#[test]
fn each_unit_follows_its_own_rate() {
    let dir = scratch("bg-each");
    let rates: Vec<String> = (0..4000)
        .map(|j| {
            if j % 2 == 0 {
                "0.0".into()
            } else {
                "1500.0".into()
            }
        })
        .collect();
    for (class, kernel) in [
        ("AlphaSynapse", "tau_decay = 2.0"),
        ("DoubleExpSynapse", "tau_decay = 4.0\ntau_rise = 1.0"),
    ] {
        let path = lone_synapse(
            &dir,
            class,
            kernel,
            &format!("{{ rate = [{}] }}", rates.join(", ")),
        );
        let mut m = load_model_file(&path).unwrap();
        let adv = m.process_id("advance_proc").unwrap();
        let mut total = vec![0.0f64; 4000];
        for k in 0..400 {
            m.run(adv, (k + 1) as f32 * 0.1, 0.1).unwrap();
            for (t, &g) in total.iter_mut().zip(m.get("S:g_syn").unwrap().iter()) {
                *t += g as f64;
            }
        }
        assert!(
            total.iter().step_by(2).all(|&t| t == 0.0),
            "{class}: rate 0 stays at 0"
        );
        assert!(
            total.iter().skip(1).step_by(2).all(|&t| t > 0.0),
            "{class}: every unit of 1.5 kHz moves"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A recurrent network of spiking cells driven only by the background: the same spikes
/// on 2 and 3 ranks as whole (each unit draws by its global column), the same again
/// from the model's state, and different spikes without it.
#[test]
fn a_network_driven_by_background_spikes_the_same_on_any_ranks_and_from_its_state() {
    let dir = scratch("bg-ranks");
    let mut text = String::from("name = \"rec\"\nseed = 3\n\n");
    for (p, n) in [("E", 160), ("I", 40)] {
        text += &format!(
            "[[component]]\nname = \"{p}\"\nclass = \"LIFCell\"\nn_units = {n}\ntau_m = 20.0\nthr = -50.0\n\
             v_rest = -65.0\nv_reset = -60.0\ntau_theta = 0.0\ntheta_plus = 0.0\nrefract_time = 2.0\n\n"
        );
    }
    for (pre, post, n_pre, n_post, rest, extra) in [
        ("E", "E", 160, 160, 0.0, "connect = { rule = \"fixed_indegree\", indegree = 16, weight = 0.2, delay = { dist = \"uniform\", low = 0.1, high = 1.0 } }\nbackground = { rate = 9000.0, weight = 0.4 }"),
        ("E", "I", 160, 40, 0.0, "connect = { rule = \"fixed_indegree\", indegree = 16, weight = 0.2 }\nbackground = { rate = [" ),
        ("I", "E", 40, 160, -80.0, "connect = { rule = \"fixed_indegree\", indegree = 4, weight = 1.0 }"),
    ] {
        let extra = if extra.ends_with('[') {
            let r: Vec<String> = (0..n_post).map(|j| format!("{}", 6000 + 100 * j)).collect();
            format!("{extra}{}], weight = 0.4 }}", r.join(", "))
        } else {
            extra.to_string()
        };
        text += &format!(
            "[[component]]\nname = \"W{pre}{post}\"\nclass = \"ExponentialSynapse\"\nshape = [{n_pre}, {n_post}]\n\
             tau_decay = 5.0\ng_syn_bar = 1.0\nsyn_rest = {rest}\nis_nonplastic = false\n{extra}\n\n\
             [[wire]]\nsource = \"{pre}:s\"\ntarget = \"W{pre}{post}:inputs\"\n\n\
             [[wire]]\nsource = \"{post}:v\"\ntarget = \"W{pre}{post}:v\"\n\n"
        );
    }
    text += "[[wire]]\nsum = [\"WEE:i_syn\", \"WIE:i_syn\"]\ntarget = \"E:j\"\n\n\
             [[wire]]\nsource = \"WEI:i_syn\"\ntarget = \"I:j\"\n\n\
             [process]\nadvance_proc = [\"WEE\", \"WEI\", \"WIE\", \"E\", \"I\"]\n";
    let path = dir.join("rec.toml");
    std::fs::write(&path, &text).unwrap();
    let paths = ["E:s".to_string(), "I:s".to_string()];
    let mut whole = load_model_file(&path).unwrap();
    let start = whole.state();
    let want = spikes_of(&mut whole, &paths, 300);
    let count =
        |s: &[Vec<ndarray::Array2<f32>>], i: usize| s.iter().map(|a| a[i].sum()).sum::<f32>();
    assert!(
        count(&want, 0) > 100.0 && count(&want, 1) > 20.0,
        "the background makes both spike"
    );
    let mut again = start.clone();
    whole.swap_state(&mut again).unwrap();
    assert!(
        spikes_of(&mut whole, &paths, 300) == want,
        "the same run again from the same state"
    );
    for n in [2, 3] {
        for run in spikes_on_thread_ranks(&path, n, &["E:s", "I:s"], 300, |_| {}) {
            assert!(
                run == want,
                "{n} ranks: the spikes differ from the whole network's"
            );
        }
    }
    // Another seed draws another background.
    std::fs::write(&path, text.replace("seed = 3", "seed = 5")).unwrap();
    let mut other = load_model_file(&path).unwrap();
    assert!(
        spikes_of(&mut other, &paths, 300) != want,
        "the background is drawn from the key"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A saved model keeps its synapses' background in their arguments and its key in
/// their state: loaded back, it draws the same trains from where it stopped.
#[test]
fn a_saved_background_loads_back_and_draws_the_same() {
    use ngclearn::io::{load_model_dir, save_model_dir};
    let dir = scratch("bg-saved");
    let path = lone_synapse(
        &dir,
        "ExponentialSynapse",
        "tau_decay = 5.0",
        "{ rate = 3000.0, weight = 0.5 }",
    );
    let mut m = load_model_file(&path).unwrap();
    let adv = m.process_id("advance_proc").unwrap();
    for k in 0..50 {
        m.run(adv, (k + 1) as f32 * 0.1, 0.1).unwrap();
    }
    save_model_dir(&m, &dir.join("saved"), false).unwrap();
    let roots =
        std::fs::read_to_string(dir.join("saved").join("component").join("roots.json")).unwrap();
    assert!(roots.contains("\"background\""), "{roots}");
    let mut back = load_model_dir(&dir.join("saved")).unwrap();
    let adv_back = back.process_id("advance_proc").unwrap();
    for k in 50..150 {
        m.run(adv, (k + 1) as f32 * 0.1, 0.1).unwrap();
        back.run(adv_back, (k + 1) as f32 * 0.1, 0.1).unwrap();
        assert_eq!(
            back.get("S:g_syn").unwrap(),
            m.get("S:g_syn").unwrap(),
            "step {k}"
        );
    }
    assert!(m.get("S:g_syn").unwrap().sum() > 0.0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_background_is_refused_where_it_has_no_meaning() {
    let dir = scratch("bg-errors");
    for (bg, want) in [
        ("{ rate = -1.0 }", "background.rate"),
        ("{ rate = [1.0, 2.0] }", "one per post-synaptic unit (4000)"),
        ("{ rate = 10.0, weight = nan }", "background.weight"),
        ("{ rate = 10.0, wieght = 1.0 }", "wieght"),
        ("{ weight = 1.0 }", "rate"),
    ] {
        let path = lone_synapse(&dir, "ExponentialSynapse", "tau_decay = 5.0", bg);
        let e = load_model_file(&path)
            .err()
            .unwrap_or_else(|| panic!("{bg} loads"))
            .to_string();
        assert!(e.contains(want), "{bg}: {e}");
    }
    let text =
        "name = \"d\"\n[[component]]\nname = \"D\"\nclass = \"DenseSynapse\"\nshape = [2, 3]\n\
                background = { rate = 10.0 }\n";
    std::fs::write(dir.join("d.toml"), text).unwrap();
    let e = load_model_file(&dir.join("d.toml"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("D") && e.contains("conductance synapses"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
