//! `StaticSynapse`: a dense synaptic cable that does not learn.
//!
//! ngclearn 3.1.1's `StaticSynapse` is `DenseSynapse` under another name (its class
//! body is `pass`), so this is the dense synapse with its own schema:
//! ```text
//! outputs = (inputs · (W * mask)) * resist_scale + biases
//! ```

use super::dense_synapse::{DenseParams, DenseSynapse, PARAMS, SIGNATURE};
use crate::core::class::ComponentClass;
use crate::core::component::{Component, WriteToken};
use crate::core::rng::Key;
use crate::core::schema::Schema;
use crate::error::Result;
use crate::io::kwargs::Kwargs;
use ndarray::Array2;

/// The static synapse (see the module documentation).
///
/// ```
/// use ngclearn::prelude::*;
/// use ngclearn::components::synapses::StaticSynapse;
/// let mut p = DenseParams::new();
/// p.weight_init = Some(DistributionGenerator::constant(0.5));
/// p.key = Some(Key::from_seed(0));
/// let mut w = StaticSynapse::new("W", (2, 3), p)?;
/// w.set_inputs(&ndarray::array![[1.0, 2.0]]);
/// w.advance_state(0.0, 0.1);
/// assert_eq!(w.outputs(), &ndarray::array![[1.5, 1.5, 1.5]]);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StaticSynapse {
    inner: DenseSynapse,
}

static SCHEMA: Schema = Schema {
    class: "StaticSynapse",
    module_path: "ngclearn.components.synapses.staticSynapse.StaticSynapse",
    description:
        "Static dense synaptic cable (no plasticity): a scaled linear transformation of its inputs",
    compartments: &crate::components::synapses::dense_synapse::DENSE_COMPARTMENTS,
    dynamics: "outputs = (inputs . (W * mask)) * resist_scale + biases",
    hyperparameters: &PARAMS,
    methods: &crate::core::schema::ADVANCE_AND_RESET,
    signature: &SIGNATURE,
};

/// The class, for the registry ([`crate::core::class::Registry`]).
pub static CLASS: ComponentClass = ComponentClass {
    schema: &SCHEMA,
    from_kwargs: |kw| Ok(Box::new(StaticSynapse::from_kwargs(kw)?)),
};

impl StaticSynapse {
    /// Builds a static synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), params: DenseParams) -> Result<Self> {
        Ok(StaticSynapse {
            inner: DenseSynapse::new(name, shape, params)?,
        })
    }

    /// The class's help metadata.
    pub fn schema() -> &'static Schema {
        &SCHEMA
    }

    /// Builds one from ngclearn's keyword arguments.
    pub fn from_kwargs(kw: &mut Kwargs) -> Result<Self> {
        Ok(StaticSynapse {
            inner: DenseSynapse::from_kwargs(kw)?,
        })
    }

    /// Sets `inputs` (unchecked: use `Model::set` for a checked set).
    pub fn set_inputs(&mut self, x: &Array2<f32>) {
        self.inner.set_inputs(x);
    }

    /// The current `outputs`.
    pub fn outputs(&self) -> &Array2<f32> {
        self.inner.outputs()
    }

    /// The current `weights`.
    pub fn weights(&self) -> &Array2<f32> {
        self.inner.weights()
    }
}

impl Component for StaticSynapse {
    fn partition(
        &self,
        cols: std::ops::Range<usize>,
    ) -> Option<crate::error::Result<Box<dyn Component>>> {
        Some(crate::core::partition::partition_by_kwargs(self, cols))
    }
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }
    fn advance_state(&mut self, t: f32, dt: f32) {
        self.inner.advance_state(t, dt);
    }
    fn reset(&mut self) {
        self.inner.reset();
    }
    fn array(&self, index: usize) -> Option<&Array2<f32>> {
        self.inner.array(index)
    }
    fn array_mut(&mut self, index: usize, token: WriteToken) -> Option<&mut Array2<f32>> {
        self.inner.array_mut(index, token)
    }
    fn changed(&mut self, index: usize) {
        self.inner.changed(index);
    }
    fn key(&self) -> Key {
        self.inner.key()
    }
    fn set_key(&mut self, key: Key) {
        self.inner.set_key(key);
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn kwargs(&self) -> serde_json::Map<String, serde_json::Value> {
        self.inner.kwargs()
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        self.inner.saves_as_scalar(index)
    }
}
