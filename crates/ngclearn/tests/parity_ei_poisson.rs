//! The tutorial's stochastic E-I circuit, built in code with the tutorial's keys:
//! every post-synaptic spike at the same step as ngclearn 3.1.1, and `v` at every step.

mod common;

use common::{fixture, Report};
use ndarray::Array2;
use ngclearn::models::ei_alpha::EiAlpha;

#[test]
fn ei_alpha_poisson_seed1234() {
    let fx = fixture("ei_alpha_poisson_seed1234");
    let mut m = EiAlpha {
        seed: fx["seed"].as_u64().unwrap(),
        ..Default::default()
    }
    .build()
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
        m.process_id("advance_proc").unwrap(),
        m.compartment("post_exc:v").unwrap(),
        m.compartment("post_exc:s").unwrap(),
        m.compartment("pre_exc:outputs").unwrap(),
        m.compartment("pre_inh:outputs").unwrap(),
    );
    let mut rep = Report::default();
    let mut n_spikes = 0;
    for t in 1..=want_v.len() {
        m.run(adv, t as f32 * 0.1, 0.1).unwrap();
        let pre = m.view(pe).unwrap().unwrap().sum() + m.view(pi).unwrap().unwrap().sum();
        assert_eq!(
            pre as u64,
            want_pre[t - 1].as_u64().unwrap(),
            "pre-synaptic spikes at step {t}"
        );
        let spiked = m.view(s).unwrap().unwrap()[[0, 0]] > 0.0;
        assert_eq!(
            spiked,
            !want_spikes[t - 1].as_array().unwrap().is_empty(),
            "post spike at step {t}"
        );
        n_spikes += spiked as usize;
        let got = m.view(v).unwrap().unwrap().to_owned();
        rep.exact("v", t, &got, &Array2::from_elem((1, 1), want_v[t - 1]));
    }
    assert_eq!(n_spikes, 243);
    rep.print("ei_alpha_poisson_seed1234");
    println!("PARITY ei_alpha_poisson_seed1234: {n_spikes} post spikes identical");
}
