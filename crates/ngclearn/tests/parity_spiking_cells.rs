//! SLIF, IF, QuadLIF, AdEx, Izhikevich, FitzHugh-Nagumo and WTAS spiking cells,
//! LatencyCell, ExpKernel and LeakyNoiseCell against ngclearn 3.1.1, driven by given
//! inputs for 40 to 200 steps (`spiking_cells.json`, 39 cases): their options, their
//! integrators, resets, batches, the deprecated argument names and the quirks of
//! ngclearn's code. Spikes must be identical, keys (where the class draws) too.

mod common;

use common::{fixture, given_case_model, run_given_case};
use ngclearn::core::class::Registry;
use ngclearn::core::kwargs::Kwargs;
use serde_json::{json, Map, Value};

/// The methods the fixture's process calls, each step.
fn methods_of(class: &str) -> &'static [&'static str] {
    match class {
        "LatencyCell" => &["calc_spike_times", "advance_state"],
        _ => &["advance_state"],
    }
}

/// Runs every case of `class`; returns how many there were.
fn cases_of(class: &str) -> usize {
    let fx = fixture("spiking_cells");
    let mut n = 0;
    for (name, case) in fx["cases"].as_object().unwrap() {
        if case["component"] != class {
            continue;
        }
        let mut m = given_case_model("c", case, methods_of(class));
        run_given_case("spiking_cells", name, "c", &mut m, case);
        n += 1;
    }
    assert!(n > 0, "no case of {class}");
    n
}

const CLASSES: [&str; 10] = [
    "SLIFCell",
    "IFCell",
    "QuadLIFCell",
    "AdExCell",
    "IzhikevichCell",
    "FitzhughNagumoCell",
    "WTASCell",
    "LatencyCell",
    "ExpKernel",
    "LeakyNoiseCell",
];

#[test]
fn every_case_of_the_fixture_belongs_to_a_tested_class() {
    let fx = fixture("spiking_cells");
    let cases = fx["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 39);
    for (name, case) in cases {
        let class = case["component"].as_str().unwrap();
        assert!(CLASSES.contains(&class), "{name}: {class} is not tested");
    }
}

#[test]
fn slif_cells_inhibit_adapt_and_stick_as_ngclearns() {
    assert_eq!(cases_of("SLIFCell"), 4);
}

#[test]
fn if_cells_integrate_and_fire_as_ngclearns() {
    assert_eq!(cases_of("IFCell"), 3);
}

#[test]
fn quad_lif_cells_fire_as_ngclearns() {
    assert_eq!(cases_of("QuadLIFCell"), 5);
}

#[test]
fn adex_cells_adapt_as_ngclearns() {
    assert_eq!(cases_of("AdExCell"), 3);
}

#[test]
fn izhikevich_cells_of_every_documented_type_spike_as_ngclearns() {
    assert_eq!(cases_of("IzhikevichCell"), 6);
}

#[test]
fn fitzhugh_nagumo_cells_oscillate_as_ngclearns() {
    assert_eq!(cases_of("FitzhughNagumoCell"), 3);
}

#[test]
fn wtas_cells_take_all_as_ngclearns() {
    assert_eq!(cases_of("WTASCell"), 3);
}

#[test]
fn latency_cells_encode_as_ngclearns() {
    assert_eq!(cases_of("LatencyCell"), 5);
}

#[test]
fn exp_kernels_sum_spike_times_as_ngclearns() {
    assert_eq!(cases_of("ExpKernel"), 3);
}

#[test]
fn leaky_noise_cells_integrate_their_noise_as_ngclearns() {
    assert_eq!(cases_of("LeakyNoiseCell"), 4);
}

/// Builds `class` from `kw` (plus a name); the error's text, if any.
fn build(class: &str, kw: &Value) -> Result<(), String> {
    let cls = Registry::builtin().get(class).unwrap();
    let mut map: Map<String, Value> = kw.as_object().unwrap().clone();
    map.insert("name".into(), json!("bad"));
    let mut k =
        Kwargs::new("test", "bad", cls.schema.signature, &[], &map).map_err(|e| e.to_string())?;
    cls.build(&mut k).map_err(|e| e.to_string())?;
    k.finish().map_err(|e| e.to_string())
}

/// Builds `class` from positional `args` and keyword arguments `kw` (a name given in
/// neither is `bad`): its arguments as rebuilt, or the error; and the warnings said.
fn build_warned(
    class: &str,
    args: &[Value],
    kw: &Value,
) -> (Result<Map<String, Value>, String>, Vec<String>) {
    let cls = Registry::builtin().get(class).unwrap();
    let mut map: Map<String, Value> = kw.as_object().unwrap().clone();
    if args.is_empty() {
        map.insert("name".into(), json!("bad"));
    }
    ngclearn::warning::capture(|| {
        let mut k = Kwargs::new("test", "bad", cls.schema.signature, args, &map)
            .map_err(|e| e.to_string())?;
        let c = cls.build(&mut k).map_err(|e| e.to_string())?;
        k.finish().map_err(|e| e.to_string())?;
        Ok(c.kwargs())
    })
}

#[test]
fn invalid_parameters_are_errors_naming_the_component_and_field() {
    // The smallest valid arguments of each class, then one bad value at a time: each
    // must be an error naming the component and the parameter, never a panic.
    let base = |class: &str| -> Value {
        match class {
            "SLIFCell" => json!({"n_units": 5, "tau_m": 10.0, "resist_m": 1.0, "thr": 0.4}),
            "IFCell" | "QuadLIFCell" | "WTASCell" => json!({"n_units": 5, "tau_m": 10.0}),
            "ExpKernel" => json!({"n_units": 5, "dt": 1.0}),
            "LeakyNoiseCell" => json!({"n_units": 5, "tau_x": 10.0}),
            _ => json!({"n_units": 5}),
        }
    };
    let bad: &[(&str, &str, Value)] = &[
        ("SLIFCell", "tau_m", json!(0.0)),
        ("SLIFCell", "tau_m", json!(-1.0)),
        ("SLIFCell", "resist_m", json!(1e39)),
        ("SLIFCell", "thr_jitter", json!(-0.1)),
        ("SLIFCell", "refract_time", json!(-1.0)),
        ("SLIFCell", "batch_size", json!(0)),
        ("SLIFCell", "n_units", json!(0)),
        ("IFCell", "tau_m", json!(0.0)),
        ("IFCell", "resist_m", json!(0.0)),
        ("IFCell", "resist_m", json!(-2.0)),
        ("IFCell", "integration_type", json!("rk5")),
        ("IFCell", "thr", json!("high")),
        ("QuadLIFCell", "resist_m", json!(0.0)),
        ("QuadLIFCell", "tau_m", json!(0.0)),
        ("QuadLIFCell", "integration_type", json!("eulr")),
        ("QuadLIFCell", "tau_theta", json!(-1.0)),
        ("QuadLIFCell", "v_min", json!(1e40)),
        ("AdExCell", "tau_m", json!(0.0)),
        ("AdExCell", "tau_w", json!(0.0)),
        ("AdExCell", "v_sharpness", json!(0.0)),
        ("AdExCell", "integration_type", json!("rk3")),
        ("IzhikevichCell", "tau_w", json!(0.0)),
        ("IzhikevichCell", "tau_m", json!(0.0)),
        ("IzhikevichCell", "integration_type", json!("")),
        ("FitzhughNagumoCell", "gamma", json!(0.0)),
        ("FitzhughNagumoCell", "tau_w", json!(0.0)),
        ("FitzhughNagumoCell", "tau_m", json!(-3.0)),
        ("WTASCell", "thr_jitter", json!(-1.0)),
        ("WTASCell", "refract_time", json!(-1.0)),
        ("LatencyCell", "tau", json!(1e39)),
        ("LatencyCell", "batch_size", json!(0)),
        ("ExpKernel", "dt", json!(0.0)),
        ("ExpKernel", "dt", json!(-0.5)),
        ("ExpKernel", "nu", json!(-1.0)),
        ("ExpKernel", "nu", json!(1e30)),
        ("ExpKernel", "tau_w", json!(0.0)),
        ("LeakyNoiseCell", "tau_x", json!(0.0)),
        ("LeakyNoiseCell", "act_fx", json!("swish")),
        ("LeakyNoiseCell", "act_fx", json!("softmax")),
        ("LeakyNoiseCell", "integration_type", json!("rk4")),
        ("LeakyNoiseCell", "integration_type", json!("ralston")),
        ("LeakyNoiseCell", "integration_type", json!("rk9")),
        ("LeakyNoiseCell", "shape", json!([[2, 3, 4]])),
    ];
    for class in CLASSES {
        build(class, &base(class)).unwrap_or_else(|e| panic!("{class}: {e}"));
    }
    for (class, field, value) in bad {
        let mut kw = base(class);
        kw[*field] = value.clone();
        let e = build(class, &kw).expect_err(&format!("{class}: {field} = {value} accepted"));
        assert!(e.contains(field), "{class}.{field} = {value}: {e}");
        assert!(e.contains("bad"), "{class}.{field} = {value}: {e}");
    }
    // bkwta keeps the 5 largest of a row: it needs 5 units.
    let e = build(
        "LeakyNoiseCell",
        &json!({"n_units": 4, "tau_x": 10.0, "act_fx": "bkwta"}),
    )
    .unwrap_err();
    assert!(e.contains("act_fx") && e.contains("bad"), "{e}");
    build(
        "LeakyNoiseCell",
        &json!({"n_units": 5, "tau_x": 10.0, "act_fx": "bkwta"}),
    )
    .unwrap();
    // The deprecated names are read as the new ones, with ngclearn's warning. Both at
    // once: by keyword, the old name's value wins (ngclearn's deprecate_args rebinds it
    // over the new one); with the new one given positionally, it is an error (Python's
    // "multiple values" there).
    for (class, old, new) in [
        ("AdExCell", "v_thr", "thr"),
        ("WTASCell", "thrBase", "thr_base"),
        ("QuadLIFCell", "critical_V", "critical_v"),
        ("LeakyNoiseCell", "sigma_rec", "sigma_pre"),
    ] {
        let mut kw = base(class);
        kw[old] = json!(0.25);
        build(class, &kw).unwrap_or_else(|e| panic!("{class}.{old}: {e}"));
        kw[new] = json!(0.5);
        let (built, said) = build_warned(class, &[], &kw);
        assert_eq!(built.unwrap()[new], json!(0.25), "{class}.{old}");
        let warning = format!(
            "The argument \"{old}\" is deprecated for {class}.__init__, use \"{new}\" instead"
        );
        assert_eq!(said, [warning]);
        // The new one positionally: every argument up to it by position.
        let cls = Registry::builtin().get(class).unwrap();
        let at = cls.schema.signature.iter().position(|n| n == &new).unwrap();
        let args: Vec<Value> = cls.schema.signature[..=at]
            .iter()
            .map(|n| match (*n, kw.get(*n)) {
                ("name", _) => json!("bad"),
                (_, Some(v)) => v.clone(),
                _ => (cls.schema.hyperparameters.iter())
                    .find(|p| p.name == *n)
                    .and_then(|p| p.value)
                    .unwrap()(),
            })
            .collect();
        let by_keyword = json!({ old: 0.25 });
        let e = build_warned(class, &args, &by_keyword).0.unwrap_err();
        assert!(e.contains(old) && e.contains(new), "{e}");
    }
    // Deprecated and dropped in ngclearn: accepted.
    for class in ["IFCell", "QuadLIFCell"] {
        let mut kw = base(class);
        kw["thr_jitter"] = json!(0.05);
        build(class, &kw).unwrap_or_else(|e| panic!("{class}.thr_jitter: {e}"));
    }
    // ngclearn's LeakyNoiseCell runs "heun" as RK4, and these classes run every known
    // integrator name other than rk2/midpoint as Euler.
    for class in [
        "IFCell",
        "QuadLIFCell",
        "AdExCell",
        "IzhikevichCell",
        "FitzhughNagumoCell",
    ] {
        for it in ["heun", "rk2_heun", "ralston", "rk2_ralston", "rk4", "rk1"] {
            let mut kw = base(class);
            kw["integration_type"] = json!(it);
            build(class, &kw).unwrap_or_else(|e| panic!("{class} {it}: {e}"));
        }
    }
}
