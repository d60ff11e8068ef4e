//! LIF cells, the E-I circuit with fed rasters, and the randomness, against ngclearn 3.1.1.

mod common;

use common::{f, fixture, mat, steps, Report};
use ndarray::Array2;
use ngclearn::prelude::*;
use serde_json::Value;

fn lif(name: &str) {
    let fx = fixture(name);
    let kw = fx["kwargs"].as_object().unwrap();
    let mut p = LIFCellParams::new(f(&kw["tau_m"]));
    for (k, v) in kw {
        let x = f(v);
        match k.as_str() {
            "tau_m" => {}
            "resist_m" => p.resist_m = x,
            "thr" => p.thr = x,
            "v_rest" => p.v_rest = x,
            "v_reset" => p.v_reset = x,
            "conduct_leak" => p.conduct_leak = x,
            "tau_theta" => p.tau_theta = x,
            "theta_plus" => p.theta_plus = x,
            "refract_time" => p.refract_time = x,
            other => panic!("unexpected kwarg {other}"),
        }
    }
    p.key = Some(Key::from_seed(3));
    let n = fx["n_units"].as_u64().unwrap() as usize;
    let mut ctx = Context::new(name);
    ctx.add(LIFCell::new("c", n, p).unwrap()).unwrap();
    ctx.process("adv", &[("c", Method::AdvanceState)]).unwrap();
    ctx.process("rst", &[("c", Method::Reset)]).unwrap();
    let mut m = ctx.build().unwrap();
    m.run_named("rst", 0.0, 1.0).unwrap();
    let dt = f(&fx["dt"]);
    // The fixture's times are Python's `step * dt`, in double precision.
    let dt64 = fx["dt"].as_f64().unwrap();
    let js = steps(&fx["j"]);
    let tr = fx["trace"].as_object().unwrap();
    let adv = m.process_id("adv").unwrap();
    let mut rep = Report::default();
    let mut spikes = 0.0;
    for (k, j) in js.iter().enumerate() {
        m.set("c:j", j).unwrap();
        m.run(adv, (k as f64 * dt64) as f32, dt).unwrap();
        for (field, series) in tr {
            let want = mat(&series[k]);
            let got = m.get(&format!("c:{field}")).unwrap();
            if field == "s" {
                spikes += want.sum();
            }
            rep.exact(field, k, &got, &want);
        }
    }
    assert!(spikes > 0.0, "the fixture should exercise spiking");
    rep.print(name);
    println!("PARITY {name}: {spikes} spikes identical");
}

#[test]
fn lif_tutorial_params() {
    lif("lif_tutorial_params");
}

#[test]
fn lif_defaults_adaptive() {
    lif("lif_defaults_adaptive");
}

/// Wiring (plain and Summation), ordering and reset semantics on the E-I circuit.
#[test]
fn ei_alpha_fixed_rasters() {
    let fx = fixture("ei_alpha_fixed_rasters");
    let (ne, ni, np) = (
        fx["n_exc"].as_u64().unwrap() as usize,
        fx["n_inh"].as_u64().unwrap() as usize,
        fx["n_post"].as_u64().unwrap() as usize,
    );
    let syn = |tau: f32, e: f32| {
        let mut p = AlphaSynapseParams::new(tau, 2.4, Some(e));
        p.is_nonplastic = false;
        p.dense.resist_scale = 0.1;
        p.dense.weight_init = Some(DistributionGenerator::constant(1.0));
        p.dense.key = Some(Key::from_seed(11));
        p
    };
    let mut lp = LIFCellParams::new(10.0);
    (
        lp.thr,
        lp.v_rest,
        lp.v_reset,
        lp.tau_theta,
        lp.theta_plus,
        lp.refract_time,
    ) = (-55.0, -75.0, -75.0, 0.0, 0.0, 2.0);
    let mut ctx = Context::new("eifixed");
    ctx.add(AlphaSynapse::new("We", (ne, np), syn(2.0, 0.0)).unwrap())
        .unwrap();
    ctx.add(AlphaSynapse::new("Wi", (ni, np), syn(5.0, -80.0)).unwrap())
        .unwrap();
    ctx.add(LIFCell::new("post", np, lp).unwrap()).unwrap();
    ctx.wire("post:v", "We:v").unwrap();
    ctx.wire("post:v", "Wi:v").unwrap();
    ctx.wire(Summation::of(["We:i_syn", "Wi:i_syn"]), "post:j")
        .unwrap();
    ctx.process(
        "adv",
        &[
            ("We", Method::AdvanceState),
            ("Wi", Method::AdvanceState),
            ("post", Method::AdvanceState),
        ],
    )
    .unwrap();
    ctx.process(
        "rst",
        &[
            ("We", Method::Reset),
            ("Wi", Method::Reset),
            ("post", Method::Reset),
        ],
    )
    .unwrap();
    let mut m = ctx.build().unwrap();
    m.set("We:weights", &mat(&fx["exc_weights"])).unwrap();
    m.set("Wi:weights", &mat(&fx["inh_weights"])).unwrap();
    m.run_named("rst", 0.0, 1.0).unwrap();
    m.set("post:v", &Array2::from_elem((1, np), -65.0f32))
        .unwrap();
    let (se, si) = (steps(&fx["exc_inputs"]), steps(&fx["inh_inputs"]));
    let (tv, ts) = (steps(&fx["trace"]["v"]), steps(&fx["trace"]["s"]));
    let (adv, we_in, wi_in, v, s) = (
        m.process_id("adv").unwrap(),
        m.compartment("We:inputs").unwrap(),
        m.compartment("Wi:inputs").unwrap(),
        m.compartment("post:v").unwrap(),
        m.compartment("post:s").unwrap(),
    );
    let mut rep = Report::default();
    let mut spikes = 0.0;
    for t in 1..=se.len() {
        m.set_ref(we_in, &se[t - 1]).unwrap();
        m.set_ref(wi_in, &si[t - 1]).unwrap();
        m.run(adv, t as f32 * 0.1, 0.1).unwrap();
        rep.exact("v", t, &m.view(v).unwrap().unwrap().to_owned(), &tv[t - 1]);
        rep.spikes("s", t, &m.view(s).unwrap().unwrap().to_owned(), &ts[t - 1]);
        spikes += ts[t - 1].sum();
    }
    assert!(spikes > 0.0);
    rep.print("ei_alpha_fixed_rasters");
    println!("PARITY ei_alpha_fixed_rasters: {spikes} spikes identical");
}

fn key_of(v: &Value) -> Key {
    let a = v.as_array().unwrap();
    Key([a[0].as_u64().unwrap() as u32, a[1].as_u64().unwrap() as u32])
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(f))
        .collect()
}

/// threefry2x32 keys, splits, uniforms and Bernoulli draws: bit for bit.
#[test]
fn jax_prng_bits() {
    let fx = fixture("jax_prng");
    for case in fx["cases"].as_array().unwrap() {
        let seed = case["seed"].as_u64().unwrap();
        let key = Key::from_seed(seed);
        assert_eq!(key, key_of(&case["key"]));
        let [a, b] = key.split::<2>();
        assert_eq!(
            [a, b].to_vec(),
            case["split2"]
                .as_array()
                .unwrap()
                .iter()
                .map(key_of)
                .collect::<Vec<_>>()
        );
        let mut six = [Key([0, 0]); 6];
        key.split_into(&mut six);
        assert_eq!(
            six.to_vec(),
            case["split6"]
                .as_array()
                .unwrap()
                .iter()
                .map(key_of)
                .collect::<Vec<_>>()
        );
        for (field, n) in [("uniform_1x7", 7), ("uniform_3x4", 12)] {
            let mut u = vec![0.0; n];
            key.uniform_into(&mut u);
            assert_eq!(u, floats(&case[field]), "seed {seed} {field}");
        }
        let mut u = vec![0.0; 7];
        key.uniform_range_into(&mut u, 0.025, 0.8);
        assert_eq!(
            u,
            floats(&case["uniform_1x7_range"]),
            "seed {seed} uniform range"
        );
        let mut bern = vec![0.0; 10];
        key.bernoulli_into(&mut bern, 0.3);
        assert_eq!(
            bern,
            floats(&case["bernoulli_p03_2x5"]),
            "seed {seed} bernoulli"
        );
    }
}

/// Normal draws: bit for bit (erfinv, log1p and log as XLA computes them).
#[test]
fn jax_prng_normal() {
    let fx = fixture("jax_prng");
    for case in fx["cases"].as_array().unwrap() {
        let key = Key::from_seed(case["seed"].as_u64().unwrap());
        let mut z = vec![0.0; 6];
        key.normal_into(&mut z);
        assert_eq!(z, floats(&case["normal_2x3"]), "seed {}", case["seed"]);
    }
}

/// The Poisson cell's spikes and final key, seed 1234.
#[test]
fn poisson_cell_seed1234() {
    let fx = fixture("poisson_cell_seed1234");
    let n = fx["n_units"].as_u64().unwrap() as usize;
    let dt = f(&fx["dt"]);
    let mut ctx = Context::new("pois");
    ctx.add(
        PoissonCell::new(
            "c",
            n,
            f(&fx["target_freq"]),
            1,
            Some(Key::from_seed(fx["seed"].as_u64().unwrap())),
        )
        .unwrap(),
    )
    .unwrap();
    ctx.process("adv", &[("c", Method::AdvanceState)]).unwrap();
    ctx.process("rst", &[("c", Method::Reset)]).unwrap();
    let mut m = ctx.build().unwrap();
    m.run_named("rst", 0.0, 1.0).unwrap();
    m.set("c:inputs", &Array2::ones((1, n))).unwrap();
    let want = fx["spike_indices_per_step"].as_array().unwrap();
    for (k, w) in want.iter().enumerate() {
        m.run_named("adv", k as f32 * dt, dt).unwrap();
        let got: Vec<u64> = m
            .get("c:outputs")
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, &x)| x > 0.0)
            .map(|(i, _)| i as u64)
            .collect();
        let w: Vec<u64> = w
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        assert_eq!(got, w, "step {k}");
    }
    assert_eq!(m.get_key("c:key").unwrap(), key_of(&fx["final_key"]));
}

/// The initialisers (bit for bit) and DenseSynapse's default initialiser with p_conn = 0.5.
#[test]
fn weight_init_seed7() {
    let fx = fixture("weight_init_seed7");
    let key = Key::from_seed(fx["seed"].as_u64().unwrap());
    let w = &fx["weights"];
    let inits = [
        (
            "uniform_default",
            DistributionGenerator::uniform(0.025, 0.8),
        ),
        ("constant_0.3", DistributionGenerator::constant(0.3)),
        ("fan_in_uniform", DistributionGenerator::fan_in_uniform()),
        (
            "gaussian_0_0.05",
            DistributionGenerator::gaussian(0.0, 0.05),
        ),
        ("fan_in_gaussian", DistributionGenerator::fan_in_gaussian()),
    ];
    for (name, init) in inits {
        let got = init.generate("init", (4, 3), key).unwrap();
        assert_eq!(got, mat(&w[name]), "{name}");
    }
    let d = DenseSynapse::new(
        "D",
        (6, 5),
        DenseParams {
            p_conn: 0.5,
            key: Some(key),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(d.weights(), &mat(&w["dense_default_init_p_conn_0.5"]));
    // Signed weights: ngclearn masks with a boolean product, which XLA computes as a
    // select, so a masked negative weight is +0.0 (a product would give -0.0).
    let d = DenseSynapse::new(
        "D",
        (6, 5),
        DenseParams {
            weight_init: Some(DistributionGenerator::uniform(-1.0, 1.0)),
            p_conn: 0.5,
            key: Some(key),
            ..Default::default()
        },
    )
    .unwrap();
    let bits = |a: &ndarray::Array2<f32>| a.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let want = mat(&w["dense_signed_init_p_conn_0.5"]);
    assert!(want.iter().any(|&x| x < 0.0) && want.iter().any(|&x| x == 0.0));
    assert_eq!(bits(d.weights()), bits(&want));
}
