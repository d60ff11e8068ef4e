//! Open methods and an open registry: a class declares the methods processes may call
//! (`evolve`, `calc_update`, or its own), wires are delivered before each call of a
//! method that reads inputs, and a class of one's own loads from a model file through
//! a registry that holds it.

mod common;

use common::scratch;
use ndarray::Array2;
use ngclearn::core::class::Registry;
use ngclearn::core::rng::Key;
use ngclearn::core::schema::MethodInfo;
use ngclearn::prelude::*;

/// The accumulator's parameters: none but the key (a class of one's own is declared
/// as the crate's classes are).
#[derive(Debug, Clone, PartialEq, ngclearn::Params)]
struct AccumulatorParams {
    /// JAX PRNG key
    #[param(default = None, text = "from the clock", skip_kwargs)]
    key: Option<Key>,
}

/// A test class: `x` (input), `acc` (state). `advance_state` adds `x` to `acc`;
/// `evolve` (reads inputs) doubles `acc` and adds `x`; `calc_update` (declared as not
/// reading inputs) adds the `x` it last received; `halve` (its own) halves `acc`.
#[derive(Debug, Clone, ngclearn::Compartments, ngclearn::Class)]
#[compartments(shape = "(1, n_units)")]
#[class(
    module = "tests.Accumulator",
    description = "Adds up its input",
    dynamics = "acc += x",
    head = n_units,
    methods = METHODS
)]
struct Accumulator {
    name: String,
    n_units: usize,
    p: AccumulatorParams,
    /// Input
    #[compartment(input)]
    x: Array2<f32>,
    /// Accumulated input
    #[compartment(state)]
    acc: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    key: Key,
    /// The compartments written from outside, as `changed` was told.
    changed: Vec<usize>,
}

static METHODS: [MethodInfo; 5] = [
    MethodInfo {
        name: "advance_state",
        reads_inputs: true,
        keywords: &["t", "dt"],
        description: "acc += x",
    },
    MethodInfo {
        name: "reset",
        reads_inputs: false,
        keywords: &["t", "dt"],
        description: "acc = 0",
    },
    MethodInfo {
        name: "evolve",
        reads_inputs: true,
        keywords: &["t", "dt"],
        description: "acc = 2 acc + x",
    },
    MethodInfo {
        name: "calc_update",
        reads_inputs: false,
        keywords: &["t", "dt"],
        description: "acc += x (as last delivered)",
    },
    MethodInfo {
        name: "halve",
        reads_inputs: false,
        keywords: &["t", "dt"],
        description: "acc /= 2",
    },
];

impl Accumulator {
    fn new(name: &str, n: usize, p: AccumulatorParams) -> ngclearn::Result<Accumulator> {
        Ok(Accumulator {
            name: name.into(),
            n_units: n,
            x: Array2::zeros((1, n)),
            acc: Array2::zeros((1, n)),
            key: p.key.unwrap_or(Key::from_seed(0)),
            p,
            changed: Vec::new(),
        })
    }
}

impl Component for Accumulator {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.acc += &self.x;
    }
    fn reset(&mut self) {
        self.acc.fill(0.0);
    }
    fn evolve(&mut self, _t: f32, _dt: f32) {
        self.acc = &self.acc * 2.0 + &self.x;
    }
    fn calc_update(&mut self, _t: f32, _dt: f32) {
        self.acc += &self.x;
    }
    fn call(&mut self, method: &str, _t: f32, _dt: f32) {
        assert_eq!(method, "halve");
        self.acc /= 2.0;
    }
    fn changed(&mut self, index: usize) {
        self.changed.push(index);
    }
}

/// A source `src` (Bernoulli cells fed 1, so their outputs are all ones) wired into
/// the accumulator `a`.
fn circuit(calls: &[(&str, &str)]) -> Model {
    let mut ctx = Context::new("m");
    ctx.add(BernoulliCell::new("src", 2, 1, Some(Key::from_seed(1))).unwrap())
        .unwrap();
    ctx.add(Accumulator::new("a", 2, AccumulatorParams::new()).unwrap())
        .unwrap();
    ctx.wire("src:outputs", "a:x").unwrap();
    let calls: Vec<(&str, Method)> = calls
        .iter()
        .map(|&(c, m)| (c, ctx.method(c, m).unwrap()))
        .collect();
    ctx.process("p", &calls).unwrap();
    let mut m = ctx.build().unwrap();
    m.set("src:inputs", &ndarray::array![[1.0f32, 1.0]])
        .unwrap();
    m
}

#[test]
fn wires_are_delivered_before_every_method_that_reads_inputs() {
    // evolve reads inputs: it sees this step's spikes (ones).
    let mut m = circuit(&[("src", "advance_state"), ("a", "evolve")]);
    m.run_named("p", 0.1, 0.1).unwrap();
    assert_eq!(m.get("a:acc").unwrap(), ndarray::array![[1.0f32, 1.0]]);
    // calc_update does not: its `x` is what the last delivery left (zeros here).
    let mut m = circuit(&[("src", "advance_state"), ("a", "calc_update")]);
    m.run_named("p", 0.1, 0.1).unwrap();
    assert_eq!(m.get("a:acc").unwrap(), ndarray::array![[0.0f32, 0.0]]);
}

#[test]
fn a_process_calls_any_method_its_class_declares() {
    let mut m = circuit(&[
        ("src", "advance_state"),
        ("a", "advance_state"),
        ("a", "evolve"),
        ("a", "halve"),
    ]);
    m.run_named("p", 0.1, 0.1).unwrap();
    // acc = ((0 + 1) * 2 + 1) / 2
    assert_eq!(m.get("a:acc").unwrap(), ndarray::array![[1.5f32, 1.5]]);
    let calls: Vec<String> = m
        .process_calls(m.process_id("p").unwrap())
        .unwrap()
        .iter()
        .map(|(c, m)| format!("{c}.{}", m.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            "src.advance_state",
            "a.advance_state",
            "a.evolve",
            "a.halve"
        ]
    );
}

#[test]
fn a_method_the_class_does_not_declare_is_an_error_listing_those_it_does() {
    let mut ctx = Context::new("m");
    ctx.add(BernoulliCell::new("src", 2, 1, Some(Key::from_seed(1))).unwrap())
        .unwrap();
    let e = ctx
        .process("p", &[("src", Method::Evolve)])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "component `src` (BernoulliCell) has no method `evolve`; known: advance_state, reset"
    );
    let e = ctx.method("src", "halve").unwrap_err().to_string();
    assert!(e.contains("no method `halve`"), "{e}");
}

#[test]
fn a_class_of_ones_own_loads_from_a_model_file_through_a_registry() {
    let d = scratch("own_class");
    let file = d.join("m.toml");
    std::fs::write(
        &file,
        "[[component]]\nname = \"src\"\nclass = \"BernoulliCell\"\nn_units = 2\nkey = 1\n\n\
         [[component]]\nname = \"a\"\nclass = \"Accumulator\"\nn_units = 2\n\n\
         [[wire]]\nsource = \"src:outputs\"\ntarget = \"a:x\"\n\n\
         [process]\np = [\"src\", \"a.evolve\", \"a.halve\"]\n\n\
         [initial]\n\"src:inputs\" = 1.0\n",
    )
    .unwrap();
    // The built-in registry does not know the class.
    let e = ngclearn::io::model_file::load_model_file(&file)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Accumulator"), "{e}");
    let mut registry = Registry::builtin().clone();
    registry.register(Accumulator::CLASS).unwrap();
    let (mut m, _) =
        ngclearn::io::model_file::load_model_file_with(&file, None, &registry).unwrap();
    m.run_named("p", 0.1, 0.1).unwrap();
    assert_eq!(m.get("a:acc").unwrap(), ndarray::array![[0.5f32, 0.5]]);
    // A method the class does not declare is an error naming the process entry.
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("a.halve", "a.double"),
    )
    .unwrap();
    let e = ngclearn::io::model_file::load_model_file_with(&file, None, &registry)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("process.p[2]") && e.contains("no method `double`"),
        "{e}"
    );
}

#[test]
fn every_outside_write_goes_through_the_one_guarded_path() {
    let mut m = circuit(&[("src", "advance_state"), ("a", "advance_state")]);
    let log = |m: &Model| m.component_as::<Accumulator>("a").unwrap().changed.clone();
    assert!(log(&m).is_empty());
    m.run_named("p", 0.1, 0.1).unwrap(); // the wire delivers `x` (index 0)
    assert_eq!(log(&m), [0]);
    m.set("a:acc", &ndarray::array![[3.0f32, 4.0]]).unwrap();
    assert_eq!(log(&m), [0, 1]);
    // A refused write (wrong shape) tells nothing.
    assert!(m.set("a:acc", &ndarray::array![[3.0f32]]).is_err());
    assert_eq!(log(&m), [0, 1]);
}

#[test]
fn a_shared_method_given_by_name_is_that_method() {
    // `Named` with a shared method's declaration is the shared method: it runs, and
    // the process is the model's advance process.
    let mut ctx = Context::new("m");
    ctx.add(BernoulliCell::new("src", 2, 1, Some(Key::from_seed(1))).unwrap())
        .unwrap();
    let named = Method::Named(&ngclearn::core::schema::ADVANCE_AND_RESET[0]);
    ctx.process("p", &[("src", named)]).unwrap();
    let mut m = ctx.build().unwrap();
    m.set("src:inputs", &ndarray::array![[1.0f32, 1.0]])
        .unwrap();
    let p = m.advance_process().unwrap();
    m.run(p, 0.1, 0.1).unwrap();
    assert_eq!(
        m.get("src:outputs").unwrap(),
        ndarray::array![[1.0f32, 1.0]]
    );
}
