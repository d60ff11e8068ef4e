//! Components of one's own, built from their source without Python: a translated
//! method against its closed form, XLA's rewrites where they decide the bits, and
//! errors in user code as typed errors (never a panic).

use ngclearn::core::component::Component;
use ngclearn::core::program::{ComponentSource, UserComponent};
use ngclearn::prelude::*;

fn source(
    methods: &[(&str, &str)],
    comps: &[(&str, Vec<usize>, Vec<f32>)],
    attrs: serde_json::Value,
) -> ComponentSource {
    serde_json::from_value(serde_json::json!({
        "class": "Mine",
        "module": "tests",
        "name": "c",
        "compartments": comps.iter().map(|(n, s, v)| serde_json::json!({"name": n, "shape": s, "value": v})).collect::<Vec<_>>(),
        "key": [0, 7],
        "attributes": attrs,
        "methods": methods.iter().map(|(n, s)| serde_json::json!({"name": n, "source": s, "line": 1})).collect::<Vec<_>>(),
        "globals": {"jnp": {"module": "jax.numpy"}, "random": {"module": "jax.random"}},
    }))
    .expect("a valid source")
}

const LEAK: &str = "@compilable\ndef advance_state(self, dt):\n    v = self.v.get()\n    v = v + (-v + self.j.get()) * (dt / self.tau)\n    self.v.set(v)\n";

#[test]
fn a_translated_leak_equals_its_closed_form_with_xlas_fused_multiply_add() {
    let src = source(
        &[("advance_state", LEAK)],
        &[
            ("v", vec![1, 3], vec![0.0; 3]),
            ("j", vec![1, 3], vec![1.0, 2.0, -3.0]),
        ],
        serde_json::json!({"tau": 10.0}),
    );
    let (mut c, untranslated) = UserComponent::new(src, None).unwrap();
    assert!(untranslated.is_empty());
    for _ in 0..5 {
        c.advance_state(0.0, 0.5);
    }
    // v' = fma(j - v, dt * f32(1/tau) ... ): (dt / tau) is f32(dt) * f32(1 / 10) under
    // XLA, and v + x * r one fused multiply-add.
    let r = 0.5f32 * (1.0f32 / 10.0);
    let mut want = [0.0f32; 3];
    let j = [1.0f32, 2.0, -3.0];
    for _ in 0..5 {
        for (v, j) in want.iter_mut().zip(j) {
            *v = (-*v + j).mul_add(r, *v);
        }
    }
    assert_eq!(c.array(0).unwrap().as_slice().unwrap(), &want);
}

#[test]
fn a_user_class_runs_in_a_model_wired_to_built_in_classes() {
    let src = source(
        &[("advance_state", LEAK)],
        &[
            ("v", vec![1, 4], vec![0.0; 4]),
            ("j", vec![1, 4], vec![0.0; 4]),
        ],
        serde_json::json!({"tau": 5.0}),
    );
    let (c, _) = UserComponent::new(src, None).unwrap();
    let mut ctx = Context::new("m");
    ctx.add(PoissonCell::new("x", 4, 1000.0, 1, Some(Key::from_seed(4))).unwrap())
        .unwrap();
    ctx.add_boxed(Box::new(c)).unwrap();
    ctx.wire("x:outputs", "c:j").unwrap();
    ctx.process(
        "adv",
        &[("x", Method::AdvanceState), ("c", Method::AdvanceState)],
    )
    .unwrap();
    let mut m = ctx.build().unwrap();
    m.set("x:inputs", &ndarray::Array2::from_elem((1, 4), 1.0f32))
        .unwrap();
    for k in 0..20 {
        m.run_named("adv", k as f32, 1.0).unwrap();
    }
    let v = m.get("c:v").unwrap();
    assert!(v.iter().all(|&x| x > 0.0 && x <= 1.0), "{v:?}");
}

#[test]
fn errors_in_user_code_are_typed_errors_naming_the_method_and_line() {
    let bad = "def advance_state(self):\n    self.v.set(self.v.get() + self.w.get())\n";
    let src = source(
        &[("advance_state", bad)],
        &[
            ("v", vec![2, 3], vec![0.0; 6]),
            ("w", vec![2, 4], vec![0.0; 8]),
        ],
        serde_json::json!({}),
    );
    let e = UserComponent::new(src, None).unwrap_err().to_string();
    assert!(
        e.contains("Mine.advance_state") && e.contains("line 2") && e.contains("broadcast"),
        "{e}"
    );
    let looped = "def advance_state(self):\n    for i in range(3):\n        pass\n";
    let src = source(
        &[("advance_state", looped)],
        &[("v", vec![1], vec![0.0])],
        serde_json::json!({}),
    );
    let e = UserComponent::new(src, None).unwrap_err().to_string();
    assert!(e.contains("for loop"), "{e}");
    let unknown = "def advance_state(self):\n    self.v.set(jnp.cumsum(self.v.get()))\n";
    let src = source(
        &[("advance_state", unknown)],
        &[("v", vec![3], vec![0.0; 3])],
        serde_json::json!({}),
    );
    let e = UserComponent::new(src, None).unwrap_err().to_string();
    assert!(e.contains("jnp.cumsum"), "{e}");
}

#[test]
fn a_sum_over_more_than_32_terms_adds_in_xlas_windows() {
    let m = "def advance_state(self):\n    self.s.set(jnp.sum(self.x.get()))\n";
    let x: Vec<f32> = (0..100)
        .map(|i| 1.0 + (i as f32) * 1e-7 * if i % 3 == 0 { 1e4 } else { 1.0 })
        .collect();
    let src = source(
        &[("advance_state", m)],
        &[("x", vec![100], x.clone()), ("s", vec![], vec![0.0])],
        serde_json::json!({}),
    );
    let (mut c, _) = UserComponent::new(src, None).unwrap();
    c.advance_state(0.0, 1.0);
    // 100 = 4 windows of 32 with 28 padding terms, 14 before and 14 after; each window
    // folds from 0 in order, then the 4 partial sums fold in order.
    let mut padded = vec![0.0f32; 14];
    padded.extend_from_slice(&x);
    padded.resize(128, 0.0);
    let partial: Vec<f32> = padded
        .chunks(32)
        .map(|w| w.iter().fold(0.0f32, |a, &v| a + v))
        .collect();
    let want = partial.iter().fold(0.0f32, |a, &v| a + v);
    assert_eq!(c.array(1).unwrap()[[0, 0]], want);
}

#[test]
fn random_draws_split_the_components_key_as_jax_does() {
    let m = "def advance_state(self):\n    key, sub = random.split(self.key.get())\n    self.u.set(random.uniform(sub, (1, 5)))\n    self.key.set(key)\n";
    let src = source(
        &[("advance_state", m)],
        &[("u", vec![1, 5], vec![0.0; 5])],
        serde_json::json!({}),
    );
    let (mut c, _) = UserComponent::new(src, None).unwrap();
    c.advance_state(0.0, 1.0);
    let k = ngclearn::core::rng::Key([0, 7]);
    let [key, sub] = k.split::<2>();
    let mut want = [0.0f32; 5];
    sub.uniform_range_into(&mut want, 0.0, 1.0);
    assert_eq!(c.array(0).unwrap().as_slice().unwrap(), &want);
    assert_eq!(c.key(), key);
}

#[test]
fn hostile_sources_are_typed_errors_not_aborts() {
    let huge = "def advance_state(self):\n    self.v.set(jnp.zeros((100000, 100000)).sum() + self.v.get())\n";
    let deep = format!(
        "def advance_state(self):\n    self.v.set({}self.v.get(){})\n",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    let wide = "def advance_state(self):\n    self.v.set((self.w.get() + self.u.get()).sum() + self.v.get())\n";
    for (i, (m, comps)) in [
        (huge.to_string(), vec![("v", vec![1usize], vec![0.0f32])]),
        (deep, vec![("v", vec![1], vec![0.0])]),
        (
            wide.to_string(),
            vec![
                ("v", vec![1], vec![0.0]),
                ("w", vec![100_000, 1], vec![0.0]),
                ("u", vec![1, 100_000], vec![0.0]),
            ],
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let comps: Vec<(&str, Vec<usize>, Vec<f32>)> = comps;
        let src = source(&[("advance_state", &m)], &comps, serde_json::json!({}));
        let e = UserComponent::new(src, None).unwrap_err().to_string();
        assert!(e.contains("Mine.advance_state"), "case {i}: {e}");
    }
    // A compartment too large to hold is refused with its name.
    let src = source(
        &[("advance_state", LEAK)],
        &[
            ("v", vec![1 << 20, 1 << 20], vec![0.0]),
            ("j", vec![1], vec![0.0]),
        ],
        serde_json::json!({"tau": 1.0}),
    );
    let e = UserComponent::new(src, None).unwrap_err().to_string();
    assert!(e.contains('v'), "{e}");
}
