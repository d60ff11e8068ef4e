//! # ngclearn
//!
//! Circuits of spiking cells, input encoders and synapses, wired compartment to
//! compartment and stepped in time, computing what ngc-learn 3.1.1 computes (float32).
//! Module paths mirror ngclearn's: `ngclearn::components::synapses::AlphaSynapse`.
//!
//! ```
//! use ngclearn::prelude::*;
//! let mut ctx = Context::new("demo");
//! let mut p = AlphaSynapseParams::new(2.0, 2.4, Some(0.0));
//! p.dense.resist_scale = 0.1;
//! ctx.add(AlphaSynapse::new("W", (2, 1), p)?)?;
//! ctx.add(LIFCell::new("z", 1, LIFCellParams::new(10.0))?)?;
//! ctx.wire("z:v", "W:v")?.wire("W:i_syn", "z:j")?;
//! ctx.process("advance", &[("W", Method::AdvanceState), ("z", Method::AdvanceState)])?;
//! let mut model = ctx.build()?;
//! model.set("W:inputs", &ndarray::array![[1.0f32, 1.0]])?;
//! model.run_named("advance", 0.1, 0.1)?;
//! assert!(model.get("W:g_syn")?[[0, 0]] > 0.0);
//! # Ok::<(), ngclearn::Error>(())
//! ```
#![warn(missing_docs)]

// The derive macros name this crate `::ngclearn`, inside it as outside.
extern crate self as ngclearn;

pub mod components;
pub mod core;
pub mod error;
pub mod io;
pub mod models;
pub mod prelude;
pub mod utils;
pub mod warning;

pub use error::{Error, ErrorKind, Result};
/// The `ndarray` this crate's arrays come from (so callers need not match its version).
pub use ndarray;
/// A class's declaration: `#[derive(Params)]` on its parameter struct (constructor,
/// checks, help table, keyword arguments) and `#[derive(Compartments)]` on its component
/// struct (compartment table and accessors). See `LIFCell` for an example.
pub use ngclearn_derive::{Class, Compartments, Params};

/// The README's Rust examples, compiled and run as doc tests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
