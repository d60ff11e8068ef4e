//! One model partitioned across processes (ranks), NEST-style: every population's cells
//! are split into blocks of columns, one block per rank, and every synapse keeps the
//! columns of the cells it targets. A rank holds its blocks; each step, the values a
//! rank needs whole (a synapse's pre-synaptic spikes, a recorded compartment) are
//! gathered from all ranks with collective calls, spikes as lists of indices.
//!
//! A partitioned description ([`Context::partitioned`]) holds this rank's part from the
//! start: each component at least as wide as the number of ranks is replaced by its
//! block as it is added ([`Declared::partition`](crate::core::component::Declared::partition); a class that cannot be split is an
//! error), or is built as its block alone ([`Context::add_block`]: a synapse draws only
//! its columns, with the counters of their places in the whole, so the whole model is
//! never built; the loaders do this: `load_model_file_partitioned`,
//! `load_model_dir_partitioned`). [`partition`] splits a model already built. Every
//! partitioned compartment that a whole one reads (or that the caller asks for) gets a
//! *mirror*: a component that gathers it after every call of its owner, in the same
//! order on every rank, so that the collective calls match. The numbers are those of
//! the whole model: each cell computes what it computed there, and the encoders draw
//! the JAX-compatible counters of their global indices.
//!
//! Spikes that reach only synapses whose delays are all at least `D` steps cross the
//! ranks once every `D` steps (the epoch, as in NEST and Arbor): those synapses take
//! their inputs `D - 1` steps late, with the same sums (see `epoch`).
//!
//! The ranks talk through an [`Exchange`]: [`ThreadExchange`] runs ranks as threads
//! of one process (for tests and for a machine without MPI), and, with the `mpi`
//! feature, `mpi_exchange::MpiExchange` over MPI.

mod coupling;
mod epoch;
mod exchange;
mod layout;
mod mirror;
mod plan;
mod split;

pub use coupling::{Coupling, Ranks};
pub use exchange::{Exchange, ThreadExchange};
pub(crate) use layout::scatter_rows;
pub use layout::{block, Columns, Layout, Part, Partitioned, SavedProcess};
pub(crate) use mirror::is_mirror;
pub use mirror::{GATHER, REGATHER, RESTART};
pub(crate) use plan::{build_part, Plan};
pub use plan::{FIRST_GATHER, REGATHER_ALL};
pub use split::{block_splits, partition_by_kwargs};

use crate::core::context::{Context, Model};
use crate::core::process::Method;
use crate::error::Result;
use std::sync::Arc;

/// Partitions `model` into this rank's part (see the module documentation). `whole`
/// lists the partitioned compartments (`component:compartment`) the caller wants whole
/// on every rank besides those a whole compartment reads (recordings, counters).
///
/// The whole model was built on this rank first; a description can instead be built
/// as one rank's part from the start ([`Context::partitioned`]), as the loaders do
/// (`load_model_file_partitioned`, `load_model_dir_partitioned`).
pub fn partition(model: Model, exchange: Arc<dyn Exchange>, whole: &[&str]) -> Result<Partitioned> {
    let name = model.name().to_string();
    let wires = model.wires().to_vec();
    type Calls = Vec<(String, Method)>;
    let mut procs: Vec<(String, Calls, Option<Vec<String>>)> = Vec::new();
    for id in model.process_ids() {
        let calls = model
            .process_calls(id)?
            .into_iter()
            .map(|(c, m)| (c.to_string(), m))
            .collect();
        let children = model
            .process_children(id)?
            .map(|c| c.into_iter().map(str::to_string).collect());
        procs.push((model.process_name(id)?.to_string(), calls, children));
    }
    let mut ctx = Context::partitioned(&name, exchange);
    ctx.set_parallelism(model.parallelism());
    for (c, origin) in model.into_components() {
        ctx.add_with_origin(c, origin)?;
    }
    for (target, source) in wires {
        ctx.wire(source, &target)?;
    }
    for (pname, calls, children) in &procs {
        match children {
            Some(children) => {
                let children: Vec<&str> = children.iter().map(String::as_str).collect();
                ctx.joint_process(pname, &children)?;
            }
            None => {
                let calls: Vec<(&str, Method)> =
                    calls.iter().map(|(c, m)| (c.as_str(), *m)).collect();
                ctx.process(pname, &calls)?;
            }
        }
    }
    ctx.build_partitioned(whole)
}
