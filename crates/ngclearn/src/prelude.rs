//! The names most models need, in one import.

pub use crate::components::input_encoders::poisson_cell::PoissonCellParams;
pub use crate::components::input_encoders::{
    BernoulliCell, LatencyCell, LatencyCellParams, PoissonCell,
};
pub use crate::components::neurons::graded::{LeakyNoiseCell, LeakyNoiseCellParams};
pub use crate::components::neurons::spiking::{
    AdExCell, AdExCellParams, FitzhughNagumoCell, FitzhughNagumoCellParams, IFCell, IFCellParams,
    IzhikevichCell, IzhikevichCellParams, LIFCell, LIFCellParams, QuadLIFCell, QuadLIFCellParams,
    SLIFCell, SLIFCellParams, WTASCell, WTASCellParams,
};
pub use crate::components::other::exp_kernel::{ExpKernel, ExpKernelParams};
pub use crate::components::other::var_trace::{VarTrace, VarTraceParams};
pub use crate::components::synapses::{
    AlphaSynapse, AlphaSynapseParams, DenseParams, DenseSynapse, DoubleExpSynapse,
    DoubleExpSynapseParams, ExpSTDPSynapse, ExpSTDPSynapseParams, ExponentialSynapse,
    ExponentialSynapseParams, StaticSynapse, TraceSTDPSynapse, TraceSTDPSynapseParams,
};
pub use crate::core::component::Component;
pub use crate::core::context::{CompartmentRef, Context, Method, Model, ModelId, ProcessId};
pub use crate::core::operations::{Product, Source, Summation};
pub use crate::core::rng::Key;
pub use crate::core::schema::Schema;
pub use crate::error::{Error, Result};
pub use crate::utils::distribution_generator::{
    DistributionGenerator, DistributionParams, Initializer, KeepMask,
};
