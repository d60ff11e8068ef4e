//! Neuronal cells.

pub mod graded;
pub mod spiking;

use crate::error::{Error, Result};

/// ngclearn's `get_integrator_code`: `euler`/`rk1` 0, `midpoint`/`rk2` 1,
/// `heun`/`rk2_heun` 2, `ralston`/`rk2_ralston` 3, `rk4` 4. ngclearn prints an error
/// and steps by Euler for any other name; here that name is refused (an error on
/// `integration_type` of `component`). What each code runs is the class's choice.
pub(crate) fn integrator_code(component: &str, name: &str) -> Result<u8> {
    Ok(match name {
        "euler" | "rk1" => 0,
        "midpoint" | "rk2" => 1,
        "heun" | "rk2_heun" => 2,
        "ralston" | "rk2_ralston" => 3,
        "rk4" => 4,
        other => return Err(Error::param(
            component,
            "integration_type",
            format!("{other:?}"),
            "is not one of euler, rk1, midpoint, rk2, heun, rk2_heun, ralston, rk2_ralston, rk4",
        )),
    })
}

/// A parameter ngclearn divides by (or takes the reciprocal of), which must be finite
/// and non-zero here (ngclearn would compute infinities and NaNs).
pub(crate) fn nonzero(component: &str, param: &str, value: f32) -> Result<f32> {
    if value.is_finite() && value != 0.0 {
        Ok(value)
    } else {
        Err(Error::param(
            component,
            param,
            value,
            "must be a finite, non-zero number (ngclearn divides by it)",
        ))
    }
}
