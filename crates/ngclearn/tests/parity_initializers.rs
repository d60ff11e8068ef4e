//! Permutations, choice without replacement, the initialisers' options, a Bernoulli
//! cell and a gaussian DenseSynapse with p_conn against
//! values printed by ngclearn 3.1.1 / JAX 0.12 (`scripts/reference_vectors.py`).

mod common;

use common::mat;
use ngclearn::prelude::*;
use serde_json::Value;

/// The output of `python scripts/reference_vectors.py`.
const REFERENCE: &str = r#"
{"permutation": [{"seed": 0, "n": 10, "k": 3, "head": [0, 1, 8, 5, 6, 4, 3, 2, 7, 9], "choice": [0, 1, 8]}, {"seed": 42, "n": 100, "k": 10, "head": [35, 45, 99, 31, 85, 63, 82, 65, 7, 4, 78, 29], "choice": [35, 45, 99, 31, 85, 63, 82, 65, 7, 4]}, {"seed": 9, "n": 50000, "k": 4, "head": [13969, 34206, 28418, 8799, 45250, 31421, 12205, 25808, 40108, 27412, 17053, 28371], "choice": [13969, 34206, 28418, 8799]}], "initializers": {"uniform_col_mask_2": [[0.0, 0.0, 0.3115730285644531, 0.16774213314056396, 0.0], [0.0, 0.0, 0.016762971878051758, 0.9926861524581909, 0.0], [0.0, 0.0, 0.468166708946228, 0.5566674470901489, 0.0], [0.0, 0.0, 0.7402311563491821, 0.19873905181884766, 0.0]], "constant_row_mask_2": [[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0]], "uniform_hollow": [[0.0, 0.04398846626281738, 0.3115730285644531], [0.16774213314056396, 0.0, 0.8673391342163086], [0.774152398109436, 0.016762971878051758, 0.0]], "uniform_eye": [[0.008695363998413086, 0.0, 0.0, 0.0], [0.0, 0.8673391342163086, 0.0, 0.0], [0.0, 0.0, 0.0022978782653808594, 0.0]], "uniform_lower": [[0.008695363998413086, 0.0, 0.0], [0.16774213314056396, 0.5754284858703613, 0.0], [0.774152398109436, 0.016762971878051758, 0.9926861524581909]], "uniform_upper": [[0.008695363998413086, 0.04398846626281738, 0.3115730285644531], [0.0, 0.5754284858703613, 0.8673391342163086], [0.0, 0.0, 0.9926861524581909]], "gaussian_clip": [[-0.5, -0.5, -0.4913964569568634, -0.5], [0.19021205604076385, 0.5, 0.5, -0.5], [0.5, -0.5, -0.5, 0.4067723751068115]]}, "bernoulli_cell_seed21": {"inputs": [0.0, 0.09090909361839294, 0.1818181872367859, 0.27272728085517883, 0.3636363744735718, 0.4545454680919647, 0.5454545617103577, 0.6363636255264282, 0.7272727489471436, 0.8181818723678589, 0.9090909361839294, 1.0], "spikes": [[3, 7, 8, 9, 10, 11], [1, 3, 5, 7, 8, 9, 10, 11], [7, 9, 10, 11], [4, 5, 6, 8, 9, 10, 11], [5, 8, 9, 10, 11], [7, 8, 9, 11], [4, 6, 8, 9, 10, 11], [3, 4, 6, 7, 9, 10, 11], [5, 6, 8, 9, 10, 11], [1, 3, 4, 5, 9, 10, 11], [3, 5, 8, 10, 11], [4, 5, 7, 8, 10, 11], [6, 8, 9, 10, 11], [4, 5, 8, 11], [3, 5, 6, 8, 9, 10, 11], [2, 6, 7, 8, 9, 10, 11], [1, 4, 5, 7, 8, 9, 10, 11], [3, 5, 6, 7, 9, 11], [6, 7, 8, 9, 10, 11], [3, 8, 9, 10, 11], [3, 5, 6, 7, 8, 10, 11], [2, 7, 8, 9, 10, 11], [4, 5, 9, 11], [2, 5, 6, 7, 9, 10, 11], [1, 4, 5, 6, 7, 8, 9, 10, 11], [4, 5, 7, 9, 10, 11], [2, 7, 8, 9, 10, 11], [4, 5, 7, 9, 10, 11], [2, 3, 5, 6, 7, 8, 9, 10, 11], [2, 6, 7, 8, 10, 11]], "final_key": [1631162356, 411745745], "tols": [[0.0, 12.0, 14.5, 14.0, 13.5, 14.0, 14.5, 14.5, 14.5, 14.0, 14.5, 14.5]]}, "dense_gaussian_p_conn_0.6_seed8": [[-0.34427472949028015, 0.0, 0.5635192394256592, 0.1176353245973587], [-0.03495136648416519, 0.7126613855361938, 0.0, 0.3252551853656769], [0.0364752933382988, 0.0, -0.8618501424789429, 0.15974515676498413], [0.0, -0.6417867541313171, 0.0, -1.2300376892089844], [0.53853839635849, -0.14303630590438843, 0.0, -0.08883892744779587]]}
"#;

fn reference() -> Value {
    serde_json::from_str(REFERENCE).unwrap()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

#[test]
fn permutation_and_choice_match_jax() {
    for case in reference()["permutation"].as_array().unwrap() {
        let key = Key::from_seed(case["seed"].as_u64().unwrap());
        let (n, k) = (
            case["n"].as_u64().unwrap() as usize,
            case["k"].as_u64().unwrap() as usize,
        );
        let head = usizes(&case["head"]);
        assert_eq!(
            key.permutation(n)[..head.len()],
            head[..],
            "seed {}",
            case["seed"]
        );
        assert_eq!(
            key.choice_without_replacement(n, k),
            usizes(&case["choice"])
        );
    }
}

#[test]
fn initializer_options_match_ngclearn() {
    let r = reference();
    let p = |f: fn(&mut DistributionParams)| {
        let mut d = DistributionParams::default();
        f(&mut d);
        d
    };
    let cases = [
        (
            "uniform_col_mask_2",
            DistributionGenerator::uniform(0.0, 1.0)
                .with(p(|d| d.col_mask = Some(KeepMask::Count(2)))),
            (4, 5),
        ),
        (
            "constant_row_mask_2",
            DistributionGenerator::constant(1.0).with(p(|d| d.row_mask = Some(KeepMask::Count(2)))),
            (4, 4),
        ),
        (
            "uniform_hollow",
            DistributionGenerator::uniform(0.0, 1.0).with(p(|d| d.hollow = true)),
            (3, 3),
        ),
        (
            "uniform_eye",
            DistributionGenerator::uniform(0.0, 1.0).with(p(|d| d.eye = true)),
            (3, 4),
        ),
        (
            "uniform_lower",
            DistributionGenerator::uniform(0.0, 1.0).with(p(|d| d.lower_triangle = true)),
            (3, 3),
        ),
        (
            "uniform_upper",
            DistributionGenerator::uniform(0.0, 1.0).with(p(|d| d.upper_triangle = true)),
            (3, 3),
        ),
        (
            "gaussian_clip",
            DistributionGenerator::gaussian(0.0, 1.0)
                .with(p(|d| (d.amin, d.amax) = (Some(-0.5), Some(0.5)))),
            (3, 4),
        ),
    ];
    for (name, init, shape) in cases {
        let got = init.generate("W", shape, Key::from_seed(3)).unwrap();
        assert_eq!(got, mat(&r["initializers"][name]), "{name}");
    }
}

#[test]
fn mask_lists_and_errors() {
    let d = DistributionParams {
        col_mask: Some(KeepMask::Indices(vec![0, 3])),
        ..Default::default()
    };
    let w = DistributionGenerator::constant(2.0)
        .with(d)
        .generate("W", (2, 4), Key::from_seed(0))
        .unwrap();
    assert_eq!(
        w,
        ndarray::array![[2.0, 0.0, 0.0, 2.0], [2.0, 0.0, 0.0, 2.0]]
    );
    let bad = DistributionParams {
        col_mask: Some(KeepMask::Indices(vec![7])),
        ..Default::default()
    };
    assert!(
        matches!(DistributionGenerator::constant(1.0).with(bad).generate("W", (2, 4), Key::from_seed(0)), Err(Error::InvalidParameter { param, .. }) if param == "col_mask")
    );
    let both = DistributionParams {
        lower_triangle: true,
        upper_triangle: true,
        ..Default::default()
    };
    assert!(DistributionGenerator::constant(1.0)
        .with(both)
        .generate("W", (2, 2), Key::from_seed(0))
        .is_err());
    let rows = DistributionParams {
        row_mask: Some(KeepMask::Count(1)),
        ..Default::default()
    };
    assert!(
        DistributionGenerator::constant(1.0)
            .with(rows)
            .generate("W", (2, 3), Key::from_seed(0))
            .is_err(),
        "row_mask needs a square matrix"
    );
}

#[test]
fn bernoulli_cell_matches_ngclearn() {
    let r = &reference()["bernoulli_cell_seed21"];
    let mut ctx = Context::new("bern");
    ctx.add(BernoulliCell::new("b", 12, 1, Some(Key::from_seed(21))).unwrap())
        .unwrap();
    ctx.process("adv", &[("b", Method::AdvanceState)]).unwrap();
    let mut m = ctx.build().unwrap();
    let inputs: Vec<f32> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    m.set(
        "b:inputs",
        &ndarray::Array2::from_shape_vec((1, 12), inputs).unwrap(),
    )
    .unwrap();
    for (t, want) in r["spikes"].as_array().unwrap().iter().enumerate() {
        m.run_named("adv", t as f32 * 0.5, 0.5).unwrap();
        let got: Vec<usize> = m
            .get("b:outputs")
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, &x)| x > 0.0)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(got, usizes(want), "step {t}");
    }
    assert_eq!(m.get("b:tols").unwrap(), mat(&r["tols"]));
    let k = usizes(&r["final_key"]);
    assert_eq!(m.get_key("b:key").unwrap(), Key([k[0] as u32, k[1] as u32]));
}

#[test]
fn gaussian_dense_synapse_with_p_conn_matches_ngclearn() {
    let p = DenseParams {
        weight_init: Some(DistributionGenerator::gaussian(0.1, 0.5)),
        p_conn: 0.6,
        key: Some(Key::from_seed(8)),
        ..Default::default()
    };
    let d = DenseSynapse::new("D", (5, 4), p).unwrap();
    assert_eq!(
        d.weights(),
        &mat(&reference()["dense_gaussian_p_conn_0.6_seed8"])
    );
}
