//! The tutorial's stochastic E-I circuit, built in code with the tutorial's keys:
//! every post-synaptic spike at the same step as ngclearn 3.1.1, and `v` at every step.

mod common;

use common::{fixture, Report};
use ndarray::Array2;
use ngclearn::prelude::*;

#[test]
fn ei_alpha_poisson_seed1234() {
    let fx = fixture("ei_alpha_poisson_seed1234");
    let sk = Key::from_seed(fx["seed"].as_u64().unwrap()).split::<6>();
    let (ne, ni) = (80, 20);
    let syn = |tau, e| {
        let mut p = AlphaSynapseParams::new(tau, 2.4, Some(e));
        p.dense.resist_scale = 0.1;
        p.dense.weight_init = Some(DistributionGenerator::constant(1.0));
        p.dense.key = Some(sk[3]);
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
        lp.key,
    ) = (-55.0, -75.0, -75.0, 0.0, 0.0, 2.0, Some(sk[4]));
    let mut ctx = Context::new("ei");
    ctx.add(PoissonCell::new("pe", ne, 10.0, 1, Some(sk[1])).unwrap())
        .unwrap();
    ctx.add(PoissonCell::new("pi", ni, 10.0, 1, Some(sk[2])).unwrap())
        .unwrap();
    ctx.add(AlphaSynapse::new("We", (ne, 1), syn(2.0, 0.0)).unwrap())
        .unwrap();
    ctx.add(AlphaSynapse::new("Wi", (ni, 1), syn(5.0, -80.0)).unwrap())
        .unwrap();
    ctx.add(LIFCell::new("post", 1, lp).unwrap()).unwrap();
    for (src, dst) in [
        ("pe:outputs", "We:inputs"),
        ("pi:outputs", "Wi:inputs"),
        ("post:v", "We:v"),
        ("post:v", "Wi:v"),
    ] {
        ctx.wire(src, dst).unwrap();
    }
    ctx.wire(Summation::of(["We:i_syn", "Wi:i_syn"]), "post:j")
        .unwrap();
    let order = ["pe", "pi", "We", "Wi", "post"];
    ctx.process("adv", &order.map(|c| (c, Method::AdvanceState)))
        .unwrap();
    ctx.process("rst", &order.map(|c| (c, Method::Reset)))
        .unwrap();
    let mut m = ctx.build().unwrap();
    m.run_named("rst", 0.0, 0.1).unwrap();
    m.set("pe:inputs", &Array2::ones((1, ne))).unwrap();
    m.set("pi:inputs", &Array2::ones((1, ni))).unwrap();
    m.set("post:v", &Array2::from_elem((1, 1), -65.0f32))
        .unwrap();

    let tr = &fx["trace"];
    let want_v: Vec<f32> = tr["v"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[0].as_f64().unwrap() as f32)
        .collect();
    let want_spikes = tr["spike_indices"].as_array().unwrap();
    let want_pre = tr["pre_spike_count"].as_array().unwrap();
    let (adv, v, s, pe, pi) = (
        m.process_id("adv").unwrap(),
        m.compartment("post:v").unwrap(),
        m.compartment("post:s").unwrap(),
        m.compartment("pe:outputs").unwrap(),
        m.compartment("pi:outputs").unwrap(),
    );
    let mut rep = Report::default();
    let mut n_spikes = 0;
    for t in 1..=want_v.len() {
        m.run(adv, t as f32 * 0.1, 0.1).unwrap();
        let pre = m.view(pe).unwrap().sum() + m.view(pi).unwrap().sum();
        assert_eq!(
            pre as u64,
            want_pre[t - 1].as_u64().unwrap(),
            "pre-synaptic spikes at step {t}"
        );
        let spiked = m.view(s).unwrap()[[0, 0]] > 0.0;
        assert_eq!(
            spiked,
            !want_spikes[t - 1].as_array().unwrap().is_empty(),
            "post spike at step {t}"
        );
        n_spikes += spiked as usize;
        let got = m.view(v).unwrap().to_owned();
        rep.check("v", t, &got, &Array2::from_elem((1, 1), want_v[t - 1]));
        assert!((got[[0, 0]] - want_v[t - 1]).abs() <= 1e-4, "v at step {t}");
    }
    assert_eq!(n_spikes, 243);
    rep.print("ei_alpha_poisson_seed1234");
    println!("PARITY ei_alpha_poisson_seed1234: {n_spikes} post spikes identical");
}
