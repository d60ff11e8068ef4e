//! Synapses that learn (ngclearn's `components.synapses.hebbian`).

crate::components::family!($ synapses::hebbian);
pub(crate) mod stdp;

use crate::utils::optim::Optimizer;
use ndarray::Array2;

/// A two-factor rule's optimiser step: on the weights, and on the biases too when they
/// learn (the synapse has a bias initialiser), as ngclearn steps `[W, b]` or `[W]`.
pub(crate) fn step_optimizer(
    opt: &mut Optimizer,
    biases_learn: bool,
    (weights, biases): (&mut Array2<f32>, &mut Array2<f32>),
    (d_weights, d_biases): (&Array2<f32>, &Array2<f32>),
) {
    if biases_learn {
        opt.step(&mut [weights, biases], &[d_weights, d_biases]);
    } else {
        opt.step(&mut [weights], &[d_weights]);
    }
}

/// `dBiases = sum_b(post * post_wght) * sign_value`, the batch sum a chain of fused
/// multiply-adds (XLA's reduce of the products).
pub(crate) fn bias_update(
    post: &Array2<f32>,
    post_wght: f32,
    sign: f32,
    d_biases: &mut Array2<f32>,
) {
    for j in 0..post.ncols() {
        let mut db = 0.0f32;
        for row in post.rows() {
            db = row[j].mul_add(post_wght, db);
        }
        d_biases[[0, j]] = db * sign;
    }
}

/// The optimiser state as ngclearn pickles it, `custom/NAME_opt_params.pkl`.
pub(crate) fn opt_file(name: &str, opt: &Optimizer) -> (String, Vec<u8>) {
    (
        format!("{name}_opt_params.pkl"),
        crate::io::pickle::to_bytes(&crate::io::optim_state::to_pickled(opt)),
    )
}

/// Reads [`opt_file`]'s pickle back from `dir` into `opt` (moments of `shapes`).
pub(crate) fn load_opt_file(
    dir: &std::path::Path,
    name: &str,
    opt: &mut Optimizer,
    shapes: &[(usize, usize)],
) -> crate::error::Result<()> {
    let path = dir.join(format!("{name}_opt_params.pkl"));
    let v = crate::io::pickle::read(&path, crate::io::optim_state::max_pickle_bytes(shapes))?;
    crate::io::optim_state::set_from_pickled(opt, &v, shapes, &path.display().to_string())
}
