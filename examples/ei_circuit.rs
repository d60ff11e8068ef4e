//! The ngclearn tutorial's E-I circuit with alpha synapses: 80 excitatory and 20
//! inhibitory Poisson cells at 10 Hz drive one LIF cell through two AlphaSynapses,
//! for 1 s in steps of 0.1 ms. Same keys as the tutorial, so the same spikes.
//!
//! Run: `cargo run --release --example ei_circuit`

use ngclearn::prelude::*;

fn main() -> ngclearn::Result<()> {
    let (dt, n_exc, n_inh) = (0.1, 80, 20);
    let sk = Key::from_seed(1234).split::<6>(); // dkey, *sk = random.split(dkey, 6)
    let synapse = |tau_decay, syn_rest| {
        let mut p = AlphaSynapseParams::new(tau_decay, 2.4, Some(syn_rest));
        p.dense.resist_scale = 0.1;
        p.dense.weight_init = Some(DistributionGenerator::constant(1.0));
        p.dense.key = Some(sk[3]);
        p
    };
    let mut post = LIFCellParams::new(10.0);
    (
        post.thr,
        post.v_rest,
        post.v_reset,
        post.tau_theta,
        post.theta_plus,
        post.refract_time,
    ) = (-55.0, -75.0, -75.0, 0.0, 0.0, 2.0);
    post.key = Some(sk[4]);

    let mut ctx = Context::new("ei_alpha");
    ctx.add(PoissonCell::new("pre_exc", n_exc, 10.0, 1, Some(sk[1]))?)?;
    ctx.add(PoissonCell::new("pre_inh", n_inh, 10.0, 1, Some(sk[2]))?)?;
    ctx.add(AlphaSynapse::new("Wexc", (n_exc, 1), synapse(2.0, 0.0))?)?;
    ctx.add(AlphaSynapse::new("Winh", (n_inh, 1), synapse(5.0, -80.0))?)?;
    ctx.add(LIFCell::new("post_exc", 1, post)?)?;

    ctx.wire("pre_exc:outputs", "Wexc:inputs")?;
    ctx.wire("pre_inh:outputs", "Winh:inputs")?;
    ctx.wire("post_exc:v", "Wexc:v")?;
    ctx.wire("post_exc:v", "Winh:v")?;
    ctx.wire(Summation::of(["Wexc:i_syn", "Winh:i_syn"]), "post_exc:j")?;

    let order = ["pre_exc", "pre_inh", "Wexc", "Winh", "post_exc"];
    ctx.process("advance_proc", &order.map(|c| (c, Method::AdvanceState)))?;
    ctx.process("reset_proc", &order.map(|c| (c, Method::Reset)))?;
    let mut model = ctx.build()?;

    model.run_named("reset_proc", 0.0, dt)?;
    model.set(
        "pre_exc:inputs",
        &ngclearn::ndarray::Array2::ones((1, n_exc)),
    )?;
    model.set(
        "pre_inh:inputs",
        &ngclearn::ndarray::Array2::ones((1, n_inh)),
    )?;
    model.set("post_exc:v", &ngclearn::ndarray::array![[-65.0]])?;

    let (adv, s) = (
        model.process_id("advance_proc")?,
        model.compartment("post_exc:s")?,
    );
    let mut spike_steps = Vec::new();
    for k in 1..=10_000 {
        model.run(adv, k as f32 * dt, dt)?;
        if model.view(s)?.is_some_and(|s| s[[0, 0]] > 0.0) {
            spike_steps.push(k);
        }
    }
    println!(
        "post_exc: {} spikes in 1 s ({} Hz); first at steps {:?}",
        spike_steps.len(),
        spike_steps.len(),
        &spike_steps[..spike_steps.len().min(8)]
    );
    println!("final v = {:.4} mV", model.get("post_exc:v")?[[0, 0]]);
    Ok(())
}
