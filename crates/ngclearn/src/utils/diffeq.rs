//! ngclearn's integrators (`ngclearn.utils.diffeq`): the names a cell's
//! `integration_type` takes and the method each chooses, by its `get_integrator_code`
//! (`euler`/`rk1` 0, `midpoint`/`rk2` 1, `heun`/`rk2_heun` 2, `ralston`/`rk2_ralston`
//! 3, `rk4` 4). What each method runs is the cell's choice (several of ngclearn's cells
//! step some codes by another method; each says so).

use crate::core::kwargs::{KwargValue, Kwargs, Value};
use crate::error::Result;

/// An `integration_type`, as named: a saved model holds the name it was given, and it
/// is written back as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integration {
    /// `"euler"`.
    Euler,
    /// `"rk1"` (Euler).
    Rk1,
    /// `"midpoint"`.
    Midpoint,
    /// `"rk2"` (the midpoint method).
    Rk2,
    /// `"heun"`.
    Heun,
    /// `"rk2_heun"` (Heun's method).
    Rk2Heun,
    /// `"ralston"`.
    Ralston,
    /// `"rk2_ralston"` (Ralston's method).
    Rk2Ralston,
    /// `"rk4"`.
    Rk4,
}

/// The method an [`Integration`] chooses: ngclearn's `get_integrator_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Code 0: forward Euler.
    Euler,
    /// Code 1: the midpoint method (RK2).
    Midpoint,
    /// Code 2: Heun's method.
    Heun,
    /// Code 3: Ralston's method.
    Ralston,
    /// Code 4: classic Runge-Kutta.
    Rk4,
}

const NAMES: [(&str, Integration); 9] = [
    ("euler", Integration::Euler),
    ("rk1", Integration::Rk1),
    ("midpoint", Integration::Midpoint),
    ("rk2", Integration::Rk2),
    ("heun", Integration::Heun),
    ("rk2_heun", Integration::Rk2Heun),
    ("ralston", Integration::Ralston),
    ("rk2_ralston", Integration::Rk2Ralston),
    ("rk4", Integration::Rk4),
];

impl Integration {
    /// The integration named `name`, if ngclearn has one of that name (ngclearn prints
    /// an error and steps by Euler for any other; here another name is refused).
    pub fn parse(name: &str) -> Option<Integration> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, i)| *i)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, i)| *i == self)
            .map(|(n, _)| *n)
            .expect("every integration is named")
    }

    /// The method it chooses.
    pub fn method(self) -> Method {
        match self {
            Integration::Euler | Integration::Rk1 => Method::Euler,
            Integration::Midpoint | Integration::Rk2 => Method::Midpoint,
            Integration::Heun | Integration::Rk2Heun => Method::Heun,
            Integration::Ralston | Integration::Rk2Ralston => Method::Ralston,
            Integration::Rk4 => Method::Rk4,
        }
    }
}

/// ngclearn's `integration_type`: one of its names.
impl KwargValue for Integration {
    const KIND: &'static str = "str";
    fn from_kwarg(kw: &Kwargs, key: &str, value: Value) -> Result<Self> {
        let s = String::from_kwarg(kw, key, value)?;
        Integration::parse(&s).ok_or_else(|| {
            kw.error(
                key,
                format!(
                    "{s:?} is not one of euler, rk1, midpoint, rk2, heun, rk2_heun, ralston, \
                     rk2_ralston, rk4"
                ),
            )
        })
    }
    fn to_kwarg(&self) -> Value {
        Value::from(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_to_itself_and_chooses_ngclearns_code() {
        let codes = [0, 0, 1, 1, 2, 2, 3, 3, 4];
        for ((name, i), code) in NAMES.iter().zip(codes) {
            assert_eq!(Integration::parse(name), Some(*i));
            assert_eq!(i.name(), *name);
            assert_eq!(i.method() as u8, code, "{name}");
        }
        assert_eq!(Integration::parse("rk5"), None);
        assert_eq!(Integration::parse(""), None);
    }
}
