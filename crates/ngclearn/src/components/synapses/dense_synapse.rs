//! `DenseSynapse`: the dense base of every synapse.
//!
//! ```text
//! outputs = (inputs · (W * mask)) * resist_scale + biases
//! ```
//! `inputs` is `(batch_size, n_pre)`, `W` (`weights`) is `(n_pre, n_post)`, `mask`
//! is `(1, 1)` (broadcast; all ones by default) or `(n_pre, n_post)`, `biases` is
//! `(1, n_post)`. `resist_scale` is also accepted as `g_conduct_factor` (its name
//! from ngclearn 3.2 on).
//!
//! Construction, as ngclearn: `(_, k1, k2, k3) = split(key, 4)`;
//! `W = weight_init(shape, k1)` (default `uniform(0.025, 0.8)`); if `0 < p_conn < 1`,
//! `W *= bernoulli(k2, p_conn, shape)`; `biases = bias_init((1, n_post), k3)` when a
//! bias initialiser is given, zeros otherwise. The component keeps `key` itself.
//! Given `columns` (a rank's block of a partitioned model), it builds only those
//! columns of `W`, `mask` and `biases`, each draw taking the counter of its place in
//! the whole: the block is those columns of the whole synapse, which is never built.
//!
//! With `max_delay_steps = Tk > 0` (ngclearn 3.2's per-axon delays) the product is of
//! the inputs each presynaptic unit's axon delivers, `Tk - index_i` steps late: see
//! `synapses::axon_delays`.

use crate::core::component::{filled, valid_name, ClassBase, Component, Head, Support};
use crate::core::partition::Columns;
use crate::core::rng::Key;
use crate::core::schema::checks::count;
use crate::error::{Error, Result};
use crate::utils::connection::Connection;
use crate::utils::distribution_generator::{DistributionGenerator, Initializer};
use crate::{Class, Compartments, Params};
use crate::core::weights::{for_whole_row, Storage, Weights};
use ndarray::Array2;

/// Parameters shared by every synapse (ngclearn's `DenseSynapse` keyword arguments).
/// Each field's doc comment is its help description. (ngclearn does not save
/// initialisers, masks or keys; a saved model's weights and key come from its npz.)
#[derive(Debug, Clone, PartialEq, Params)]
pub struct DenseParams {
    /// Initialiser of the weights W
    ///
    /// Written as an object (`{"dist": "uniform", "low": 0, "high": 1}`) or null.
    #[param(default = None, none_means = crate::components::synapses::dense_synapse::default_weight_init(), text = "uniform(0.025, 0.8)", skip_kwargs)]
    pub weight_init: Option<Initializer>,
    /// Initialiser of the biases b
    #[param(default = None, text = "none (zero biases)", skip_kwargs)]
    pub bias_init: Option<Initializer>,
    /// Resistance scaling factor applied to the output
    #[param(default = 1.0, check = finite, aliases = ["g_conduct_factor"])]
    pub resist_scale: f32,
    /// Probability of a connection existing (otherwise masked to zero)
    ///
    /// `0 < p_conn < 1` masks weights.
    #[param(default = 1.0, check = finite)]
    pub p_conn: f32,
    /// Fixed mask multiplied into W
    ///
    /// `(1, 1)` or `(n_pre, n_post)`; in keyword arguments, rows of numbers or null.
    #[param(default = None, text = "ones (1, 1)", skip_kwargs)]
    pub mask: Option<Array2<f32>>,
    /// Rows of the batch dimension
    #[param(default = 1, check = count, omit_default)]
    pub batch_size: usize,
    /// JAX PRNG key
    ///
    /// Not saved in the keyword arguments (the key is state, saved with the arrays);
    /// ngclearn takes it only by keyword.
    #[param(default = None, text = "from the clock", skip_kwargs, keyword_only)]
    pub key: Option<Key>,
    /// This rank's block of columns, when a model partitioned across ranks builds it
    /// alone (`shape` is then the whole synapse's: see the module documentation)
    #[param(default = None, hidden, name = "__columns__")]
    pub columns: Option<Columns>,
    /// How the weights are stored: auto, dense or sparse
    ///
    /// An extension: `auto` keeps a synapse whose weights are mostly zero (at most one
    /// in eight non-zero, as `p_conn` makes them) compressed by presynaptic row, `sparse`
    /// always, `dense` never. The numbers are the same in both forms. Static and
    /// conductance synapses store sparse; learning synapses keep a dense matrix. Never
    /// saved: a loaded synapse decides again.
    #[param(default = String::from("auto"), text = "auto", extension, skip_kwargs, keyword_only)]
    pub storage: String,
    /// A connection rule: which synapses exist and their weights (in place of
    /// weight_init and p_conn)
    ///
    /// An extension: `{"rule": "fixed_indegree", "indegree": 80, "autapses": false,
    /// "weight": {"dist": "normal", "mean": 1, "std": 0.1, "low": 0}}`; the rules are
    /// all_to_all, one_to_one, pairwise_bernoulli (p), fixed_indegree (indegree),
    /// fixed_outdegree (outdegree), fixed_total_number (n) and explicit (pre, post,
    /// weights, delays), with autapses and multapses (default true), a weight draw
    /// (constant, uniform, normal with low/high, lognormal; default 1) and a delay draw
    /// in ms (steps of dt, default 0.1; default one step), drawn from the key. The
    /// weights are stored sparse and never built dense. Static and conductance synapses
    /// take it.
    #[param(default = None, text = "none (weight_init and p_conn)", extension, skip_kwargs, keyword_only)]
    pub connect: Option<Connection>,
    /// Poisson background: each post-synaptic unit's own spike train added to the
    /// summed input
    ///
    /// An extension: `{"rate": 8000.0, "weight": 87.8}`, the rate in Hz (one number,
    /// or one per post-synaptic unit) and what each background spike adds to
    /// `inputs . W`; each unit draws its count of the step from the key (NEST's
    /// `poisson_generator`: see `synapses::background`). Conductance synapses take it.
    /// Saved in the arguments (ngclearn cannot load a model that has one).
    #[param(default = None, text = "none", extension, omit_default, keyword_only)]
    pub background: Option<crate::components::synapses::background::Background>,
    /// Maximum axonal delay Tk, in steps (0: none)
    ///
    /// ngclearn 3.2's argument (3.1.1 has none): each presynaptic unit draws an index
    /// in `[0, Tk)` from the key, and its inputs arrive `Tk - index` steps late (see
    /// `synapses::axon_delays`). DenseSynapse and StaticSynapse take it, as in ngclearn
    /// 3.2, where the other classes accept it and delay nothing; for delays per synapse,
    /// give `connect` a delay draw.
    #[param(default = 0, extension, omit_default, keyword_only)]
    pub max_delay_steps: usize,
}

/// The weights' initialiser when none is given: `uniform(0.025, 0.8)`, as ngclearn's
/// (which keeps it as the synapse's `weight_init`).
pub fn default_weight_init() -> Initializer {
    DistributionGenerator::uniform(0.025, 0.8)
}

impl DenseParams {
    /// The dense base of a class that draws its weights as DenseSynapse does and keeps
    /// them dense, without biases, a mask or any of this crate's extensions.
    pub(crate) fn drawn(
        weight_init: Option<Initializer>,
        resist_scale: f32,
        p_conn: f32,
        batch_size: usize,
        key: Option<Key>,
    ) -> DenseParams {
        DenseParams {
            weight_init,
            bias_init: None,
            resist_scale,
            p_conn,
            mask: None,
            batch_size,
            key,
            columns: None,
            storage: String::from("dense"),
            connect: None,
            background: None,
            max_delay_steps: 0,
        }
    }
}

impl Default for DenseParams {
    fn default() -> Self {
        DenseParams::new()
    }
}

/// State and parameters of the dense base, embedded in every synapse. Its compartments
/// are declared in index order; the key is last.
#[derive(Debug, Clone, Compartments)]
pub(crate) struct Dense {
    pub name: String,
    pub shape: (usize, usize),
    /// The parameters it was built with (`mask` moved out into the compartment).
    pub p: DenseParams,
    /// Pre-synaptic signals (e.g. spikes)
    #[compartment(input, shape = "(batch_size, n_pre)")]
    pub inputs: Array2<f32>,
    /// Synaptic efficacies W
    #[compartment(state, shape = "(n_pre, n_post)")]
    pub weights: Weights,
    /// Base-rate/bias values b
    #[compartment(state, shape = "(1, n_post)")]
    pub biases: Array2<f32>,
    /// Fixed multiplicative mask on W
    #[compartment(state, shape = "(1, 1) or (n_pre, n_post)")]
    pub mask: Array2<f32>,
    /// Output of the synaptic transformation
    #[compartment(output, shape = "(batch_size, n_post)")]
    pub outputs: Array2<f32>,
    /// JAX PRNG key
    #[compartment(key)]
    pub key: Key,
    /// `inputs · W`, written by [`Dense::project`] and left all zero by its reader.
    pub projected: Array2<f32>,
    /// Which `inputs` may be non-zero, when a wire delivered them as events.
    pub input_support: Support,
    /// Whether every weight is exactly 1 (`None`: not checked since `weights` was last
    /// written). ngclearn's conductance synapses are non-plastic by default, and a
    /// non-plastic synapse's weights are all ones.
    pub unit_weights: Option<bool>,
    /// How the weights are stored, from the `storage` parameter.
    pub storage: Storage,
    /// Whether this class may store its weights sparse (its steps never write them);
    /// set by the class with [`Dense::allow_sparse`].
    pub sparse_ok: bool,
    /// The inputs of the last `max_delay` steps, when the synapses have delays (see
    /// [`Dense::deliver_delayed`]).
    pub history: History,
    /// The sums of the next steps, made ahead from the history (see
    /// [`Dense::deliver_delayed`]).
    pub ahead: Ahead,
    /// The Poisson background, when the `background` parameter asks for one (taken by
    /// the conductance synapses: [`Dense::refuse_background`] for the others).
    pub background: Option<Box<super::background::Drive>>,
    /// ngclearn 3.2's per-axon delays, when `max_delay_steps > 0` (taken by DenseSynapse
    /// and StaticSynapse: [`Dense::refuse_axon_delays`] for the others).
    pub axon: Option<Box<super::axon_delays::AxonDelays>>,
    /// How many steps late its inputs arrive (0 but in a partitioned model whose ranks
    /// exchange spikes once per minimum delay: [`Dense::set_input_lag`]).
    pub input_lag: usize,
}

impl Dense {
    pub fn new(name: &str, shape: (usize, usize), p: &DenseParams) -> Result<Dense> {
        let name = valid_name(name)?;
        let (n_pre, n_post) = shape;
        count(&name, "shape[0]", n_pre)?;
        count(&name, "shape[1]", n_post)?;
        p.validate(&name)?;
        let storage = Storage::parse(&p.storage).ok_or_else(|| {
            Error::param(&name, "storage", &p.storage, "must be auto, dense or sparse")
        })?;
        let mut p = p.clone();
        let key = p.key.unwrap_or_else(Key::from_time);
        let [_, k1, k2, k3] = key.split::<4>();
        // A block is columns `cols` of the whole, drawn alone with the whole's counters.
        let cols = match p.columns.take() {
            None => 0..n_post,
            Some(c) if c.width == n_post && c.cols.start < c.cols.end && c.cols.end <= n_post => {
                c.cols
            }
            Some(c) => {
                return Err(Error::param(
                    &name,
                    "columns",
                    format!("{:?} of {}", c.cols, c.width),
                    &format!("must be a non-empty block of the {n_post} columns of shape[1]"),
                ))
            }
        };
        let block = (n_pre, cols.len());
        if let Some(c) = &p.connect {
            c.validate(&name, shape)?;
            let clash = if p.p_conn < 1.0 {
                Some("p_conn")
            } else if p.weight_init.is_some() {
                Some("weight_init")
            } else if storage == Storage::Dense {
                Some("storage = dense")
            } else {
                None
            };
            let clash = clash
                .or_else(|| (p.max_delay_steps > 0).then_some("max_delay_steps (give the rule a delay draw)"))
                .or_else(|| {
                let full_mask = p.mask.as_ref().is_some_and(|m| m.len() > 1);
                (full_mask && (c.delay.is_some() || c.delays.is_some()))
                    .then_some("a mask of more than one value and delays")
            });
            if let Some(other) = clash {
                return Err(Error::param(
                    &name,
                    "connect",
                    &c.rule,
                    &format!("cannot be given with {other} (the rule draws the synapses and stores them sparse)"),
                ));
            }
        }
        if let Some(bg) = &p.background {
            bg.validate(&name, n_post)?;
        }
        let background = p
            .background
            .as_ref()
            .map(|bg| Box::new(super::background::Drive::new(bg, cols.clone(), n_post)));
        let weights = match &p.connect {
            _ if crate::core::weights::weights_from_file() => {
                Weights::from(crate::core::weights::Csr::zeros(&name, block)?)
            }
            Some(c) => Weights::from(c.build(&name, shape, k1)?.columns(cols.clone())),
            None => Weights::from(Dense::draw_weights(&name, shape, &p, cols.clone(), k1, k2)?),
        };
        let biases = match &p.bias_init {
            Some(b) => b.generate_columns(&name, (1, n_post), cols.clone(), k3)?,
            None => filled(&name, "shape", (1, block.1), 0.0)?,
        };
        let mask = match p.mask.take() {
            None => Array2::ones((1, 1)),
            Some(m) if m.dim() == (1, 1) => m,
            Some(m) if m.dim() == shape => m.slice(ndarray::s![.., cols.clone()]).to_owned(),
            Some(m) => {
                return Err(Error::ShapeMismatch {
                    path: format!("{name}:mask"),
                    expected: vec![n_pre, n_post],
                    got: m.shape().to_vec(),
                    context: " (or [1, 1])".into(),
                })
            }
        };
        let axon = match p.max_delay_steps {
            0 => None,
            tk => {
                let mut a = super::axon_delays::AxonDelays::new(&name, tk, p.batch_size, n_pre)?;
                a.draw(k2);
                Some(Box::new(a))
            }
        };
        let mut base = Dense::assemble(name, block, p, storage, weights, biases, mask, key)?;
        base.background = background;
        base.axon = axon;
        Ok(base)
    }

    /// The inputs in flight, for a model's state ([`Component::in_flight`]): those
    /// of the synapses' delays, or of the axons' (`max_delay_steps`).
    pub fn in_flight(&self) -> Option<crate::core::state::InFlight> {
        match &self.axon {
            Some(a) => Some(a.in_flight()),
            None => self.history.in_flight(),
        }
    }

    /// Puts back inputs in flight ([`Component::set_in_flight`]).
    pub fn set_in_flight(&mut self, f: &crate::core::state::InFlight) {
        match &mut self.axon {
            Some(a) => a.set_in_flight(f),
            None => self.history.set_in_flight(f),
        }
    }

    /// A typed error when `max_delay_steps` was given to a class that does not take it
    /// (ngclearn 3.2 accepts it there and delays nothing).
    pub fn refuse_axon_delays(&self, class: &str) -> Result<()> {
        match self.axon {
            Some(_) => Err(Error::param(
                &self.name,
                "max_delay_steps",
                self.p.max_delay_steps,
                &format!(
                    "is taken by DenseSynapse and StaticSynapse, not by {class} (ngclearn 3.2's \
                     {class} would accept it and delay nothing); for delays, give connect a delay draw"
                ),
            )),
            None => Ok(()),
        }
    }

    /// A step of DenseSynapse and StaticSynapse: with axonal delays, the delayed
    /// inputs go through the synapse in place of `inputs` (the scan: the same sums as
    /// ngclearn 3.2's product of its delayed inputs); else [`Dense::dense_step_events`]
    /// (`events`) or [`Dense::dense_step`].
    pub fn dense_step_delayed(&mut self, events: bool) {
        let Some(mut axon) = self.axon.take() else {
            return match events {
                true => self.dense_step_events(),
                false => self.dense_step(),
            };
        };
        axon.step(self.inputs.as_slice().expect("owned arrays are contiguous"));
        std::mem::swap(&mut self.inputs, &mut axon.delayed);
        self.dense_step();
        std::mem::swap(&mut self.inputs, &mut axon.delayed);
        self.axon = Some(axon);
    }

    /// The inputs the axons delivered at the last step (ngclearn 3.2's
    /// `delayed_inputs`), when the synapse has `max_delay_steps > 0`.
    pub fn delayed_inputs(&self) -> Option<&Array2<f32>> {
        self.axon.as_ref().map(|a| &a.delayed)
    }

    /// Each presynaptic unit's index into the delay buffer (ngclearn 3.2's
    /// `syn_delay_indices`), when the synapse has `max_delay_steps > 0`.
    pub fn delay_indices(&self) -> Option<&[u32]> {
        self.axon.as_ref().map(|a| a.indices())
    }

    /// A typed error when a `background` was given to a class that does not take one.
    pub fn refuse_background(&self, class: &str) -> Result<()> {
        match self.background {
            Some(_) => Err(Error::param(
                &self.name,
                "background",
                "given",
                &format!("is taken by the conductance synapses (ExponentialSynapse, AlphaSynapse, DoubleExpSynapse), not by {class}"),
            )),
            None => Ok(()),
        }
    }

    /// `weight_init`'s weights of columns `cols`, masked by `p_conn` (ngclearn's draws).
    fn draw_weights(
        name: &str,
        shape: (usize, usize),
        p: &DenseParams,
        cols: std::ops::Range<usize>,
        k1: Key,
        k2: Key,
    ) -> Result<Array2<f32>> {
        let n_post = shape.1;
        let block = (shape.0, cols.len());
        let init = p
            .weight_init
            .clone()
            .unwrap_or_else(default_weight_init);
        let mut weights = init.generate_columns(name, shape, cols.clone(), k1)?;
        if 0.0 < p.p_conn && p.p_conn < 1.0 {
            let mut keep = filled(name, "shape", block, 0.0)?;
            k2.bernoulli_columns_into(
                keep.as_slice_mut().expect("contiguous"),
                n_post,
                cols.clone(),
                p.p_conn,
            );
            // ngclearn's `weights * mask` of a boolean mask, which XLA computes as a
            // select: +0.0 where masked, whatever the weight (a product would give -0.0
            // for a negative weight and NaN for an infinite one).
            weights.zip_mut_with(&keep, |w, &k| *w = if k != 0.0 { *w } else { 0.0 });
        }
        Ok(weights)
    }

    /// The base of a block of `shape` from its drawn arrays.
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        name: String,
        shape: (usize, usize),
        p: DenseParams,
        storage: Storage,
        weights: Weights,
        biases: Array2<f32>,
        mask: Array2<f32>,
        key: Key,
    ) -> Result<Dense> {
        let (n_pre, n_post) = shape;
        let batch = p.batch_size;
        let inputs = filled(&name, "batch_size", (batch, n_pre), 0.0)?;
        let outputs = filled(&name, "batch_size", (batch, n_post), 0.0)?;
        let projected = filled(&name, "batch_size", (batch, n_post), 0.0)?;
        if u32::try_from(batch * n_pre).is_err() {
            return Err(Error::param(
                &name,
                "shape[0]",
                n_pre,
                "times batch_size is too large (inputs are indexed by u32)",
            ));
        }
        let input_support = Support::zeros(&name, "shape[0]", batch * n_pre)?;
        Ok(Dense {
            name,
            shape,
            p,
            inputs,
            weights,
            biases,
            mask,
            outputs,
            key,
            projected,
            input_support,
            unit_weights: None,
            storage,
            sparse_ok: false,
            history: History::default(),
            ahead: Ahead::default(),
            background: None,
            axon: None,
            input_lag: 0,
        })
    }

    /// Lets the weights be stored sparse (for a class whose steps never write them) and
    /// stores them as the `storage` parameter asks. Called at the end of the class's
    /// constructor, once the weights are final.
    pub fn allow_sparse(&mut self) -> Result<()> {
        self.sparse_ok = true;
        self.settle()
    }

    /// Stores the weights as `storage` asks, when the class allows sparse weights.
    fn settle(&mut self) -> Result<()> {
        if self.sparse_ok {
            self.weights.settle(&self.name, self.storage)?;
        }
        // Room for the inputs of the last max_delay steps, when the synapses have delays.
        let slots = self.weights.sparse().map_or(1, |c| c.max_delay());
        if slots != self.history.slots() {
            if slots == 1 && self.history.slots() > 1 {
                crate::warning::warn_once(
                    "synapse-delays-replaced",
                    format!(
                        "{}: its weights were written whole, so its synapses are now one per \
                         non-zero weight, each with a delay of one step",
                        self.name
                    ),
                );
            }
            // Both or neither: a history with delays needs its sums ahead.
            let history = History::new(&self.name, slots, self.inputs.len())?;
            let ahead = Ahead::new(&self.name, slots, self.outputs.dim())?;
            (self.history, self.ahead) = (history, ahead);
        }
        if let Some(csr) = self.weights.sparse() {
            self.history.index_rows(&self.name, csr)?;
        }
        Ok(())
    }

    /// The least delay of its synapses in steps, when it delivers its inputs through
    /// delays (sparse weights with delays of more than one step). `None` otherwise
    /// (ngclearn 3.2's axonal delays included, whose inputs must arrive on time, and a
    /// block of a partitioned synapse that holds no synapse: it keeps its ranks'
    /// exchange every step).
    pub fn min_delay(&self) -> Option<usize> {
        if self.axon.is_some() || self.history.slots() <= 1 {
            return None;
        }
        let delays = self.weights.sparse()?.delays.as_ref()?;
        delays.iter().min().map(|&d| usize::from(d).max(1))
    }

    /// Takes its inputs as arriving `lag` steps late: the input of a step is that of
    /// `lag` steps before, whose delay `d` then ends `d - lag` steps on. The sums get the
    /// same terms in the same order, so the numbers are those of inputs on time. Only
    /// where every delay exceeds `lag` (else `false`, and nothing changes). Its inputs
    /// in flight ([`Dense::in_flight`]) are then those it has taken, `lag` steps behind,
    /// and `Model::set` refuses to write its weights (written whole, they lose their
    /// delays).
    pub fn set_input_lag(&mut self, lag: usize) -> bool {
        if lag > 0 && self.min_delay().is_none_or(|d| d <= lag) {
            return false;
        }
        self.input_lag = lag;
        true
    }

    /// Whether `biases` came from an initialiser (else ngclearn keeps the scalar 0).
    pub fn saves_biases_as_scalar(&self) -> bool {
        self.p.bias_init.is_none()
    }

    /// `projected = inputs · W` (into `projected` as its reader left it: all zero),
    /// accumulating the rows of `W` of the non-zero inputs
    /// (each scaled by the input's value, so graded inputs are exact), in ascending
    /// order of input. The inputs a wire delivered as events are found from their
    /// list; others by scanning, skipping blocks of zeros.
    ///
    /// When every weight is 1 (a non-plastic synapse), each output of a row is the sum
    /// of that row's inputs, in the same order: the sum is made once per row and copied,
    /// and `W` is not read. The numbers are the same (`s * 1 = s`).
    pub fn project(&mut self) {
        // Under the vector build, so that each input's fused multiply-adds inline.
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.project_rows(),
        )
    }

    #[inline(always)]
    fn project_rows(&mut self) {
        if self.weights.sparse().is_some() {
            return self.project_sparse();
        }
        let Dense {
            inputs,
            weights,
            projected,
            input_support,
            unit_weights,
            ..
        } = self;
        let w = weights.as_slice().expect("owned arrays are contiguous");
        let unit = *unit_weights.get_or_insert_with(|| all_ones(weights));
        let (n_pre, n_post) = weights.dim();
        let x = inputs.as_slice().expect("owned arrays are contiguous");
        let out = projected
            .as_slice_mut()
            .expect("owned arrays are contiguous");
        // `projected` is all zero here: its reader leaves it so.
        if unit {
            // Each row's sum accumulates in its first output, then fills the row.
            match input_support.get() {
                Some(active) => {
                    for &f in active {
                        let s = x[f as usize];
                        if s != 0.0 {
                            out[f as usize / n_pre * n_post] += s;
                        }
                    }
                }
                None => {
                    for (xs, out) in x.chunks(n_pre).zip(out.chunks_mut(n_post)) {
                        out[0] = xs
                            .iter()
                            .filter(|&&s| s != 0.0)
                            .fold(0.0f32, |acc, &s| acc + s);
                    }
                }
            }
            for out in out.chunks_mut(n_post) {
                let sum = out[0];
                out.fill(sum);
            }
            return;
        }
        let row = |i: usize| &w[i * n_post..(i + 1) * n_post];
        match input_support.get() {
            Some(active) => {
                for (k, &f) in active.iter().enumerate() {
                    let f = f as usize;
                    let (b, i) = (f / n_pre, f % n_pre);
                    let next = active.get(k + 1).map(|&g| row(g as usize % n_pre));
                    add_row(&mut out[b * n_post..(b + 1) * n_post], x[f], row(i), next);
                }
            }
            None => {
                const BLOCK: usize = 16;
                for (xs, out) in x.chunks(n_pre).zip(out.chunks_mut(n_post)) {
                    // Skip blocks of zero inputs with one test each (spikes are sparse).
                    for (c, block) in xs.chunks(BLOCK).enumerate() {
                        if block.iter().fold(0u32, |acc, x| acc | (x.to_bits() << 1)) == 0 {
                            continue;
                        }
                        for (j, &s) in block.iter().enumerate() {
                            let i = c * BLOCK + j;
                            add_row(out, s, row(i), None);
                        }
                    }
                }
            }
        }
    }

    /// [`Dense::project`] over compressed rows: each non-zero input adds its row's
    /// entries (the dense row's non-zero terms, in the same order).
    fn project_sparse(&mut self) {
        if self.history.slots() > 1 {
            return self.deliver_delayed(|o, s, w| *o = s.mul_add(w, *o), false);
        }
        let Dense {
            inputs,
            weights,
            projected,
            input_support,
            ..
        } = self;
        let csr = weights.sparse().expect("called on sparse weights");
        let (n_pre, n_post) = csr.shape;
        let x = inputs.as_slice().expect("owned arrays are contiguous");
        let out = projected
            .as_slice_mut()
            .expect("owned arrays are contiguous");
        // `projected` is all zero here: its reader leaves it so.
        let mut add = |f: usize| {
            let (b, i) = (f / n_pre, f % n_pre);
            scatter_row(&mut out[b * n_post..(b + 1) * n_post], x[f], csr.row(i));
        };
        match input_support.get() {
            Some(active) => active.iter().for_each(|&f| add(f as usize)),
            None => (0..x.len()).filter(|&f| x[f] != 0.0).for_each(add),
        }
    }

    /// The step of a synapse with delays. This step's non-zero inputs join the history;
    /// then the sum is made in `projected` (or, `to_outputs`, in `outputs`, before the
    /// scale and bias), from zero: the inputs of each step, the oldest first and each
    /// step's in order, add `op(o, s, w)` through their rows' entries of the delay that
    /// ends now (each row is sorted by delay, then column). With every delay 1 this is
    /// the sum of a synapse without delays, bit for bit.
    ///
    /// The sums are made ahead, `K` steps at a time ([`Ahead`]): at the first step of a
    /// block, every input in the history adds its entries of the delays that end within
    /// the block, each into its step's sum, in one run of its row (the row is sorted by
    /// delay); at the block's other steps, the new inputs add theirs. Each step's sum
    /// receives the same terms in the same order as when made alone (the older inputs
    /// first), so the numbers do not depend on `K`; a row is read in `K` times fewer
    /// pieces. A history written from outside (reset, a state put back, new weights)
    /// starts a new block.
    fn deliver_delayed(&mut self, op: impl Fn(&mut f32, f32, f32) + Copy, to_outputs: bool) {
        let Dense {
            inputs,
            weights,
            projected,
            outputs,
            input_support,
            history,
            ahead,
            input_lag,
            ..
        } = self;
        let csr = weights.sparse().expect("called on sparse weights");
        let x = inputs.as_slice().expect("owned arrays are contiguous");
        history.push(x, input_support.get());
        let slots = history.slots();
        let k_ahead = ahead.sums.len() as u64;
        let now = history.steps;
        // A new block at its first step, or when the history was written from outside.
        let start = match ahead.block {
            Some((epoch, end)) if epoch == history.epoch && now < end => false,
            Some((epoch, end)) if epoch == history.epoch && now == end => true,
            _ => {
                ahead.sums.iter_mut().for_each(|a| a.fill(0.0));
                true
            }
        };
        if start {
            ahead.block = Some((history.epoch, now + k_ahead));
        }
        let end = ahead.block.map_or(now + 1, |b| b.1);
        // The (input, delays) pairs go in chunks, so that their waits on memory overlap
        // ([`Chunk::deliver`]).
        let mut chunk = Chunk::default();
        let oldest = if start { slots - 1 } else { 0 };
        let lag = *input_lag;
        for k in (0..=oldest).rev() {
            // The inputs taken `k` steps ago (those of `k + lag` steps ago) reach step
            // `now + a` through delay `k + lag + 1 + a`.
            let (d_lo, d_hi) = (k + lag + 1, slots.min(k + lag + (end - now) as usize));
            if d_lo > d_hi {
                continue;
            }
            for (f, s) in history.ago(k) {
                chunk.push(f as u32, s, d_lo as u32, d_hi as u32);
                if chunk.n == CHUNK {
                    chunk.deliver(csr, history, &mut ahead.sums, now, op);
                }
            }
        }
        chunk.deliver(csr, history, &mut ahead.sums, now, op);
        // This step's sum becomes the output; the output's room (left zero by its reader,
        // or zeroed here) becomes that of the step `K` on.
        let sum = &mut ahead.sums[(now % k_ahead) as usize];
        if to_outputs {
            std::mem::swap(outputs, sum);
            sum.fill(0.0);
        } else {
            std::mem::swap(projected, sum);
        }
    }

    /// DenseSynapse's step: `outputs = (inputs . (W * mask)) * resist_scale + biases`,
    /// the rows of `W` whose input is zero skipped (they add nothing).
    ///
    /// XLA's product is a chain of fused multiply-adds over the inputs in order, and
    /// so is this one (a zero input, skipped, would add `0 * w = ±0` to the sum), and
    /// the scale and bias are one more: `fma(sum, resist_scale, b)`.
    pub fn dense_step(&mut self) {
        if self.weights.sparse().is_some() {
            return self.sparse_step(false);
        }
        let Dense {
            inputs,
            weights,
            mask,
            outputs,
            biases,
            p,
            ..
        } = self;
        let rs = p.resist_scale;
        let (w, m) = (weights.as_standard_layout(), mask.as_standard_layout());
        let (w, m) = (
            w.as_slice().expect("standard layout"),
            m.as_slice().expect("standard layout"),
        );
        let bias = biases.as_standard_layout();
        let bias = bias.as_slice().expect("standard layout");
        // The loops are over slices so that the fused multiply-adds inline into the
        // vector build.
        crate::core::simd::with_simd(
            #[inline(always)]
            || {
                for (s_row, mut out) in inputs.rows().into_iter().zip(outputs.rows_mut()) {
                    let out = out.as_slice_mut().expect("outputs are standard layout");
                    out.fill(0.0);
                    for (i, &s) in s_row.iter().enumerate() {
                        if s != 0.0 {
                            add_input(out, s, i, w, m);
                        }
                    }
                    scale_and_bias(out, rs, bias);
                }
            },
        );
    }

    /// [`Dense::dense_step`] over the inputs a wire delivered as events, from their
    /// list (ascending, as the scan goes: the same sums), when the synapse keeps one
    /// (its class gives the wire its [`Support`] and forgets it on other writes);
    /// else the scan.
    pub fn dense_step_events(&mut self) {
        let Some(active) = self.input_support.get() else {
            return self.dense_step();
        };
        if self.weights.sparse().is_some() {
            return self.sparse_step(true);
        }
        let Dense {
            inputs,
            weights,
            mask,
            outputs,
            biases,
            p,
            ..
        } = self;
        let (n_pre, n_post) = weights.dim();
        let rs = p.resist_scale;
        let (w, m) = (weights.as_standard_layout(), mask.as_standard_layout());
        let (w, m) = (
            w.as_slice().expect("standard layout"),
            m.as_slice().expect("standard layout"),
        );
        let bias = biases.as_standard_layout();
        let bias = bias.as_slice().expect("standard layout");
        let x = inputs.as_slice().expect("owned arrays are contiguous");
        let out = outputs.as_slice_mut().expect("owned arrays are contiguous");
        crate::core::simd::with_simd(
            #[inline(always)]
            || {
                out.fill(0.0);
                for &f in active {
                    let f = f as usize;
                    let (b, i) = (f / n_pre, f % n_pre);
                    add_input(&mut out[b * n_post..(b + 1) * n_post], x[f], i, w, m);
                }
                scale_and_bias(out, rs, bias);
            },
        );
    }

    /// [`Dense::dense_step`] over compressed rows, the inputs from the wire's event list
    /// when `events` (and it keeps one), else scanned: the same fused multiply-adds, the
    /// absent terms (`±0`) left out.
    fn sparse_step(&mut self, events: bool) {
        if self.history.slots() > 1 {
            if !events {
                self.input_support.forget();
            }
            // A synapse with delays has a one-value mask (checked when built).
            let m0 = self.mask.iter().next().copied().unwrap_or(1.0);
            let rs = self.p.resist_scale;
            return crate::core::simd::with_simd(
                #[inline(always)]
                || {
                    self.deliver_delayed(|o, s, w| *o = s.mul_add(w * m0, *o), true);
                    let bias = self.biases.as_standard_layout();
                    let bias = bias.as_slice().expect("standard layout");
                    let out = self.outputs.as_slice_mut().expect("owned arrays are contiguous");
                    scale_and_bias(out, rs, bias);
                },
            );
        }
        let Dense {
            inputs,
            weights,
            mask,
            outputs,
            biases,
            input_support,
            p,
            ..
        } = self;
        let csr = weights.sparse().expect("called on sparse weights");
        let (n_pre, n_post) = csr.shape;
        let rs = p.resist_scale;
        let m = mask.as_standard_layout();
        let m = m.as_slice().expect("standard layout");
        let bias = biases.as_standard_layout();
        let bias = bias.as_slice().expect("standard layout");
        let x = inputs.as_slice().expect("owned arrays are contiguous");
        let out = outputs.as_slice_mut().expect("owned arrays are contiguous");
        let active = input_support.get().filter(|_| events);
        crate::core::simd::with_simd(
            #[inline(always)]
            || {
                out.fill(0.0);
                let mut add = |f: usize| {
                    let (b, i) = (f / n_pre, f % n_pre);
                    let m_row = match m {
                        [m0] => std::slice::from_ref(m0),
                        m => &m[i * n_post..(i + 1) * n_post],
                    };
                    fma_row(&mut out[b * n_post..(b + 1) * n_post], x[f], csr.row(i), m_row);
                };
                match active {
                    Some(active) => active.iter().for_each(|&f| add(f as usize)),
                    None => (0..x.len()).filter(|&f| x[f] != 0.0).for_each(add),
                }
                scale_and_bias(out, rs, bias);
            },
        );
    }

    /// A `(batch_size, n_post)` array of zeros (the shape of a post-synaptic state).
    pub fn post_zeros(&self) -> Result<Array2<f32>> {
        filled(&self.name, "shape", (self.p.batch_size, self.shape.1), 0.0)
    }

    pub fn reset(&mut self) {
        self.inputs.fill(0.0);
        self.input_support.zeroed();
        self.outputs.fill(0.0);
        self.history.clear();
        if let Some(a) = &mut self.axon {
            a.clear();
        }
    }
}

impl Dense {
    /// What depends on compartment `index`: the inputs' support list on `inputs`, the
    /// "all weights are one" flag on `weights`.
    pub fn changed(&mut self, index: usize) {
        match index {
            Dense::INPUTS => self.input_support.forget(),
            Dense::WEIGHTS => {
                self.unit_weights = None;
                // New weights (written, loaded, or a state put back) have no inputs in
                // flight: a state does not hold them yet.
                self.history.clear();
                // Only running out of memory fails, and the dense store is as good.
                let _ = self.settle();
            }
            _ => {}
        }
    }

    /// Whether compartment `index` is saved as a scalar (the default biases).
    pub fn saves_as_scalar(&self, index: usize) -> bool {
        index == Dense::BIASES && self.saves_biases_as_scalar()
    }
}

impl ClassBase for Dense {
    fn name(&self) -> &str {
        &self.name
    }
    fn key(&self) -> Key {
        self.key
    }
    fn set_key(&mut self, key: Key) {
        self.key = key;
        // The axons' delays are the key's (a loaded synapse's are its saved key's).
        if let Some(a) = &mut self.axon {
            a.draw(key.split::<4>()[2]);
        }
    }
    fn head(&self) -> Head {
        Head::Shape(self.shape.0, self.shape.1)
    }
}

/// The non-zero inputs of a synapse's last `slots` steps: for each, the flat indices
/// and values, in ascending order. The steps lie one after another in one ring of
/// room allocated when the synapse is built (`slots + 1` steps' worth of every input),
/// so that the few inputs in flight share a few cache lines however wide the synapse.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    /// The ring: each step's inputs in one run.
    index: Vec<u32>,
    value: Vec<f32>,
    /// Where each step's run starts in the ring, and how many inputs it holds.
    start: Vec<usize>,
    len: Vec<usize>,
    /// The step of the latest run.
    at: usize,
    /// The room of a run: the inputs' count.
    width: usize,
    /// Where each row's entries of each delay start: `slots + 1` offsets per row (into
    /// the whole `indices`/`data`, so that a pair needs no look at `indptr`), those of
    /// delay `d` being `seg[d - 1]..seg[d]`.
    seg: Vec<u32>,
    /// Steps pushed.
    steps: u64,
    /// Times it was written from outside (cleared, or a state put back).
    epoch: u64,
}

/// How many steps' sums a synapse with delays makes ahead (at most its longest delay).
const AHEAD: usize = 8;

/// The sums of a synapse with delays for the steps of the current block, made ahead:
/// `K` arrays of the outputs' shape, that of step `t` at `t % K`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ahead {
    sums: Vec<Array2<f32>>,
    /// The history's epoch it was made from and the step the block ends before.
    block: Option<(u64, u64)>,
}

impl Ahead {
    fn new(name: &str, slots: usize, dim: (usize, usize)) -> Result<Ahead> {
        if slots <= 1 {
            return Ok(Ahead::default());
        }
        let sums = (0..AHEAD.min(slots))
            .map(|_| filled(name, "connect.delay", dim, 0.0))
            .collect::<Result<_>>()?;
        Ok(Ahead { sums, block: None })
    }
}

impl History {
    fn new(name: &str, slots: usize, width: usize) -> Result<History> {
        if slots <= 1 {
            return Ok(History::default());
        }
        let oom = || Error::param(name, "connect.delay", slots, "needs more memory for its inputs in flight than there is");
        let n = (slots + 1).checked_mul(width).ok_or_else(oom)?;
        let mut index = Vec::new();
        index.try_reserve_exact(n).map_err(|_| oom())?;
        index.resize(n, 0);
        let mut value = Vec::new();
        value.try_reserve_exact(n).map_err(|_| oom())?;
        value.resize(n, 0.0);
        Ok(History {
            index,
            value,
            start: vec![0; slots],
            len: vec![0; slots],
            at: 0,
            width,
            seg: Vec::new(),
            steps: 0,
            epoch: 0,
        })
    }

    /// Drops the oldest step and opens an empty run for a new one, after the latest
    /// run, or at the ring's start when a full run would not fit before its end.
    ///
    /// The runs left hold at most `slots - 1` widths, and a skipped end is shorter than
    /// one, so a run placed at the start ends before the oldest run left begins: the
    /// ring holds `slots + 1` widths.
    fn open(&mut self) -> usize {
        let head = self.start[self.at] + self.len[self.at];
        self.at = (self.at + 1) % self.len.len();
        let at = if self.index.len() - head >= self.width { head } else { 0 };
        self.start[self.at] = at;
        self.len[self.at] = 0;
        at
    }

    /// Finds where each row's entries of each delay are (rows ordered by delay).
    fn index_rows(&mut self, name: &str, csr: &crate::core::weights::Csr) -> Result<()> {
        let slots = self.len.len();
        let Some(delays) = csr.delays.as_ref().filter(|_| slots > 1) else {
            self.seg = Vec::new();
            return Ok(());
        };
        let n = csr.shape.0 * (slots + 1);
        if u32::try_from(csr.nnz()).is_err() {
            return Err(Error::param(
                name,
                "connect.delay",
                csr.nnz(),
                "synapses with delays in one projection are limited to 2^32 - 1",
            ));
        }
        let mut seg = Vec::new();
        seg.try_reserve_exact(n).map_err(|_| {
            Error::param(name, "connect.delay", slots, "needs more memory for its delay index than there is")
        })?;
        crate::core::component::advise_huge_capacity(&mut seg);
        for i in 0..csr.shape.0 {
            let start = csr.indptr[i];
            let row = &delays[start..csr.indptr[i + 1]];
            let mut at = 0;
            seg.push(start as u32);
            for d in 1..=slots {
                while at < row.len() && usize::from(row[at]) <= d {
                    at += 1;
                }
                seg.push((start + at) as u32);
            }
        }
        self.seg = seg;
        Ok(())
    }

    /// How many steps it holds (1: none kept, no delays).
    fn slots(&self) -> usize {
        self.len.len().max(1)
    }

    /// Makes `x`'s non-zero entries (those listed in `active`, when known) the latest
    /// step's, over the oldest.
    fn push(&mut self, x: &[f32], active: Option<&[u32]>) {
        self.steps += 1;
        let at = self.open();
        let block = at..at + self.width;
        let (index, value) = (&mut self.index[block.clone()], &mut self.value[block]);
        let mut n = 0;
        let mut keep = |f: usize| {
            if x[f] != 0.0 {
                index[n] = f as u32;
                value[n] = x[f];
                n += 1;
            }
        };
        match active {
            Some(active) => active.iter().for_each(|&f| keep(f as usize)),
            None => (0..x.len()).for_each(keep),
        }
        self.len[self.at] = n;
    }

    /// The inputs of `k` steps ago, `(flat index, value)`.
    fn ago(&self, k: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let slots = self.len.len();
        let b = (self.at + slots - k) % slots;
        let at = self.start[b];
        (at..at + self.len[b]).map(|e| (self.index[e] as usize, self.value[e]))
    }

    fn clear(&mut self) {
        self.len.fill(0);
        self.start.fill(0);
        self.at = 0;
        self.epoch += 1;
    }

    /// What it holds, the oldest step first (`None` without delays).
    fn in_flight(&self) -> Option<crate::core::state::InFlight> {
        let slots = self.len.len();
        (slots > 1).then(|| crate::core::state::InFlight {
            steps: (0..slots)
                .rev()
                .map(|k| self.ago(k).map(|(f, v)| (f as u32, v)).collect())
                .collect(),
        })
    }

    /// Holds `f` instead: its last `slots` steps, inputs within the width.
    fn set_in_flight(&mut self, f: &crate::core::state::InFlight) {
        let slots = self.len.len();
        if slots <= 1 {
            return;
        }
        self.clear();
        let skip = f.steps.len().saturating_sub(slots);
        // Steps missing at the old end stay empty: the newest lands where `push` would.
        for _ in f.steps.len().min(slots)..slots {
            self.open();
        }
        for step in &f.steps[skip..] {
            let base = self.open();
            let mut n = 0;
            for &(i, v) in step.iter().filter(|(i, v)| (*i as usize) < self.width && *v != 0.0).take(self.width) {
                self.index[base + n] = i;
                self.value[base + n] = v;
                n += 1;
            }
            self.len[self.at] = n;
        }
    }
}

/// Pairs of a delayed synapse's inputs and delays delivered together
/// ([`Dense::deliver_delayed`]).
const CHUNK: usize = 64;

/// How many pairs ahead a pair's entries are asked for ([`Chunk::deliver`]).
const LEAD: usize = 6;
/// The most cache lines of a pair's entries asked for (of each array).
const ASK_LINES: usize = 16;

/// A chunk of (flat input, value, delays) pairs and, once found, their entries' ranges.
struct Chunk {
    n: usize,
    f: [u32; CHUNK],
    s: [f32; CHUNK],
    /// The pair's delays, `d_lo..=d_hi`: delay `d_lo + a` ends `a` steps from now.
    d_lo: [u32; CHUNK],
    d_hi: [u32; CHUNK],
}

impl Default for Chunk {
    fn default() -> Chunk {
        Chunk {
            n: 0,
            f: [0; CHUNK],
            s: [0.0; CHUNK],
            d_lo: [0; CHUNK],
            d_hi: [0; CHUNK],
        }
    }
}

impl Chunk {
    #[inline(always)]
    fn push(&mut self, f: u32, s: f32, d_lo: u32, d_hi: u32) {
        let k = self.n;
        (self.f[k], self.s[k], self.d_lo[k], self.d_hi[k]) = (f, s, d_lo, d_hi);
        self.n += 1;
    }

    /// Adds `op(o, s, w)` over each pair's entries of its delays, each into the sum of
    /// the step it ends at (step `now` is at `now % K`), in order, and empties the
    /// chunk. Three passes, so that the waits on memory overlap: the rows' delay index
    /// is asked for, then read, then each pair's entries added while those of a pair
    /// further on are asked for.
    #[inline(always)]
    fn deliver(
        &mut self,
        csr: &crate::core::weights::Csr,
        history: &History,
        sums: &mut [Array2<f32>],
        now: u64,
        op: impl Fn(&mut f32, f32, f32),
    ) {
        let (n_pre, n_post) = csr.shape;
        let stride = history.len.len() + 1;
        let k_ahead = sums.len();
        let now = (now % k_ahead as u64) as usize;
        let n = std::mem::take(&mut self.n);
        for k in 0..n {
            let i = self.f[k] as usize % n_pre;
            prefetch_at(&history.seg, i * stride + self.d_lo[k] as usize - 1);
        }
        let mut range = [(0u32, 0u32); CHUNK];
        for (k, r) in range.iter_mut().enumerate().take(n) {
            let i = self.f[k] as usize % n_pre;
            let lo = history.seg[i * stride + self.d_lo[k] as usize - 1];
            let hi = history.seg[i * stride + self.d_hi[k] as usize];
            *r = (lo, hi);
        }
        // Each pair's entries are asked for whole, `LEAD` pairs ahead of their use, so
        // that the memory's queue stays full without overflowing.
        let ask = |k: usize| {
            if let Some(&(lo, hi)) = range[..n].get(k) {
                let (lo, hi) = (lo as usize, (hi as usize).min(lo as usize + 16 * ASK_LINES));
                for e in (lo..hi).step_by(16) {
                    prefetch_at(&csr.indices, e);
                    prefetch_at(&csr.data, e);
                }
                if hi > lo {
                    prefetch_at(&csr.indices, hi - 1);
                    prefetch_at(&csr.data, hi - 1);
                }
            }
        };
        for k in 0..LEAD {
            ask(k);
        }
        for k in 0..n {
            ask(k + LEAD);
            let i = self.f[k] as usize % n_pre;
            let b = self.f[k] as usize / n_pre;
            let s = self.s[k];
            let row = &history.seg[i * stride..(i + 1) * stride];
            let d_lo = self.d_lo[k] as usize;
            for d in d_lo..=self.d_hi[k] as usize {
                let (lo, hi) = (row[d - 1] as usize, row[d] as usize);
                let slot = (now + d - d_lo) % k_ahead;
                let sum = sums[slot].as_slice_mut().expect("owned arrays are contiguous");
                let out = &mut sum[b * n_post..(b + 1) * n_post];
                for (&j, &w) in csr.indices[lo..hi].iter().zip(&csr.data[lo..hi]) {
                    op(&mut out[j as usize], s, w);
                }
            }
        }
    }
}

/// Asks for the cache line of `x[i]` to be brought in (a hint: no effect on values).
#[inline(always)]
fn prefetch_at<T>(x: &[T], i: usize) {
    if let Some(v) = x.get(i) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: prefetching has no effect on memory or program state; the pointer is
        // to a live element. SSE is part of the x86_64 baseline.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (v as *const T).cast::<i8>(),
            )
        };
        #[cfg(not(target_arch = "x86_64"))]
        let _ = v;
    }
}

/// Whether every entry of `w` is exactly 1.0 (one branch-free test per block of 64).
pub(crate) fn all_ones(w: &Array2<f32>) -> bool {
    let one = 1.0f32.to_bits();
    match w.as_slice() {
        Some(w) => w
            .chunks(64)
            .all(|c| c.iter().fold(0u32, |acc, v| acc | (v.to_bits() ^ one)) == 0),
        None => w.iter().all(|v| v.to_bits() == one),
    }
}

/// `out = fma(s, w_row, out)` for `s != 0` (`s = 1`, a spike, adds the row itself: the same
/// numbers). Line by line of the row, asks for the same line of `next`, the row that
/// comes after, to be brought into cache: rows are far apart in a large `W` and each
/// is used once per spike, so without this every line is a wait on memory.
#[inline(always)]
fn add_row(out: &mut [f32], s: f32, w_row: &[f32], next: Option<&[f32]>) {
    const LINE: usize = 16; // f32s in a 64-byte cache line
    if s == 0.0 {
        return;
    }
    let lines = out.chunks_mut(LINE).zip(w_row.chunks(LINE));
    match next {
        Some(next) => {
            for ((o, w), n) in lines.zip(next.chunks(LINE)) {
                prefetch(n);
                add_scaled(o, s, w);
            }
        }
        None => lines.for_each(|(o, w)| add_scaled(o, s, w)),
    }
}

#[inline(always)]
fn add_scaled(out: &mut [f32], s: f32, w: &[f32]) {
    if s == 1.0 {
        out.iter_mut().zip(w).for_each(|(o, &w)| *o += w);
    } else {
        // XLA's dot: one fused multiply-add per input, in the inputs' order.
        out.iter_mut().zip(w).for_each(|(o, &w)| *o = s.mul_add(w, *o));
    }
}

/// `o = fma(o, resist_scale, b)` over each batch row of `out` (rows as long as
/// `bias`): the scale and bias after DenseSynapse's sum, one rounding each.
#[inline(always)]
pub(crate) fn scale_and_bias(out: &mut [f32], rs: f32, bias: &[f32]) {
    for row in out.chunks_mut(bias.len()) {
        for (o, &b) in row.iter_mut().zip(bias) {
            *o = o.mul_add(rs, b);
        }
    }
}

/// `out[j] = fma(s, w, out[j])` for each entry `(j, w)` of a compressed row (`s = 1` adds `w`):
/// [`add_row`]'s numbers. A non-finite `s` meets the absent entries too.
#[inline(always)]
fn scatter_row(out: &mut [f32], s: f32, (cols, vals): (&[u32], &[f32])) {
    if s == 0.0 {
        return;
    }
    if !s.is_finite() {
        for_whole_row(out.len(), cols, vals, |j, w| out[j] = s.mul_add(w, out[j]));
    } else if s == 1.0 {
        for (&j, &w) in cols.iter().zip(vals) {
            out[j as usize] += w;
        }
    } else {
        for (&j, &w) in cols.iter().zip(vals) {
            out[j as usize] = s.mul_add(w, out[j as usize]);
        }
    }
}

/// `out[j] = fma(s, w * m_j, out[j])` for each entry `(j, w)` of a compressed row, `m`
/// the mask's row or its one value: [`add_input`]'s numbers. A non-finite `s` meets the
/// absent entries too.
#[inline(always)]
fn fma_row(out: &mut [f32], s: f32, (cols, vals): (&[u32], &[f32]), m: &[f32]) {
    let mask = |j: usize| if let [m0] = m { *m0 } else { m[j] };
    if !s.is_finite() {
        for_whole_row(out.len(), cols, vals, |j, w| out[j] = s.mul_add(w * mask(j), out[j]));
        return;
    }
    for (&j, &w) in cols.iter().zip(vals) {
        let j = j as usize;
        out[j] = s.mul_add(w * mask(j), out[j]);
    }
}

/// Hints the processor to load the cache line at the start of `x`.
#[inline(always)]
fn prefetch(x: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching has no effect on memory or program state; the pointer is
    // into a live slice. SSE is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            x.as_ptr().cast::<i8>(),
        )
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// `out += s * (W * mask)[i]`, each output one fused multiply-add (XLA's product): the
/// step's term of input `i` with value `s`; `m` is the mask, one value or `W`'s shape.
#[inline(always)]
pub(crate) fn add_input(out: &mut [f32], s: f32, i: usize, w: &[f32], m: &[f32]) {
    let n_post = out.len();
    let w_row = &w[i * n_post..(i + 1) * n_post];
    if let [m0] = m {
        for (o, &w) in out.iter_mut().zip(w_row) {
            *o = s.mul_add(w * m0, *o);
        }
    } else {
        let m_row = &m[i * n_post..(i + 1) * n_post];
        for ((o, &w), &m) in out.iter_mut().zip(w_row).zip(m_row) {
            *o = s.mul_add(w * m, *o);
        }
    }
}

/// The dense synapse: `outputs = (inputs · (W * mask)) * resist_scale + biases`.
///
/// ```
/// use ngclearn::prelude::*;
/// let p = DenseParams { weight_init: Some(DistributionGenerator::constant(0.5)), ..Default::default() };
/// let mut w = DenseSynapse::new("W", (2, 3), p)?;
/// w.set_inputs(&ndarray::array![[1.0, 2.0]]);
/// w.advance_state(0.0, 0.1);
/// assert_eq!(w.outputs(), &ndarray::array![[1.5, 1.5, 1.5]]);
/// # Ok::<(), ngclearn::Error>(())
/// ```
#[derive(Debug, Clone, Compartments, Class)]
#[class(
    module = "ngclearn.components.synapses.denseSynapse.DenseSynapse",
    description = "Dense synaptic cable: a scaled linear transformation of its inputs",
    dynamics = "outputs = (inputs . (W * mask)) * resist_scale + biases",
    head = shape,
    keywords(advance_state = []),
    params = base.p,
    params_type = DenseParams,
    split = columns
)]
pub struct DenseSynapse {
    #[compartment(flatten)]
    base: Dense,
}

impl DenseSynapse {
    /// Builds a dense synapse of shape `(n_pre, n_post)`.
    pub fn new(name: &str, shape: (usize, usize), params: DenseParams) -> Result<Self> {
        Ok(DenseSynapse {
            base: {
                let mut base = Dense::new(name, shape, &params)?;
                base.refuse_background("DenseSynapse")?;
                base.allow_sparse()?;
                base
            },
        })
    }

    /// Sets `inputs` (shape `(batch_size, n_pre)`; panics otherwise: use
    /// [`Model::set`](crate::core::context::Model::set) for a checked set).
    pub fn set_inputs(&mut self, x: &Array2<f32>) {
        self.base.inputs.assign(x);
        self.base.input_support.forget();
    }

    /// The current `outputs`.
    pub fn outputs(&self) -> &Array2<f32> {
        &self.base.outputs
    }

    /// The current `weights`.
    pub fn weights(&self) -> &Array2<f32> {
        &self.base.weights
    }

    /// The inputs its axons delivered at the last step (ngclearn 3.2's
    /// `delayed_inputs`), when built with `max_delay_steps > 0`.
    pub fn delayed_inputs(&self) -> Option<&Array2<f32>> {
        self.base.delayed_inputs()
    }

    /// Each presynaptic unit's index into the delay buffer, in `[0, max_delay_steps)`
    /// (ngclearn 3.2's `syn_delay_indices`: a delay of `max_delay_steps - index`
    /// steps), when built with `max_delay_steps > 0`.
    pub fn delay_indices(&self) -> Option<&[u32]> {
        self.base.delay_indices()
    }
}

impl Component for DenseSynapse {
    fn advance_state(&mut self, _t: f32, _dt: f32) {
        self.base.dense_step_delayed(true);
    }
    fn reset(&mut self) {
        self.base.reset();
    }
    fn changed(&mut self, index: usize) {
        self.base.changed(index);
    }
    fn sparse_input(&mut self, index: usize) -> Option<(&mut Array2<f32>, &mut Support)> {
        let b = &mut self.base;
        (index == Dense::INPUTS).then_some((&mut b.inputs, &mut b.input_support))
    }
    fn stored_weights_mut(
        &mut self,
    ) -> Option<(usize, &mut crate::core::weights::Weights, crate::core::weights::Storage)> {
        let b = &mut self.base;
        Some((Dense::WEIGHTS, &mut b.weights, b.storage))
    }
    fn in_flight(&self) -> Option<crate::core::state::InFlight> {
        self.base.in_flight()
    }
    fn set_in_flight(&mut self, f: &crate::core::state::InFlight) {
        self.base.set_in_flight(f);
    }
    fn min_delay(&self) -> Option<usize> {
        self.base.min_delay()
    }
    fn set_input_lag(&mut self, lag: usize) -> bool {
        self.base.set_input_lag(lag)
    }
    fn input_lag(&self) -> usize {
        self.base.input_lag
    }
    fn stored_weights(&self) -> Option<&crate::core::weights::Weights> {
        Some(&self.base.weights)
    }
    fn saves_as_scalar(&self, index: usize) -> bool {
        self.base.saves_as_scalar(index)
    }
}
