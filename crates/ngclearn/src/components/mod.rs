//! Components, grouped by family as in ngclearn.
//!
//! [`with_classes!`](crate::with_classes) is the one list of classes: the family modules declare their
//! class files from it, and the registry ([`CLASSES`]), the flat re-exports
//! ([`classes`], which the prelude takes) and every front end (`ngc list`, the README's
//! tables, the Python package) read it. Adding a class is its file plus one line here.

/// The one list of this crate's component classes, in the order the registry holds
/// them: each family (a module path under `components`) with its class files, each
/// file with its class and the other names it exports. A family may appear more than
/// once. Calls `$then!` with the list.
#[macro_export]
#[doc(hidden)]
macro_rules! with_classes {
    ($then:ident) => {
        $then! {
            synapses: dense_synapse::{DenseSynapse, DenseParams},
                static_synapse::{StaticSynapse},
                mps_synapse::{MPSSynapse, MPSSynapseParams},
                stp_dense_synapse::{STPDenseSynapse, STPDenseSynapseParams};
            synapses::hebbian: trace_stdp_synapse::{TraceSTDPSynapse, TraceSTDPSynapseParams},
                exp_stdp_synapse::{ExpSTDPSynapse, ExpSTDPSynapseParams},
                hebbian_synapse::{HebbianSynapse, HebbianSynapseParams, HebbianPrior},
                bcm_synapse::{BCMSynapse, BCMSynapseParams},
                event_stdp_synapse::{EventSTDPSynapse, EventSTDPSynapseParams},
                stdp_synapse::{STDPSynapse, STDPSynapseParams},
                gerstner_hebbian_synapse::{GerstnerHebbianSynapse, GerstnerHebbianSynapseParams, GerstnerCoeffs};
            synapses::competitive: som_synapse::{SOMSynapse, SOMSynapseParams},
                hopfield_synapse::{HopfieldSynapse, HopfieldSynapseParams},
                vector_quantize_synapse::{VectorQuantizeSynapse, VectorQuantizeSynapseParams},
                art2a_synapse::{ART2ASynapse, ART2ASynapseParams};
            synapses::convolution: conv_synapse::{ConvSynapse},
                static_conv_synapse::{StaticConvSynapse},
                deconv_synapse::{DeconvSynapse},
                static_deconv_synapse::{StaticDeconvSynapse},
                hebbian_conv_synapse::{HebbianConvSynapse},
                hebbian_deconv_synapse::{HebbianDeconvSynapse},
                trace_stdp_conv_synapse::{TraceSTDPConvSynapse},
                trace_stdp_deconv_synapse::{TraceSTDPDeconvSynapse};
            synapses::modulated: mstdpet_synapse::{MSTDPETSynapse, MSTDPETSynapseParams},
                reinforce_synapse::{REINFORCESynapse, REINFORCESynapseParams, OutputBound};
            synapses::patched: patched_synapse::{PatchedSynapse, PatchedSynapseParams},
                static_patched_synapse::{StaticPatchedSynapse},
                hebbian_patched_synapse::{HebbianPatchedSynapse, HebbianPatchedSynapseParams};
            synapses: alpha_synapse::{AlphaSynapse, AlphaSynapseParams},
                exponential_synapse::{ExponentialSynapse, ExponentialSynapseParams},
                double_exp_synapse::{DoubleExpSynapse, DoubleExpSynapseParams};
            neurons::spiking: lif_cell::{LIFCell, LIFCellParams},
                slif_cell::{SLIFCell, SLIFCellParams},
                if_cell::{IFCell, IFCellParams},
                quad_lif_cell::{QuadLIFCell, QuadLIFCellParams},
                adex_cell::{AdExCell, AdExCellParams},
                izhikevich_cell::{IzhikevichCell, IzhikevichCellParams},
                fitzhugh_nagumo_cell::{FitzhughNagumoCell, FitzhughNagumoCellParams},
                raf_cell::{RAFCell, RAFCellParams},
                hodgkin_huxley_cell::{HodgkinHuxleyCell, HodgkinHuxleyCellParams},
                wtas_cell::{WTASCell, WTASCellParams};
            neurons::graded: rate_cell::{RateCell, RateCellParams},
                gaussian_error_cell::{GaussianErrorCell, GaussianErrorCellParams},
                laplacian_error_cell::{LaplacianErrorCell, LaplacianErrorCellParams},
                bernoulli_error_cell::{BernoulliErrorCell, BernoulliErrorCellParams},
                reward_error_cell::{RewardErrorCell, RewardErrorCellParams},
                leaky_noise_cell::{LeakyNoiseCell, LeakyNoiseCellParams};
            input_encoders: poisson_cell::{PoissonCell, PoissonCellParams},
                bernoulli_cell::{BernoulliCell, BernoulliCellParams},
                latency_cell::{LatencyCell, LatencyCellParams},
                phasor_cell::{PhasorCell, PhasorCellParams},
                retinal_ganglion_cell::{RetinalGanglionCell, RetinalGanglionCellParams};
            other: var_trace::{VarTrace, VarTraceParams},
                exp_kernel::{ExpKernel, ExpKernelParams};
        }
    };
}

/// Declares a family's class files and re-exports their names: `family!($ path)` in the
/// family's module (the `$` is passed in so that the macro can write a macro), for the
/// entries of [`with_classes!`] under that path.
macro_rules! family {
    ($d:tt $($family:ident)::+) => {
        macro_rules! declare_family {
            // This family's entries: declared and re-exported; then the rest.
            ($($family)::+ : $d($d file:ident :: { $d($d name:ident),* }),* ; $d($d rest:tt)*) => {
                $d(pub mod $d file; pub use $d file::{$d($d name),*};)*
                declare_family! { $d($d rest)* }
            };
            // Another family's entries: skipped.
            ($d($d other:ident)::+ : $d($d file:ident :: { $d($d name:ident),* }),* ; $d($d rest:tt)*) => {
                declare_family! { $d($d rest)* }
            };
            () => {};
        }
        $crate::with_classes!(declare_family);
    };
}
pub(crate) use family;

pub mod input_encoders;
pub mod neurons;
pub mod other;
pub mod synapses;

/// Every class of this crate and its parameters, by name (what the prelude exports).
pub mod classes {
    macro_rules! reexport {
        ($($family:ident)::+ : $($file:ident :: { $($name:ident),* }),* ; $($rest:tt)*) => {
            pub use super::$($family)::+::{$($file::{$($name),*}),*};
            reexport! { $($rest)* }
        };
        () => {};
    }
    crate::with_classes!(reexport);
}

pub use classes::*;

use crate::core::class::ComponentClass;

macro_rules! registry {
    ($($($family:ident)::+ : $($file:ident :: { $class:ident $(, $name:ident)* }),* ;)*) => {
        /// Every class of this crate, in the list's order (what
        /// [`Registry::builtin`](crate::core::class::Registry::builtin) holds).
        pub static CLASSES: [&ComponentClass; [$($(stringify!($class)),*),*].len()] =
            [$($(classes::$class::CLASS),*),*];
    };
}
crate::with_classes!(registry);

impl crate::core::class::Registry {
    /// Every class of this crate, in the order of [`with_classes!`](crate::with_classes) (what both loaders,
    /// `ngc list` and `ngc help` use).
    pub fn builtin() -> &'static crate::core::class::Registry {
        static BUILTIN: std::sync::OnceLock<crate::core::class::Registry> =
            std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut r = crate::core::class::Registry::new();
            for c in CLASSES {
                r.register(c)
                    .expect("the built-in classes have distinct names");
            }
            r
        })
    }
}
