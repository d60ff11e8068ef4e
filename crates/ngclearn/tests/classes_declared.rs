//! Every registered class is declared consistently: its schema's compartments are the
//! ones its accessors reach, in the same order; its keyword arguments rebuild it; and
//! its help describes every constructor parameter.

use ngclearn::components::neurons::spiking::lif_cell::LIFCellParams;
use ngclearn::components::synapses::alpha_synapse::AlphaSynapseParams;
use ngclearn::components::{AlphaSynapse, LIFCell};
use ngclearn::core::class::{ComponentClass, Registry};
use ngclearn::core::component::write;
use ngclearn::core::component::{Component, Declared};
use ngclearn::core::kwargs::Kwargs;
use ngclearn::core::rng::Key;
use ngclearn::core::schema::{Kind, Role};
use ngclearn::utils::diffeq::Integration;
use serde_json::{json, Map, Value};

/// The key every build here is given, so that two builds draw the same numbers.
const KEY: [u32; 2] = [0, 7];

/// The arguments of `class` with a value for each required parameter (distinct
/// numbers, so that e.g. two time constants never coincide) and a fixed key.
fn defaults(class: &ComponentClass) -> Map<String, Value> {
    let s = class.schema;
    let mut kw = Map::new();
    kw.insert("name".into(), json!("c"));
    for (i, p) in s.hyperparameters.iter().enumerate() {
        if p.default.is_none() {
            let v = if p.name == "shape" && s.class == "GerstnerHebbianSynapse" {
                json!([4, 4]) // its rule runs on square shapes only
            } else if p.name == "shape" && s.module_path.contains(".convolution.") {
                json!([3, 3, 2, 4]) // k_size, k_size, n_in_chan, n_out_chan
            } else if p.name == "x_shape" {
                json!([6, 6])
            } else if p.name == "shape" {
                json!([3, 4])
            } else if s.class == "SOMSynapse" && p.name.starts_with("n_units_") {
                json!(3) // ngclearn builds square maps only
            } else if s.class == "RetinalGanglionCell" {
                // four 2 x 2 fields tiling a 4 x 4 area
                match p.name {
                    "filter_type" => json!("gaussian"),
                    "n_cells" => json!(4),
                    "area_shape" => json!([4, 4]),
                    _ => json!([2, 2]),
                }
            } else {
                json!(2 + i)
            };
            kw.insert(p.name.into(), v);
        }
    }
    if s.module_path.contains(".convolution.") {
        kw.insert("padding".into(), json!("SAME")); // ngclearn's convolution refuses None
    }
    with_key(class, kw)
}

fn with_key(class: &ComponentClass, mut kw: Map<String, Value>) -> Map<String, Value> {
    if class.schema.signature.contains(&"key") {
        kw.insert("key".into(), json!(KEY));
    }
    kw
}

fn build(class: &ComponentClass, kw: &Map<String, Value>) -> Box<dyn Component> {
    let mut args = Kwargs::new("test", "c", class.schema.signature, &[], kw).unwrap();
    let c = class
        .build(&mut args)
        .unwrap_or_else(|e| panic!("{}: {e}", class.name()));
    args.finish().unwrap();
    c
}

#[test]
fn every_class_indexes_its_compartments_in_schema_order() {
    for class in Registry::builtin().classes() {
        let s = class.schema;
        let c = build(class, &defaults(class));
        for (i, info) in s.compartments.iter().enumerate() {
            let who = format!("{}:{}", s.class, info.name);
            assert_eq!(s.compartment_index(info.name), Some(i), "{who} named twice");
            match info.kind {
                Kind::Array => assert!(c.array(i).is_some(), "{who} has no array"),
                Kind::Key => {
                    assert!(c.array(i).is_none(), "{who} is a key, not an array");
                    // The keys come last: a second key (REINFORCESynapse's seed), then
                    // the component's.
                    assert!(
                        s.compartments[i..].iter().all(|x| x.kind == Kind::Key),
                        "{who}: the keys are last"
                    );
                }
            }
        }
        assert!(c.array(s.compartments.len()).is_none(), "{}", s.class);
    }
}

#[test]
fn compartments_by_name_hold_what_the_constructor_put_there() {
    // The table and the accessors come from one field list; what can still go wrong is
    // a field in the wrong place, so check names against the values the constructor
    // gives each compartment (v = v_rest, rfr = refract_time, thr_theta = 0).
    let mut p = LIFCellParams::new(10.0);
    (p.v_rest, p.refract_time) = (-61.5, 3.25);
    let c = LIFCell::new("c", 3, p).unwrap();
    let at = |name: &str| {
        let i = LIFCell::schema().compartment_index(name).unwrap();
        c.array(i).unwrap().clone()
    };
    assert!(at("v").iter().all(|&x| x == -61.5));
    assert!(at("rfr").iter().all(|&x| x == 3.25));
    assert!(at("thr_theta").iter().all(|&x| x == 0.0));
    assert_eq!(LIFCell::schema().compartments[LIFCell::S].name, "s");
}

#[test]
fn an_embedded_state_indexes_the_fields_of_the_struct_it_names() {
    // AlphaSynapse embeds the conductance state, which embeds the dense base: after a
    // step with distinct values in each, every name must reach its own field.
    let mut p = AlphaSynapseParams::new(2.0, 0.5, Some(-1.0));
    p.dense.key = Some(Key::from_seed(3));
    p.is_nonplastic = false;
    let mut w = AlphaSynapse::new("w", (2, 3), p).unwrap();
    w.set_inputs(&ndarray::array![[1.0, 0.5]]);
    w.set_v(&ndarray::array![[0.25, 0.5, 0.75]]);
    w.advance_state(0.1, 0.1);
    w.advance_state(0.2, 0.1);
    let at = |name: &str| {
        let i = AlphaSynapse::schema().compartment_index(name).unwrap();
        w.array(i).unwrap().clone()
    };
    assert_eq!(at("weights"), w.weights());
    assert_eq!(at("g_syn"), w.g_syn());
    assert_eq!(at("h_syn"), w.h_syn());
    assert_eq!(at("i_syn"), w.i_syn());
    assert_eq!(at("v"), ndarray::array![[0.25, 0.5, 0.75]]);
    assert_eq!(at("inputs"), ndarray::array![[1.0, 0.5]]);
    assert_ne!(w.g_syn(), w.h_syn());
    let names: Vec<_> = AlphaSynapse::schema()
        .compartments
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        names,
        ["inputs", "weights", "biases", "mask", "outputs", "v", "g_syn", "i_syn", "h_syn", "key"]
    );
}

#[test]
fn the_compartments_declared_as_spikes_are_the_ones_listed() {
    // ngc run counts and records the compartments declared as spikes from the
    // component's list: after a step, each must be listed, and the list must be the
    // non-zero entries of the value; nothing else is listed.
    for class in Registry::builtin().classes() {
        let s = class.schema;
        let mut c = build(class, &defaults(class));
        for (i, info) in s.compartments.iter().enumerate() {
            if info.kind == Kind::Array && info.role == Role::Input {
                let ones = c.array(i).unwrap().mapv(|_| 1.0);
                write(&mut *c, i, |a| a.assign(&ones)).unwrap();
            }
        }
        if s.methods.iter().any(|m| m.name == "advance_state") {
            c.advance_state(0.1, 0.1);
        }
        for (i, info) in s.compartments.iter().enumerate() {
            let who = format!("{}:{}", s.class, info.name);
            match (info.spikes, c.nonzero(i)) {
                (true, Some(list)) => {
                    let value = c.array(i).unwrap();
                    let expected: Vec<u32> = (value.iter().enumerate())
                        .filter(|(_, &x)| x != 0.0)
                        .map(|(k, _)| k as u32)
                        .collect();
                    assert_eq!(list, expected.as_slice(), "{who}");
                }
                (true, None) => panic!("{who} is declared as spikes but not listed"),
                (false, Some(_)) => panic!("{who} is listed but not declared as spikes"),
                (false, None) => {}
            }
        }
    }
}

#[test]
fn every_class_rebuilds_from_its_kwargs() {
    for class in Registry::builtin().classes() {
        let s = class.schema;
        let c1 = build(class, &defaults(class));
        let kw1 = c1.kwargs();
        let c2 = build(class, &with_key(class, kw1.clone()));
        assert_eq!(c2.kwargs(), kw1, "{}: kwargs changed on a rebuild", s.class);
        // A class without a `key` argument draws its key from the clock (ngclearn saves
        // the key, and what it drew, as state): then only the shapes must agree.
        let keyed = s.signature.contains(&"key");
        if keyed {
            assert_eq!(c2.key(), c1.key(), "{}", s.class);
        }
        for (i, info) in s.compartments.iter().enumerate() {
            let (a, b) = (c1.array(i), c2.array(i));
            let who = format!("{}:{}", s.class, info.name);
            assert_eq!(a.map(|a| a.dim()), b.map(|b| b.dim()), "{who}");
            if keyed {
                assert_eq!(a, b, "{who}");
            }
        }
    }
}

#[test]
fn every_class_describes_every_parameter() {
    for class in Registry::builtin().classes() {
        let s = class.schema;
        for p in s.hyperparameters {
            assert!(
                !p.description.is_empty(),
                "{}.{} undescribed",
                s.class,
                p.name
            );
            let same = s.hyperparameters.iter().filter(|q| q.name == p.name);
            assert_eq!(same.count(), 1, "{}.{} listed twice", s.class, p.name);
        }
        for arg in s.signature.iter().filter(|&&a| a != "name") {
            assert!(
                s.hyperparameters
                    .iter()
                    .any(|p| p.name == *arg || p.aliases.contains(arg)),
                "{}: signature parameter {arg} has no help",
                s.class
            );
        }
    }
}

#[test]
fn lif_params_round_trip_with_every_option_set() {
    let mut p = LIFCellParams::new(12.5);
    p.thr = -50.25;
    p.one_spike = true;
    p.max_one_spike = true;
    p.integration_type = Integration::Rk2;
    p.v_min = Some(-80.0);
    p.batch_size = 2;
    p.key = Some(Key::from_seed(1));
    let mut m = Map::new();
    p.to_kwargs(&mut m);
    assert!(!m.contains_key("key"), "the key is state, not an argument");
    assert_eq!(m["integration_type"], json!("rk2"));
    let mut kw = Kwargs::new("test", "c", LIFCell::schema().signature, &[], &m).unwrap();
    let back = LIFCellParams::from_kwargs(&mut kw).unwrap();
    kw.finish().unwrap();
    assert_eq!(back, LIFCellParams { key: None, ..p });
}

#[test]
fn lif_params_are_checked_by_their_declared_rules() {
    let mut p = LIFCellParams::new(10.0);
    p.v_min = Some(f32::NAN);
    let e = LIFCell::new("c", 2, p).unwrap_err().to_string();
    assert!(e.contains("v_min"), "{e}");
    let e = LIFCell::new("c", 2, LIFCellParams::new(-1.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("tau_m"), "{e}");
    let mut p = LIFCellParams::new(10.0);
    p.batch_size = 0;
    let e = LIFCell::new("c", 2, p).unwrap_err().to_string();
    assert!(e.contains("batch_size"), "{e}");
    let m = json!({"name": "c", "n_units": 2, "tau_m": 10, "integration_type": "rk4"});
    let mut kw = Kwargs::new(
        "f.json",
        "c",
        LIFCell::schema().signature,
        &[],
        m.as_object().unwrap(),
    )
    .unwrap();
    // rk4 is one of ngclearn's integrators, but not one LIFCell has: the cell refuses it.
    let e = LIFCell::from_kwargs(&mut kw).unwrap_err().to_string();
    assert!(e.contains("integration_type") && e.contains("rk4"), "{e}");
    let m = json!({"tau_m": 10, "integration_type": "rk5"});
    let mut kw = Kwargs::new(
        "f.json",
        "c",
        LIFCell::schema().signature,
        &[],
        m.as_object().unwrap(),
    )
    .unwrap();
    let e = LIFCellParams::from_kwargs(&mut kw).unwrap_err().to_string();
    assert!(e.contains("integration_type") && e.contains("rk5"), "{e}");
}

#[test]
fn synapse_params_embed_the_dense_params() {
    use ngclearn::prelude::{AlphaSynapse, AlphaSynapseParams, DenseParams};
    assert_eq!(
        AlphaSynapseParams::PARAMS.len(),
        4 + DenseParams::PARAMS.len()
    );
    let mut p = AlphaSynapseParams::new(2.0, 0.5, None);
    p.is_nonplastic = false;
    p.dense.resist_scale = 0.25;
    p.dense.p_conn = 0.5;
    p.dense.batch_size = 3;
    let mut m = Map::new();
    p.to_kwargs(&mut m);
    let keys: Vec<&str> = m.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "tau_decay",
            "g_syn_bar",
            "syn_rest",
            "resist_scale",
            "p_conn",
            "batch_size",
            "is_nonplastic"
        ]
    );
    let mut kw = Kwargs::new("test", "c", AlphaSynapse::schema().signature, &[], &m).unwrap();
    let back = AlphaSynapseParams::from_kwargs(&mut kw).unwrap();
    kw.finish().unwrap();
    assert_eq!(back, p);
    p.dense.resist_scale = f32::NAN;
    let e = p.validate("c").unwrap_err().to_string();
    assert!(e.contains("resist_scale"), "{e}");
}

#[test]
fn a_parameter_given_under_its_name_and_its_alias_is_an_error() {
    let class = Registry::builtin().get("AlphaSynapse").unwrap();
    let mut kw = defaults(class);
    kw.insert("resist_scale".into(), json!(0.5));
    kw.insert("g_conduct_factor".into(), json!(0.5));
    let mut k = Kwargs::new("f.json", "c", class.schema.signature, &[], &kw).unwrap();
    let e = class.build(&mut k).unwrap_err().to_string();
    assert!(
        e.contains("g_conduct_factor") && e.contains("resist_scale"),
        "{e}"
    );
}

#[test]
fn every_typed_default_builds_what_leaving_it_out_builds() {
    // The schema's `value` is the default as the engine holds it: giving every one of
    // them explicitly must build the same component as giving none.
    for class in Registry::builtin().classes() {
        let s = class.schema;
        let mut given = defaults(class);
        given.insert("key".into(), json!(KEY));
        let mut explicit = given.clone();
        for p in s.hyperparameters {
            assert_eq!(
                p.value.is_some(),
                p.default.is_some(),
                "{}.{}: a typed default exactly where help shows one",
                s.class,
                p.name
            );
            if let (Some(value), None) = (p.value, p.deprecated) {
                explicit.entry(p.name).or_insert_with(value);
            }
        }
        let (c1, c2) = (build(class, &given), build(class, &explicit));
        assert_eq!(c1.kwargs(), c2.kwargs(), "{}", s.class);
        for (i, info) in s.compartments.iter().enumerate() {
            assert_eq!(c1.array(i), c2.array(i), "{}:{}", s.class, info.name);
        }
    }
}

#[test]
fn ngclearns_constructor_facts_agree_with_the_parameters() {
    use ngclearn::core::schema::VarKeyword;
    for class in Registry::builtin().classes() {
        let s = class.schema;
        for p in s.hyperparameters {
            let who = format!("{}.{}", s.class, p.name);
            for old in p.old_names {
                assert!(p.aliases.contains(old), "{who}: {old} is accepted");
                assert!(
                    s.hyperparameters.iter().all(|q| q.name != *old),
                    "{who}: {old} is another parameter"
                );
            }
            let positional = s.signature.contains(&p.name);
            if p.extension || p.is_dropped() {
                assert!(
                    !positional,
                    "{who}: not one of ngclearn's positional parameters"
                );
            }
            if s.kwargs == VarKeyword::Absent && !p.extension {
                // Without **kwargs, ngclearn's constructor takes only its signature.
                assert!(
                    positional,
                    "{who}: not in the signature of a class without **kwargs"
                );
            }
            assert!(!p.kind.is_empty(), "{who} has no type");
        }
        for f in s.fixed {
            assert!(
                s.hyperparameters.iter().all(|q| q.name != f.name),
                "{}.{}: a fixed value is not a parameter",
                s.class,
                f.name
            );
        }
        if let Some(base) = s.extends {
            let base = base();
            assert!(
                Registry::builtin().get(base.class).is_some() && base.class != s.class,
                "{} extends {}, which is not another registered class",
                s.class,
                base.class
            );
        }
        for c in s.compartments.iter().filter(|c| c.scalar) {
            assert!(c.shape.is(
                ngclearn::core::schema::Size::One,
                ngclearn::core::schema::Size::One
            ));
        }
    }
}

/// Builds `class` from `args` (positional, bound to ngclearn's signature) and `kwargs`,
/// returning its arguments as rebuilt and the warnings said.
fn build_warned(class: &str, args: &[Value], kwargs: Value) -> (Map<String, Value>, Vec<String>) {
    let class = Registry::builtin().get(class).unwrap();
    let mut kw = Kwargs::new(
        "test",
        "c",
        class.schema.signature,
        args,
        kwargs.as_object().unwrap(),
    )
    .unwrap();
    let (c, said) = ngclearn::warning::capture(|| class.build(&mut kw));
    let c = c.unwrap_or_else(|e| panic!("{}: {e}", class.name()));
    kw.finish().unwrap();
    (c.kwargs(), said)
}

#[test]
fn ngclearns_deprecated_names_warn_as_ngclearn_does() {
    // A renamed argument: its value is the new one's (overriding it, as ngclearn's
    // deprecate_args rebinds it), with ngclearn's warning.
    let (kw, said) = build_warned(
        "QuadLIFCell",
        &[],
        json!({"name": "c", "n_units": 2, "tau_m": 10, "critical_v": 2, "critical_V": 3}),
    );
    assert_eq!(kw["critical_v"], json!(3.0));
    assert_eq!(
        said,
        ["The argument \"critical_V\" is deprecated for QuadLIFCell.__init__, use \"critical_v\" instead"]
    );
    let (kw, said) = build_warned(
        "PoissonCell",
        &[],
        json!({"name": "p", "n_units": 2, "max_freq": 20}),
    );
    assert_eq!(kw["target_freq"], json!(20.0));
    assert_eq!(said.len(), 1, "{said:?}");
    // A dropped one: accepted, not kept, said.
    let (kw, said) = build_warned(
        "IFCell",
        &[],
        json!({"name": "c", "n_units": 2, "tau_m": 10, "thr_jitter": 0.1}),
    );
    assert!(!kw.contains_key("thr_jitter"));
    assert_eq!(
        said,
        ["The argument \"thr_jitter\" is deprecated for IFCell.__init__, and will no longer be supported"]
    );
    // One ngclearn warns of but keeps: said only when given by keyword.
    let (kw, said) = build_warned(
        "HebbianSynapse",
        &[],
        json!({"name": "W", "shape": [2, 2], "w_decay": 0.5}),
    );
    assert_eq!(kw["w_decay"], json!(0.5));
    assert_eq!(
        said,
        ["The argument \"w_decay\" is deprecated for HebbianSynapse.__init__, use \"prior\" instead"]
    );
    let args: Vec<Value> = vec![
        json!("W"),
        json!([2, 2]),
        json!(0.0),
        Value::Null,
        Value::Null,
        json!(1.0),
        json!(false),
        json!(["constant", 0.0]),
        json!(0.5),
    ];
    let (kw, said) = build_warned("HebbianSynapse", &args, json!({}));
    assert_eq!(kw["w_decay"], json!(0.5));
    assert!(said.is_empty(), "{said:?}");
}

#[test]
fn what_ngclearn_asserts_or_divides_by_fails_as_there() {
    use ngclearn::ErrorKind;
    let fail = |class: &str, kwargs: Value| {
        let class = Registry::builtin().get(class).unwrap();
        let mut kw = Kwargs::new(
            "test",
            "c",
            class.schema.signature,
            &[],
            kwargs.as_object().unwrap(),
        )
        .unwrap();
        class.build(&mut kw).map(|_| ()).unwrap_err()
    };
    for class in ["LIFCell", "IFCell", "QuadLIFCell"] {
        for r in [0.0, -1.0] {
            let e = fail(
                class,
                json!({"name": "c", "n_units": 2, "tau_m": 10, "resist_m": r}),
            );
            assert_eq!(e.kind(), ErrorKind::FailedAssertion, "{class}: {e}");
            assert!(e.to_string().contains("resist_m > 0"), "{e}");
        }
    }
    let e = fail(
        "IzhikevichCell",
        json!({"name": "c", "n_units": 2, "tau_w": 0}),
    );
    assert_eq!(e.kind(), ErrorKind::DivisionByZero, "{e}");
    let e = fail(
        "IzhikevichCell",
        json!({"name": "c", "n_units": 2, "tau_w": -1}),
    );
    assert_eq!(e.kind(), ErrorKind::InvalidValue, "{e}");
    let e = fail("ExpKernel", json!({"name": "c", "n_units": 2, "dt": 0}));
    assert_eq!(e.kind(), ErrorKind::DivisionByZero, "{e}");
    // The forms refused here are values, not types, whatever their shape.
    let e = fail(
        "RateCell",
        json!({"name": "c", "n_units": 2, "tau_m": 10, "shape": [0, 2, 3]}),
    );
    assert_eq!(e.kind(), ErrorKind::InvalidValue, "{e}");
    let e = fail(
        "DenseSynapse",
        json!({"name": "c", "shape": [2, 2], "mask": [1, 0]}),
    );
    assert_eq!(e.kind(), ErrorKind::InvalidValue, "{e}");
    assert!(e.to_string().contains("2-D"), "{e}");
}

#[test]
fn the_compartments_that_take_any_rows_are_inputs_of_their_class() {
    let mut n = 0;
    for class in Registry::builtin().classes() {
        let s = class.schema;
        for name in s.any_rows {
            let c = s.compartments.iter().find(|c| c.name == *name);
            assert!(
                c.is_some_and(|c| c.role == ngclearn::core::schema::Role::Input),
                "{}: any_rows names `{name}`, not one of its input compartments",
                s.class
            );
            n += 1;
        }
    }
    assert_eq!(
        n, 4,
        "HebbianPatchedSynapse's and GerstnerHebbianSynapse's pre and post"
    );
}
