//! An optimiser's state in the form ngclearn pickles it (`NAME_opt_params.pkl`): `t`
//! for SGD, `(g1, g2, t)` for Adam and `(phi, t)` for NAG, each moment a list with one
//! array per parameter.

use crate::error::{Error, Result};
use crate::io::pickle::Pickled;
use crate::utils::optim::{OptimType, Optimizer};
use ndarray::Array2;

/// The state as ngclearn pickles it.
pub fn to_pickled(opt: &Optimizer) -> Pickled {
    let arrays = |v: &[Array2<f32>]| {
        Pickled::List(
            v.iter()
                .map(|a| Pickled::Array {
                    shape: a.shape().to_vec(),
                    data: a.iter().copied().collect(),
                    weak_type: false,
                })
                .collect(),
        )
    };
    let t = Pickled::scalar(opt.time_step(), true);
    let (m1, m2) = opt.moments();
    match opt.kind() {
        OptimType::Sgd => t,
        OptimType::Adam => Pickled::Tuple(vec![arrays(m1), arrays(m2), t]),
        OptimType::Nag => Pickled::Tuple(vec![arrays(m1), t]),
    }
}

/// Takes the state from ngclearn's pickled value, which must have this optimiser's
/// structure, with one moment per parameter for the first 1 to `shapes.len()` of
/// `shapes` (a synapse saved with biases and loaded without its bias initialiser, as
/// ngclearn loads it, keeps both and steps only the weights). `path` names the file
/// in errors.
pub fn set_from_pickled(
    opt: &mut Optimizer,
    v: &Pickled,
    shapes: &[(usize, usize)],
    path: &str,
) -> Result<()> {
    let bad = |msg: String| Error::format(path, "(pickle)", msg);
    // The step count starts at 0 and grows by 1 per update: a run never makes it
    // negative, fractional, infinite or NaN.
    let scalar = |v: &Pickled| match v {
        Pickled::Array { shape, data, .. } if shape.is_empty() => {
            let t = data[0];
            if t.is_finite() && t >= 0.0 && t.fract() == 0.0 {
                Ok(t)
            } else {
                Err(bad(format!(
                    "the step count is {t}; a run makes only whole numbers >= 0"
                )))
            }
        }
        _ => Err(bad("the step count is not a 0-d array".into())),
    };
    let arrays = |v: &Pickled, what: &str| -> Result<Vec<Array2<f32>>> {
        let Pickled::List(items) = v else {
            return Err(bad(format!("{what} is not a list")));
        };
        if items.is_empty() || items.len() > shapes.len() {
            return Err(bad(format!(
                "{what} holds {} arrays; this synapse has 1 to {} parameters",
                items.len(),
                shapes.len()
            )));
        }
        items
            .iter()
            .zip(shapes)
            .enumerate()
            .map(|(i, (it, &dim))| match it {
                Pickled::Array { shape, data, .. } => {
                    let want = [dim.0, dim.1];
                    // ngclearn keeps a bias vector as (n,) or (1, n).
                    let fits =
                        shape.as_slice() == want || (want[0] == 1 && shape.as_slice() == [want[1]]);
                    if !fits {
                        return Err(bad(format!(
                            "{what}[{i}] has shape {shape:?}, expected {want:?}"
                        )));
                    }
                    Ok(Array2::from_shape_vec(dim, data.clone()).expect("checked size"))
                }
                _ => Err(bad(format!("{what}[{i}] is not an array"))),
            })
            .collect()
    };
    let name = match opt.kind() {
        OptimType::Sgd => "sgd",
        OptimType::Adam => "adam",
        OptimType::Nag => "nag",
    };
    match (opt.kind(), v) {
        (OptimType::Sgd, v) => opt.restore(scalar(v)?, Vec::new(), Vec::new(), path),
        (OptimType::Adam, Pickled::Tuple(t)) if t.len() == 3 => {
            let g1 = arrays(&t[0], "g1")?;
            let g2 = arrays(&t[1], "g2")?;
            if g1.len() != g2.len() {
                return Err(bad("g1 and g2 hold different numbers of arrays".into()));
            }
            // Second moments are running means of squares: never negative (NaN,
            // from a run that diverged, is kept).
            for (i, a) in g2.iter().enumerate() {
                if let Some((at, x)) = a.indexed_iter().find(|(_, &x)| x < 0.0) {
                    return Err(bad(format!(
                        "g2[{i}] element [{}, {}] is {x}; second moments are never negative",
                        at.0, at.1
                    )));
                }
            }
            opt.restore(scalar(&t[2])?, g1, g2, path);
        }
        (OptimType::Nag, Pickled::Tuple(t)) if t.len() == 2 => {
            let phi = arrays(&t[0], "phi")?;
            opt.restore(scalar(&t[1])?, phi, Vec::new(), path);
        }
        _ => {
            return Err(bad(format!(
                "is not the state of `{name}` (optim_type) for this synapse"
            )))
        }
    }
    Ok(())
}

/// The largest pickle of a state for parameters of `shapes` (two moments each at
/// most, and a bound on the opcodes around each array).
pub fn max_pickle_bytes(shapes: &[(usize, usize)]) -> u64 {
    let floats: u64 = shapes.iter().map(|&(a, b)| (a as u64) * (b as u64)).sum();
    (2 * floats + 1) * 4 + 1024 * (2 * shapes.len() as u64 + 1)
}
