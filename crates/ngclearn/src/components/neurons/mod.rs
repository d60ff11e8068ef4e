//! Neuronal cells.

pub mod graded;
pub mod spiking;

use crate::error::{Error, Result};

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
