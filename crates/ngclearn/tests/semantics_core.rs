//! Wiring, operations, ordering and reset semantics, and one test per kind of bad input.

use ndarray::{array, Array2};
use ngclearn::prelude::*;

fn dense(name: &str, shape: (usize, usize), w: f32) -> DenseSynapse {
    let p = DenseParams {
        weight_init: Some(DistributionGenerator::constant(w)),
        key: Some(Key::from_seed(0)),
        ..Default::default()
    };
    DenseSynapse::new(name, shape, p).unwrap()
}

fn lif(name: &str, n: usize) -> LIFCell {
    let mut p = LIFCellParams::new(10.0);
    p.key = Some(Key::from_seed(0));
    LIFCell::new(name, n, p).unwrap()
}

/// a -> b -> c chain of dense synapses (1x1 weights 2): order decides what each sees.
fn chain(order: [&str; 3]) -> Model {
    let mut ctx = Context::new("chain");
    for n in ["a", "b", "c"] {
        ctx.add(dense(n, (1, 1), 2.0)).unwrap();
    }
    ctx.wire("a:outputs", "b:inputs").unwrap();
    ctx.wire("b:outputs", "c:inputs").unwrap();
    ctx.process("adv", &order.map(|c| (c, Method::AdvanceState)))
        .unwrap();
    let mut m = ctx.build().unwrap();
    m.set("a:inputs", &array![[1.0f32]]).unwrap();
    m
}

#[test]
fn later_components_see_this_steps_outputs_earlier_ones_the_previous() {
    let mut m = chain(["a", "b", "c"]);
    m.run_named("adv", 0.1, 0.1).unwrap();
    assert_eq!(
        m.get("c:outputs").unwrap(),
        array![[8.0]],
        "in order: the signal crosses in one step"
    );
    let mut m = chain(["c", "b", "a"]);
    for (step, want) in [(1, 0.0), (2, 0.0), (3, 8.0)] {
        m.run_named("adv", step as f32 * 0.1, 0.1).unwrap();
        assert_eq!(
            m.get("c:outputs").unwrap(),
            array![[want]],
            "reversed: one stage per step (step {step})"
        );
    }
}

#[test]
fn reading_a_wired_compartment_reads_its_source() {
    let mut m = chain(["a", "b", "c"]);
    m.run_named("adv", 0.1, 0.1).unwrap();
    m.set("a:inputs", &array![[5.0f32]]).unwrap();
    m.run_named("adv", 0.2, 0.1).unwrap();
    assert_eq!(m.get("b:inputs").unwrap(), m.get("a:outputs").unwrap());
    let r = m.compartment("b:inputs").unwrap();
    assert!(
        m.view(r).unwrap().is_none(),
        "a wired compartment has no value of its own"
    );
}

#[test]
fn summation_and_product_nest_and_fold_left() {
    let mut ctx = Context::new("ops");
    for (n, w) in [("x", 2.0), ("y", 3.0), ("z", 5.0)] {
        ctx.add(dense(n, (1, 2), w)).unwrap();
    }
    ctx.add(dense("out", (2, 2), 1.0)).unwrap();
    // out.inputs = (x + y) * z, elementwise; then out.outputs = inputs · 1 (sum over 2).
    ctx.wire(
        Product::of([
            Summation::of(["x:outputs", "y:outputs"]),
            Source::from("z:outputs"),
        ]),
        "out:inputs",
    )
    .unwrap();
    ctx.process(
        "adv",
        &["x", "y", "z", "out"].map(|c| (c, Method::AdvanceState)),
    )
    .unwrap();
    let mut m = ctx.build().unwrap();
    for n in ["x", "y", "z"] {
        m.set(&format!("{n}:inputs"), &array![[1.0f32]]).unwrap();
    }
    m.run_named("adv", 0.1, 0.1).unwrap();
    assert_eq!(m.get("out:inputs").unwrap(), array![[25.0, 25.0]]);
    assert_eq!(m.get("out:outputs").unwrap(), array![[50.0, 50.0]]);
}

#[test]
fn a_self_wire_reads_the_value_before_the_call() {
    let mut ctx = Context::new("loop");
    ctx.add(dense("d", (1, 1), 2.0)).unwrap();
    ctx.wire("d:outputs", "d:inputs").unwrap();
    ctx.process("adv", &[("d", Method::AdvanceState)]).unwrap();
    let mut m = ctx.build().unwrap();
    // outputs start at 0, so nothing grows; seed it through the biases.
    m.set("d:biases", &array![[1.0f32]]).unwrap();
    let mut want = 0.0f32;
    for k in 1..=5 {
        m.run_named("adv", k as f32, 1.0).unwrap();
        want = want * 2.0 + 1.0;
        assert_eq!(m.get("d:outputs").unwrap(), array![[want]]);
    }
}

/// ngclearn's reset writes a synapse's wired `v` through to the cell; we do not.
#[test]
fn reset_never_writes_through_a_wire() {
    let mut ctx = Context::new("reset");
    let mut p = AlphaSynapseParams::new(2.0, 1.0, Some(0.0));
    p.dense.key = Some(Key::from_seed(0));
    ctx.add(lif("post", 2)).unwrap();
    ctx.add(AlphaSynapse::new("W", (1, 2), p).unwrap()).unwrap();
    ctx.wire("post:v", "W:v").unwrap();
    // The cell is reset *before* the synapse: in ngclearn its v would end up 0.
    ctx.process("rst", &[("post", Method::Reset), ("W", Method::Reset)])
        .unwrap();
    let mut m = ctx.build().unwrap();
    m.set("post:v", &array![[-30.0f32, -40.0]]).unwrap();
    m.run_named("rst", 0.0, 0.1).unwrap();
    assert_eq!(m.get("post:v").unwrap(), array![[-65.0, -65.0]]);
    assert_eq!(m.get("W:v").unwrap(), array![[-65.0, -65.0]]);
}

#[test]
fn lif_reset_keeps_the_adaptive_threshold() {
    let mut ctx = Context::new("theta");
    ctx.add(lif("z", 1)).unwrap();
    ctx.process("adv", &[("z", Method::AdvanceState)]).unwrap();
    ctx.process("rst", &[("z", Method::Reset)]).unwrap();
    let mut m = ctx.build().unwrap();
    m.set("z:j", &array![[2000.0f32]]).unwrap();
    m.run_named("adv", 0.1, 0.1).unwrap();
    assert_eq!(m.get("z:s").unwrap(), array![[1.0]]);
    let theta = m.get("z:thr_theta").unwrap();
    assert!(theta[[0, 0]] > 0.0);
    m.run_named("rst", 0.0, 0.1).unwrap();
    assert_eq!(m.get("z:thr_theta").unwrap(), theta);
    assert_eq!(m.get("z:v").unwrap(), array![[-65.0]]);
    assert_eq!(m.get("z:rfr").unwrap(), array![[5.0]]);
}

#[test]
fn keys_are_compartments_too() {
    let mut ctx = Context::new("keys");
    ctx.add(PoissonCell::new("p", 3, 10.0, 1, Some(Key::from_seed(4))).unwrap())
        .unwrap();
    let mut m = ctx.build().unwrap();
    assert_eq!(m.get_key("p:key").unwrap(), Key([0, 4]));
    m.set_key("p:key", Key([1, 2])).unwrap();
    assert_eq!(m.get_key("p:key").unwrap(), Key([1, 2]));
}

// ---- bad input: a typed error naming what is wrong, never a panic ----

fn two_cells() -> Context {
    let mut ctx = Context::new("bad");
    ctx.add(lif("a", 3)).unwrap();
    ctx.add(lif("b", 4)).unwrap();
    ctx
}

#[test]
fn shape_mismatch_on_set() {
    let mut m = two_cells().build().unwrap();
    let e = m.set("a:v", &Array2::<f32>::zeros((1, 4))).unwrap_err();
    assert!(
        matches!(&e, Error::ShapeMismatch { path, expected, got, .. } if path == "a:v" && expected == &[1, 3] && got == &[1, 4]),
        "{e}"
    );
    assert!(e.to_string().contains("a:v"));
}

#[test]
fn shape_mismatch_on_wire() {
    let mut ctx = two_cells();
    let e = ctx.wire("a:s", "b:j").unwrap_err();
    assert!(
        matches!(&e, Error::ShapeMismatch { path, .. } if path == "b:j"),
        "{e}"
    );
    assert!(e.to_string().contains("a:s"), "{e}");
    let e = ctx.wire(Summation::of(["b:s", "a:s"]), "b:j").unwrap_err();
    assert!(e.to_string().contains("a:s"), "{e}");
}

#[test]
fn unknown_component() {
    let mut ctx = two_cells();
    let e = ctx.wire("nope:s", "a:j").unwrap_err();
    assert_eq!(
        e,
        Error::UnknownComponent {
            name: "nope".into()
        }
    );
    let e = ctx
        .process("adv", &[("ghost", Method::AdvanceState)])
        .unwrap_err();
    assert_eq!(
        e,
        Error::UnknownComponent {
            name: "ghost".into()
        }
    );
    let m = two_cells().build().unwrap();
    assert!(matches!(m.get("zz:v"), Err(Error::UnknownComponent { .. })));
}

#[test]
fn unknown_compartment() {
    let m = two_cells().build().unwrap();
    let e = m.get("a:voltage").unwrap_err();
    assert!(
        matches!(&e, Error::UnknownCompartment { component, compartment, .. } if component == "a" && compartment == "voltage"),
        "{e}"
    );
    assert!(
        e.to_string().contains("thr_theta"),
        "the message lists what exists: {e}"
    );
}

#[test]
fn unknown_process_and_malformed_path() {
    let mut m = two_cells().build().unwrap();
    assert_eq!(
        m.run_named("advance", 0.1, 0.1).unwrap_err(),
        Error::UnknownProcess {
            name: "advance".into()
        }
    );
    for bad in ["av", ":v", "a:", ""] {
        assert!(
            matches!(m.get(bad), Err(Error::MalformedPath { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn duplicate_names() {
    let mut ctx = two_cells();
    assert_eq!(
        ctx.add(lif("a", 2)).unwrap_err(),
        Error::DuplicateName { name: "a".into() }
    );
    ctx.process("p", &[]).unwrap();
    assert_eq!(
        ctx.process("p", &[]).unwrap_err(),
        Error::DuplicateProcess { name: "p".into() }
    );
    ctx.wire("a:v", "a:j").unwrap();
    assert!(matches!(
        ctx.wire("a:s", "a:j"),
        Err(Error::AlreadyWired { .. })
    ));
}

#[test]
fn non_positive_time_constants() {
    for tau in [0.0f32, -1.0] {
        let e = AlphaSynapse::new("W", (2, 2), AlphaSynapseParams::new(tau, 1.0, Some(0.0)))
            .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidParameter { component, param, .. } if component == "W" && param == "tau_decay"),
            "{e}"
        );
        let e = LIFCell::new("z", 2, LIFCellParams::new(tau)).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidParameter { param, .. } if param == "tau_m"),
            "{e}"
        );
        let e = DoubleExpSynapse::new(
            "D",
            (1, 1),
            DoubleExpSynapseParams::new(2.0, tau as f64, 1.0, None),
        )
        .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidParameter { param, .. } if param == "tau_rise"),
            "{e}"
        );
        let e = ExponentialSynapse::new("E", (1, 1), ExponentialSynapseParams::new(tau, 1.0, None))
            .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidParameter { param, .. } if param == "tau_decay"),
            "{e}"
        );
    }
}

#[test]
fn non_positive_or_nan_dt() {
    let mut ctx = two_cells();
    ctx.process("adv", &[("a", Method::AdvanceState)]).unwrap();
    let mut m = ctx.build().unwrap();
    let id = m.process_id("adv").unwrap();
    for dt in [0.0f32, -0.1, f32::NAN, f32::INFINITY] {
        assert!(
            matches!(m.run(id, 0.1, dt), Err(Error::InvalidTimeStep { .. })),
            "dt {dt}"
        );
    }
    assert!(matches!(
        m.run(id, f32::NAN, 0.1),
        Err(Error::InvalidTime { .. })
    ));
    assert_eq!(
        m.get("a:v").unwrap(),
        array![[-65.0, -65.0, -65.0]],
        "a failed run changes nothing"
    );
}

#[test]
fn nan_parameters() {
    let e = AlphaSynapse::new(
        "W",
        (2, 2),
        AlphaSynapseParams::new(2.0, f32::NAN, Some(0.0)),
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidParameter { param, .. } if param == "g_syn_bar"),
        "{e}"
    );
    let e = AlphaSynapse::new(
        "W",
        (2, 2),
        AlphaSynapseParams::new(2.0, 1.0, Some(f32::NAN)),
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidParameter { param, .. } if param == "syn_rest"),
        "{e}"
    );
    let mut p = AlphaSynapseParams::new(2.0, 1.0, Some(0.0));
    p.dense.resist_scale = f32::NAN;
    assert!(
        matches!(AlphaSynapse::new("W", (2, 2), p), Err(Error::InvalidParameter { param, .. }) if param == "resist_scale")
    );
    let mut p = LIFCellParams::new(10.0);
    p.thr = f32::NAN;
    assert!(
        matches!(LIFCell::new("z", 1, p), Err(Error::InvalidParameter { param, .. }) if param == "thr")
    );
    assert!(
        matches!(PoissonCell::new("p", 1, f32::NAN, 1, None), Err(Error::InvalidParameter { param, .. }) if param == "target_freq")
    );
    let init = DistributionGenerator::uniform(f32::NAN, 1.0);
    assert!(init.generate("W", (2, 2), Key::from_seed(0)).is_err());
}

#[test]
fn bad_shapes_and_names_at_construction() {
    assert!(
        matches!(DenseSynapse::new("W", (0, 3), DenseParams::default()), Err(Error::InvalidParameter { param, .. }) if param == "shape[0]")
    );
    assert!(
        matches!(LIFCell::new("z", 0, LIFCellParams::new(1.0)), Err(Error::InvalidParameter { param, .. }) if param == "n_units")
    );
    assert!(
        matches!(LIFCell::new("a:b", 1, LIFCellParams::new(1.0)), Err(Error::InvalidParameter { param, .. }) if param == "name")
    );
    let p = DenseParams {
        mask: Some(Array2::ones((2, 2))),
        ..Default::default()
    };
    assert!(
        matches!(DenseSynapse::new("W", (3, 2), p), Err(Error::ShapeMismatch { path, .. }) if path == "W:mask")
    );
}

#[test]
fn setting_a_wired_compartment_or_a_key_as_an_array() {
    let mut ctx = two_cells();
    ctx.wire("a:v", "a:j").unwrap();
    let mut m = ctx.build().unwrap();
    let e = m.set("a:j", &Array2::<f32>::zeros((1, 3))).unwrap_err();
    assert!(
        matches!(&e, Error::WiredCompartment { path, .. } if path == "a:j"),
        "{e}"
    );
    assert!(e.to_string().contains("a:v"), "{e}");
    assert!(matches!(m.get("a:key"), Err(Error::KindMismatch { .. })));
    assert!(matches!(m.get_key("a:v"), Err(Error::KindMismatch { .. })));
}

/// As ngcsimlib: wiring from a wired compartment reads *its* source (resolved when
/// wiring), whatever the process order.
#[test]
fn a_wire_from_a_wired_compartment_reads_the_original_source() {
    let mut ctx = Context::new("chain2");
    for n in ["pre", "w1", "w2"] {
        ctx.add(dense(n, (1, 1), 2.0)).unwrap();
    }
    ctx.wire("pre:outputs", "w1:inputs").unwrap();
    ctx.wire("w1:inputs", "w2:inputs").unwrap();
    ctx.process(
        "adv",
        &["pre", "w2", "w1"].map(|c| (c, Method::AdvanceState)),
    )
    .unwrap();
    let mut m = ctx.build().unwrap();
    assert_eq!(
        m.wires()[1],
        ("w2:inputs".to_string(), Source::from("pre:outputs"))
    );
    m.set("pre:inputs", &array![[1.0f32]]).unwrap();
    m.run_named("adv", 0.1, 0.1).unwrap();
    assert_eq!(
        m.get("w2:outputs").unwrap(),
        array![[4.0]],
        "w2 sees this step's pre output"
    );
    assert_eq!(m.get("w2:inputs").unwrap(), m.get("pre:outputs").unwrap());
}

#[test]
fn context_prefixed_paths_must_name_this_model() {
    let mut ctx = two_cells();
    ctx.wire("bad:a:v", "bad:a:j").unwrap();
    let m = ctx.build().unwrap();
    assert_eq!(m.wires()[0].0, "a:j", "stored in canonical form");
    assert!(m.get("bad:a:v").is_ok());
    assert!(m.get("other:a:v").is_err());
    assert!(matches!(
        m.get("a:v:x"),
        Err(Error::UnknownCompartment { .. }) | Err(Error::MalformedPath { .. })
    ));
}

#[test]
fn names_that_cannot_be_paths_or_files_are_rejected() {
    for bad in ["a/b", "..", ".hidden", "x\\y", "a:b", ""] {
        assert!(
            LIFCell::new(bad, 1, LIFCellParams::new(1.0)).is_err(),
            "{bad:?}"
        );
    }
    assert!(LIFCell::new("layer.1", 1, LIFCellParams::new(1.0)).is_ok());
}

#[test]
fn read_into_checks_the_buffer() {
    let mut m = two_cells().build().unwrap();
    let r = m.compartment("a:v").unwrap();
    let mut buf = vec![0.0; 2];
    assert!(matches!(
        m.read_into(r, &mut buf),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut buf = vec![0.0; 3];
    m.read_into(r, &mut buf).unwrap();
    assert_eq!(buf, [-65.0; 3]);
}

// ---- handles know the model that resolved them ----

/// Two LIF cells and a process `adv` in a model named `bad`: a handle of [`chain`]
/// would land on something here if handles were bare indices (component 0, process 0).
fn two_cells_model() -> Model {
    let mut ctx = two_cells();
    ctx.process(
        "adv",
        &[("a", Method::AdvanceState), ("b", Method::AdvanceState)],
    )
    .unwrap();
    ctx.build().unwrap()
}

#[test]
fn a_handle_of_one_model_is_an_error_on_another_for_every_method() {
    let a = chain(["a", "b", "c"]);
    let mut b = two_cells_model();
    let (id_a, id_b) = (a.id(), b.id());
    assert_ne!(id_a, id_b);
    let foreign = |e: Error, kind: &str| {
        assert!(
            matches!(&e, Error::ForeignHandle { what, handle_model, model, model_id }
                if *what == kind && *handle_model == id_a && model == "bad" && *model_id == id_b),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            format!("a handle of model {id_a}'s {kind} used on model `bad` ({id_b}); resolve it on this model")
        );
    };
    let before = (b.get("a:v").unwrap(), b.get("b:v").unwrap());
    // Component 0 exists in both; component 2 only in `a` (bare indices would panic);
    // `b:inputs` is wired in `a`.
    for path in ["a:inputs", "c:outputs", "b:inputs"] {
        let r = a.compartment(path).unwrap();
        assert_eq!(r.model(), id_a);
        foreign(b.is_wired(r).unwrap_err(), "compartment");
        foreign(b.component_of(r).unwrap_err(), "compartment");
        foreign(b.shape_of(r).unwrap_err(), "compartment");
        foreign(b.path_of(r).unwrap_err(), "compartment");
        foreign(b.value(r).unwrap_err(), "compartment");
        foreign(b.nonzero(r).unwrap_err(), "compartment");
        foreign(b.view(r).unwrap_err(), "compartment");
        let mut buf = vec![0.0; 3];
        foreign(b.read_into(r, &mut buf).unwrap_err(), "compartment");
        foreign(
            b.set_ref(r, &Array2::<f32>::zeros((1, 3))).unwrap_err(),
            "compartment",
        );
    }
    let p = a.process_id("adv").unwrap();
    assert_eq!(p.model(), id_a);
    foreign(b.process_name(p).unwrap_err(), "process");
    foreign(b.process_calls(p).unwrap_err(), "process");
    foreign(b.run(p, 0.1, 0.1).unwrap_err(), "process");
    assert_eq!(
        (b.get("a:v").unwrap(), b.get("b:v").unwrap()),
        before,
        "nothing was run or written"
    );
}

#[test]
fn models_built_from_one_description_do_not_share_handles() {
    let mut first = chain(["a", "b", "c"]);
    let mut second = chain(["a", "b", "c"]);
    assert_eq!(first.name(), second.name());
    assert_ne!(first.id(), second.id(), "every build is a model of its own");
    let (r, p) = (
        first.compartment("c:outputs").unwrap(),
        first.process_id("adv").unwrap(),
    );
    let e = second.shape_of(r).unwrap_err();
    assert!(
        e.to_string().contains(&first.id().to_string())
            && e.to_string().contains(&second.id().to_string()),
        "the ids tell two models of one name apart: {e}"
    );
    assert!(matches!(
        second.run(p, 0.1, 0.1),
        Err(Error::ForeignHandle { .. })
    ));
    // On their own model they work, and say where they point.
    first.run(p, 0.1, 0.1).unwrap();
    assert_eq!(first.process_name(p).unwrap(), "adv");
    assert_eq!(first.path_of(r).unwrap(), "c:outputs");
    assert_eq!(first.value(r).unwrap(), array![[8.0]]);
    assert_eq!(
        first.component_of(r).unwrap().name(),
        first.components().nth(r.component()).unwrap().name()
    );
    assert_eq!(first.process_ids().collect::<Vec<_>>(), [p]);
    assert_eq!(p.index(), 0);
}
