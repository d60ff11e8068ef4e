//! A recurrent network of conductance synapses against ngclearn 3.1.1, to the last spike:
//! 250 LIF cells coupled at p_conn 0.1 by Exponential and Alpha synapses, ngclearn's saved
//! model run for 3,000 steps: every step's spikes, and the potentials after the last step
//! bit for bit. One rounding other than XLA's (a division where XLA multiplies by a
//! reciprocal, a product and a sum where it fuses them) changes the potentials, which a
//! chaotic network turns into another raster (Brette et al.'s CUBA parted from ngclearn's
//! after about 5,000 steps that way). `scripts/make_recurrent_fixture.py` writes the
//! fixture from ngclearn itself.

mod common;

use common::{fixture, fixtures_dir};
use ngclearn::io::load_model_dir;

#[test]
fn a_recurrent_conductance_network_spikes_as_ngclearn_to_the_last_spike() {
    let fx = fixture("recurrent_conductance");
    let mut m = load_model_dir(&fixtures_dir().join("models/recurrent_conductance")).unwrap();
    let adv = m.process_id("advance_proc").unwrap();
    let dt = fx["dt"].as_f64().unwrap();
    let steps = fx["steps"].as_u64().unwrap() as usize;
    let raster = |p: &str, k: usize| -> Vec<usize> {
        fx["raster"][p][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_u64().unwrap() as usize)
            .collect()
    };
    let mut spikes = 0;
    for k in 0..steps {
        // ngclearn's times: Python's `(k + 1) * dt` in double, as float32.
        m.run(adv, ((k + 1) as f64 * dt) as f32, dt as f32).unwrap();
        for p in ["E", "I"] {
            let s = m.get(&format!("{p}:s")).unwrap();
            let got: Vec<usize> = (s.iter().enumerate())
                .filter(|(_, &x)| x != 0.0)
                .map(|(i, _)| i)
                .collect();
            assert_eq!(got, raster(p, k), "{p} spikes at step {k}");
            spikes += got.len();
        }
    }
    let want = fx["spikes"]["E"].as_u64().unwrap() + fx["spikes"]["I"].as_u64().unwrap();
    assert_eq!(spikes as u64, want);
    assert!(spikes > 1000, "the network must be active: {spikes} spikes");
    for p in ["E", "I"] {
        let v = m.get(&format!("{p}:v")).unwrap();
        let want = common::mat(&fx["v_final"][p]);
        assert!(
            v.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{p}:v after the last step is not ngclearn's bit for bit"
        );
    }
}
