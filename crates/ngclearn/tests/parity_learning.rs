//! Trace-based learning against ngclearn 3.1.1: VarTrace in its four modes,
//! TraceSTDPSynapse driven by given spikes and traces (mu = 0, mu > 0 with a target,
//! decay and a weight mask, a batch of two), ExpSTDPSynapse likewise, and a circuit that learns for 500 steps
//! (Poisson -> TraceSTDP -> adaptive LIF with traces on both sides), built here and
//! loaded from the directory ngclearn saved.

mod common;

use common::{fixture, fixtures_dir, mat, steps, Report};
use ndarray::Array2;
use ngclearn::core::class::Registry;
use ngclearn::core::component::Component;
use ngclearn::core::kwargs::Kwargs;
use ngclearn::io::load_model_dir;
use ngclearn::prelude::*;
use serde_json::{json, Map, Value};

/// A component of `class` from ngclearn's keyword arguments.
fn build(class: &str, kwargs: Value) -> Box<dyn Component> {
    let cls = Registry::builtin().get(class).unwrap();
    let map: Map<String, Value> = kwargs.as_object().unwrap().clone();
    let name = map["name"].as_str().unwrap().to_string();
    let mut kw = Kwargs::new("test", &name, cls.schema.signature, &[], &map).unwrap();
    let c = cls.build(&mut kw).unwrap();
    kw.finish().unwrap();
    c
}

fn key(seed: u64, n: usize, i: usize) -> Value {
    let mut keys = vec![Key([0, 0]); n];
    Key::from_seed(seed).split_into(&mut keys);
    json!([keys[i].0[0], keys[i].0[1]])
}

fn with(mut kw: Value, more: Value) -> Value {
    for (k, v) in more.as_object().unwrap() {
        kw[k] = v.clone();
    }
    kw
}

#[test]
fn var_traces_filter_as_ngclearns() {
    let fx = fixture("var_trace_cases");
    for (name, case) in fx["cases"].as_object().unwrap() {
        let kw = with(
            case["kwargs"].clone(),
            json!({"name": "tr", "n_units": case["n_units"], "batch_size": case["batch_size"], "key": key(2, 1, 0)}),
        );
        let mut ctx = Context::new(name);
        ctx.add_boxed(build("VarTrace", kw)).unwrap();
        ctx.process("adv", &[("tr", Method::AdvanceState)]).unwrap();
        ctx.process("rst", &[("tr", Method::Reset)]).unwrap();
        let mut m = ctx.build().unwrap();
        m.run_named("rst", 0.0, 1.0).unwrap();
        let dt = case["dt"].as_f64().unwrap() as f32;
        let mut r = Report::default();
        for (k, (x, want)) in steps(&case["inputs"])
            .iter()
            .zip(steps(&case["trace"]))
            .enumerate()
        {
            m.set("tr:inputs", x).unwrap();
            m.run_named("adv", k as f32 * dt, dt).unwrap();
            r.exact("trace", k, &m.get("tr:trace").unwrap(), &want);
            r.exact("outputs", k, &m.get("tr:outputs").unwrap(), &want);
        }
        r.print(name);
    }
}

#[test]
fn trace_stdp_learns_as_ngclearns_from_given_signals() {
    stdp_given("trace_stdp_given", "TraceSTDPSynapse");
}

#[test]
fn exp_stdp_learns_as_ngclearns_from_given_signals() {
    stdp_given("exp_stdp_given", "ExpSTDPSynapse");
}

/// Every case bit for bit but one (said beside it).
fn stdp_given(fixture_name: &str, class: &str) {
    let fx = fixture(fixture_name);
    for (name, case) in fx["cases"].as_object().unwrap() {
        let shape = &case["shape"];
        let mut kw = with(
            case["kwargs"].clone(),
            json!({"name": "W", "shape": shape, "batch_size": case["batch_size"], "key": key(11, 3, 1),
                   "weight_init": {"dist": "uniform", "low": 0.1, "high": 0.6}}),
        );
        if !case["weight_mask"].is_null() {
            kw["weight_mask"] = case["weight_mask"].clone();
        }
        let mut ctx = Context::new(name);
        ctx.add_boxed(build(class, kw)).unwrap();
        ctx.process("adv", &[("W", Method::AdvanceState), ("W", Method::Evolve)])
            .unwrap();
        ctx.process("rst", &[("W", Method::Reset)]).unwrap();
        let mut m = ctx.build().unwrap();
        m.run_named("rst", 0.0, 1.0).unwrap();
        let mut r = Report::default();
        // The one case not compared bit for bit: TraceSTDPSynapse with mu > 0 at 8 x 5.
        // For matrices this small (up to 16 x 8 measured) XLA unrolls the update and
        // LLVM vectorises it in groups, of which some fuse a product into a sum and some
        // do not (seen in ngclearn's object code for this case: the decay unfused in
        // columns 0-3, fused in column 4); which groups do is the vectoriser's choice
        // for that shape, not an order to reproduce. From 20 x 10 weights on the loop is
        // uniform, and the masked 20 x 10 case is exact.
        let tiny_masked = name == "mu_power_target_decay_mask";
        let cmp = |r: &mut Report, what: &str, k: usize, got: &Array2<f32>, want: &Array2<f32>| {
            if tiny_masked {
                r.check(what, k, got, want)
            } else {
                r.exact(what, k, got, want)
            }
        };
        cmp(
            &mut r,
            "weights0",
            0,
            &m.get("W:weights").unwrap(),
            &mat(&case["weights0"]),
        );
        let (sp, sq) = (steps(&case["preSpike"]), steps(&case["postSpike"]));
        let (zp, zq) = (steps(&case["preTrace"]), steps(&case["postTrace"]));
        let outs = steps(&case["outputs"]);
        let at = |what: &str| -> Vec<(usize, Array2<f32>)> {
            case[what]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e[0].as_u64().unwrap() as usize, mat(&e[1])))
                .collect()
        };
        let (ws, dws) = (at("weights_at"), at("dWeights_at"));
        for k in 0..outs.len() {
            m.set("W:inputs", &sp[k]).unwrap();
            m.set("W:preSpike", &sp[k]).unwrap();
            m.set("W:postSpike", &sq[k]).unwrap();
            m.set("W:preTrace", &zp[k]).unwrap();
            m.set("W:postTrace", &zq[k]).unwrap();
            m.run_named("adv", k as f32, 1.0).unwrap();
            cmp(&mut r, "outputs", k, &m.get("W:outputs").unwrap(), &outs[k]);
            if let Some((_, d)) = dws.iter().find(|(t, _)| *t == k) {
                cmp(&mut r, "dWeights", k, &m.get("W:dWeights").unwrap(), d);
            }
            if let Some((_, w)) = ws.iter().find(|(t, _)| *t == k) {
                cmp(&mut r, "weights", k, &m.get("W:weights").unwrap(), w);
            }
        }
        r.print(name);
    }
}

/// The learning circuit of the fixture, built here with the same keys.
fn stdp_circuit() -> Model {
    let mut ctx = Context::new("stdp_circuit");
    let k = |i| key(21, 5, i);
    ctx.add_boxed(build(
        "PoissonCell",
        json!({"name": "pre", "n_units": 20, "target_freq": 60.0, "key": k(0)}),
    ))
    .unwrap();
    ctx.add_boxed(build(
        "TraceSTDPSynapse",
        json!({"name": "W", "shape": [20, 4], "A_plus": 0.01, "A_minus": 0.004, "eta": 1.0,
               "pretrace_target": 0.05, "weight_init": {"dist": "uniform", "low": 0.1, "high": 0.5},
               "resist_scale": 40.0, "w_bound": 1.0, "key": k(1)}),
    ))
    .unwrap();
    ctx.add_boxed(build(
        "LIFCell",
        json!({"name": "post", "n_units": 4, "tau_m": 10.0, "thr": -52.0, "v_rest": -65.0, "v_reset": -60.0,
               "tau_theta": 500.0, "theta_plus": 0.2, "refract_time": 2.0, "key": k(2)}),
    ))
    .unwrap();
    ctx.add_boxed(build(
        "VarTrace",
        json!({"name": "tp", "n_units": 20, "tau_tr": 20.0, "a_delta": 0.0, "key": k(3)}),
    ))
    .unwrap();
    ctx.add_boxed(build(
        "VarTrace",
        json!({"name": "tq", "n_units": 4, "tau_tr": 20.0, "a_delta": 0.0, "key": k(4)}),
    ))
    .unwrap();
    for (s, t) in [
        ("pre:outputs", "W:inputs"),
        ("W:outputs", "post:j"),
        ("pre:outputs", "tp:inputs"),
        ("post:s", "tq:inputs"),
        ("pre:outputs", "W:preSpike"),
        ("post:s", "W:postSpike"),
        ("tp:trace", "W:preTrace"),
        ("tq:trace", "W:postTrace"),
    ] {
        ctx.wire(s, t).unwrap();
    }
    let adv = [
        ("pre", Method::AdvanceState),
        ("W", Method::AdvanceState),
        ("post", Method::AdvanceState),
        ("tp", Method::AdvanceState),
        ("tq", Method::AdvanceState),
        ("W", Method::Evolve),
    ];
    ctx.process("advance_proc", &adv).unwrap();
    let rst: Vec<_> = ["pre", "W", "post", "tp", "tq"]
        .iter()
        .map(|c| (*c, Method::Reset))
        .collect();
    ctx.process("reset_proc", &rst).unwrap();
    ctx.build().unwrap()
}

#[test]
fn a_circuit_learns_as_ngclearns_for_500_steps() {
    let fx = fixture("trace_stdp_circuit");
    let mut m = stdp_circuit();
    m.run_named("reset_proc", 0.0, 1.0).unwrap();
    m.set("pre:inputs", &Array2::ones((1, 20))).unwrap();
    let mut r = Report::default();
    r.exact(
        "weights0",
        0,
        &m.get("W:weights").unwrap(),
        &mat(&fx["weights0"]),
    );
    let want_spikes = fx["post_spike_indices"].as_array().unwrap();
    let ws: Vec<(usize, Array2<f32>)> = fx["weights_at"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_u64().unwrap() as usize, mat(&e[1])))
        .collect();
    let mut total = 0;
    for t in 1..=fx["steps"].as_u64().unwrap() as usize {
        m.run_named("advance_proc", t as f32, 1.0).unwrap();
        let s = m.get("post:s").unwrap();
        let got: Vec<u64> = (0..4)
            .filter(|&i| s[[0, i]] != 0.0)
            .map(|i| i as u64)
            .collect();
        let want: Vec<u64> = want_spikes[t - 1]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(got, want, "post spikes at step {t}");
        total += got.len();
        if let Some((_, w)) = ws.iter().find(|(k, _)| *k == t) {
            r.exact("weights", t, &m.get("W:weights").unwrap(), w);
        }
    }
    assert!(total > 50, "the fixture circuit spikes ({total})");
    r.print("trace_stdp_circuit");
}

#[test]
fn ngclearns_saved_learning_circuit_loads_with_its_learned_weights() {
    let fx = fixture("trace_stdp_circuit");
    let m = load_model_dir(&fixtures_dir().join("models/stdp_circuit")).unwrap();
    let (_, last) = fx["weights_at"]
        .as_array()
        .unwrap()
        .last()
        .map(|e| (e[0].clone(), mat(&e[1])))
        .unwrap();
    assert_eq!(m.get("W:weights").unwrap(), last);
    let calls = m
        .process_calls(m.process_id("advance_proc").unwrap())
        .unwrap();
    assert_eq!(calls.last().unwrap(), &("W", Method::Evolve));
}

#[test]
fn a_saved_joint_process_runs_its_childrens_calls_and_continues_as_ngclearn() {
    // ngclearn saved `forward = JointProcess >> advance >> evolve` after 100 steps; the
    // next 200 steps here give its spikes and weights.
    let fx = fixture("joint_process_model");
    let mut m = load_model_dir(&fixtures_dir().join("models/joint_circuit")).unwrap();
    let calls = |p: &str| m.process_calls(m.process_id(p).unwrap()).unwrap();
    let mut want = calls("advance");
    want.extend(calls("evolve"));
    assert_eq!(calls("forward"), want);
    let before = fx["before"].as_u64().unwrap() as usize;
    let spikes = fx["post_spike_indices"].as_array().unwrap();
    for (k, s) in spikes.iter().enumerate() {
        let t = (before + k + 1) as f32;
        m.run_named("forward", t, 1.0).unwrap();
        let got: Vec<u64> = m
            .get("post:s")
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, &x)| x != 0.0)
            .map(|(i, _)| i as u64)
            .collect();
        let want: Vec<u64> = s
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(got, want, "post spikes at step {t}");
    }
    let mut r = Report::default();
    r.exact(
        "weights",
        0,
        &m.get("W:weights").unwrap(),
        &mat(&fx["weights_after"]),
    );
    r.print("joint_process_model");
}

#[test]
fn a_joint_process_that_names_no_process_or_itself_is_refused_by_name() {
    let src = fixtures_dir().join("models/joint_circuit");
    for (case, order, words) in [
        (
            "unknown",
            json!(["advance", "nope"]),
            vec!["forward.process_order[1]", "nope"],
        ),
        (
            "cycle",
            json!(["advance", "forward"]),
            vec!["forward", "cycle"],
        ),
    ] {
        let dir = common::scratch(&format!("joint-{case}")).join("joint_circuit");
        copy_dir(&src, &dir);
        let roots = dir.join("process/roots.json");
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&roots).unwrap()).unwrap();
        v["forward"]["process_order"] = order;
        std::fs::write(&roots, v.to_string()).unwrap();
        let e = load_model_dir(&dir).unwrap_err().to_string();
        for w in words {
            assert!(e.contains(w), "{case}: {e}");
        }
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn joints_of_joints_that_would_make_too_many_calls_are_refused() {
    // Each level doubles the calls: 30 levels would ask for a billion.
    let src = fixtures_dir().join("models/joint_circuit");
    let dir = common::scratch("joint-bomb").join("joint_circuit");
    copy_dir(&src, &dir);
    let roots = dir.join("process/roots.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&roots).unwrap()).unwrap();
    let mut prev = "advance".to_string();
    for k in 0..30 {
        let name = format!("j{k}");
        v[&name] = json!({"args": [name], "kwargs": {}, "process_order": [prev, prev],
                          "watch_list": [], "modulePath": "ngclearn.JointProcess"});
        prev = name;
    }
    std::fs::write(&roots, v.to_string()).unwrap();
    let e = load_model_dir(&dir).unwrap_err().to_string();
    assert!(e.contains("calls (at most"), "{e}");
}

#[test]
fn a_joint_process_is_saved_as_a_joint_process_and_loads_back() {
    let m = load_model_dir(&fixtures_dir().join("models/joint_circuit")).unwrap();
    let dir = common::scratch("joint_resave").join("joint_circuit");
    ngclearn::io::save_model_dir(&m, &dir, false).unwrap();
    let procs: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("process/roots.json")).unwrap())
            .unwrap();
    assert_eq!(procs["forward"]["modulePath"], "ngclearn.JointProcess");
    assert_eq!(
        procs["forward"]["process_order"],
        json!(["advance", "evolve"])
    );
    assert!(procs["forward"].get("method_order").is_none());
    let back = load_model_dir(&dir).unwrap();
    let id = back.process_id("forward").unwrap();
    assert_eq!(
        back.process_children(id).unwrap(),
        Some(vec!["advance", "evolve"])
    );
    assert_eq!(
        back.process_calls(id).unwrap(),
        m.process_calls(m.process_id("forward").unwrap()).unwrap()
    );
}
