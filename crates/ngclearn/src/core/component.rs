//! The interface every component implements, and the checks its parameters share.

use crate::core::rng::Key;
use crate::core::schema::Schema;
use crate::error::{Error, Result};
use ndarray::Array2;

/// The half of a component that its class's declaration generates
/// (`#[derive(Class)]`): who it is, where its compartments and key are, the
/// arguments that rebuild it and how it splits across ranks. The other half,
/// [`Component`], is the class's dynamics, written by hand.
pub trait Declared {
    /// The component's name, unique in its model.
    fn name(&self) -> &str;
    /// The help metadata of its class.
    fn schema(&self) -> &'static Schema;
    /// Its class (what rebuilds it from [`Declared::kwargs`]).
    fn class(&self) -> &'static crate::core::class::ComponentClass;
    /// The array compartment at `index` (`None` for the key or an unknown index).
    fn array(&self, index: usize) -> Option<&Array2<f32>>;
    /// The array compartment at `index`, mutably. Only [`write()`] can call it (only this
    /// crate can make a [`WriteToken`]), so that every write from outside is followed by
    /// [`Component::changed`].
    fn array_mut(&mut self, index: usize, token: WriteToken) -> Option<&mut Array2<f32>>;
    /// The component's PRNG key.
    fn key(&self) -> Key;
    /// Replaces the component's PRNG key.
    fn set_key(&mut self, key: Key);
    /// The key at compartment `index`, a key compartment: the component's key, or a
    /// second one its class holds (REINFORCESynapse's `seed`).
    fn key_at(&self, _index: usize) -> Key {
        self.key()
    }
    /// Replaces the key at compartment `index` (see [`Declared::key_at`]).
    fn set_key_at(&mut self, _index: usize, key: Key) {
        self.set_key(key)
    }
    /// For downcasting to the concrete class.
    fn as_any(&self) -> &dyn std::any::Any;
    /// The keyword arguments ngclearn's constructor takes to rebuild this component
    /// (what a saved model's `roots.json` holds); state is saved separately.
    fn kwargs(&self) -> serde_json::Map<String, serde_json::Value>;
    /// This rank's block of the component, columns `cols` of its partitioned axis
    /// (`n_units` of a cell, `n_post` of a synapse), for a model partitioned across
    /// ranks ([`crate::core::partition`]); `None` if the class cannot be split. The
    /// class declares which (`#[class(split = ...)]`).
    fn partition(
        &self,
        _cols: std::ops::Range<usize>,
    ) -> Option<crate::error::Result<Box<dyn Component>>> {
        None
    }
}

/// The leading arguments of a class's constructor, before its parameters: a cell's
/// `n_units` or a synapse's `shape`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// `n_units`: a population of cells.
    Units(usize),
    /// `shape = (n_pre, n_post)`: a synapse's weight matrix.
    Shape(usize, usize),
}

impl Head {
    /// Writes it into keyword arguments, as ngclearn names it.
    pub fn insert(self, m: &mut serde_json::Map<String, serde_json::Value>) {
        match self {
            Head::Units(n) => m.insert("n_units".into(), n.into()),
            Head::Shape(a, b) => m.insert("shape".into(), serde_json::json!([a, b])),
        };
    }
}

/// A state a class embeds (`#[compartment(flatten)]`) that holds the component's name,
/// key and leading arguments (the dense base of every synapse, an encoder's state).
pub trait ClassBase {
    /// The component's name.
    fn name(&self) -> &str;
    /// The component's key.
    fn key(&self) -> Key;
    /// Replaces the component's key.
    fn set_key(&mut self, key: Key);
    /// The constructor's leading arguments.
    fn head(&self) -> Head;
}

/// A simulated object (cell, synapse, encoder) that owns its compartments.
///
/// Compartments are addressed by their index in [`Schema::compartments`]; the
/// model resolves names to indices once, when it is built. A component only ever
/// writes its own compartments: a wired compartment's value is copied in from its
/// source right before each call of a method that reads inputs (the schema says
/// which), so nothing writes through a wire.
pub trait Component: Declared + std::fmt::Debug + Send + Sync {
    /// Advances the state by one step of `dt` ms ending at time `t`.
    fn advance_state(&mut self, t: f32, dt: f32);
    /// Returns every state to its rest value.
    fn reset(&mut self);
    /// A learning rule's update (classes whose schema declares `evolve`).
    fn evolve(&mut self, _t: f32, _dt: f32) {
        undeclared(self.schema(), "evolve")
    }
    /// A learning rule's update, computed but not applied (classes whose schema
    /// declares `calc_update`).
    fn calc_update(&mut self, _t: f32, _dt: f32) {
        undeclared(self.schema(), "calc_update")
    }
    /// Another method the class's schema declares, by name.
    fn call(&mut self, method: &str, _t: f32, _dt: f32) {
        undeclared(self.schema(), method)
    }
    /// The shape ngclearn gives compartment `index` where the class decides it from its
    /// arguments beyond its schema (a graded cell's 4-D maps); `None`: the schema's.
    fn own_dims(&self, _index: usize) -> Option<Vec<usize>> {
        None
    }
    /// The value of keyword `name` (other than `t` and `dt`, which every call is given)
    /// for the next call of `method`, which declares it (MPSSynapse's `evolve(eta)`);
    /// a method keeps its default when none is given.
    fn set_keyword(&mut self, _method: &str, _name: &str, _value: f32) {}
    /// Compartment `index` was written from outside the component's own methods (by
    /// [`write()`]): drop what was derived from its old value (a support list, "all
    /// weights are one", "the inputs did not change"). Every class says, here and
    /// nowhere else, what depends on which compartment.
    fn changed(&mut self, index: usize);
    /// Whether compartment `index` is saved as a 0-d scalar when all its entries are
    /// equal (ngclearn keeps a synapse's default biases as the scalar 0); by default,
    /// those the schema declares `scalar`.
    fn saves_as_scalar(&self, index: usize) -> bool {
        self.schema()
            .compartments
            .get(index)
            .is_some_and(|c| c.scalar)
    }
    /// Whether compartment `index` may be set with any number of rows (a learning
    /// rule's statistics, which it sums over their rows; the class's
    /// `#[class(any_rows(...))]`): [`Model::set`] then resizes it instead of refusing
    /// another batch, unless a wire reads it.
    ///
    /// [`Model::set`]: crate::core::model::Model::set
    fn any_rows(&self, index: usize) -> bool {
        let s = self.schema();
        s.compartments
            .get(index)
            .is_some_and(|c| s.any_rows.contains(&c.name))
    }
    /// After compartments that take any number of rows were set, whether the
    /// component can step with them (a rule's `pre` and `post` must hold the same
    /// batch, as ngclearn's product of the two needs): checked by the model before its
    /// next run, a typed error naming the compartment otherwise.
    fn rows_ready(&self) -> crate::error::Result<()> {
        Ok(())
    }
    /// For a block of a partitioned population that draws random numbers: the global
    /// index of its first cell, whose counter its first draw takes.
    fn set_counter_base(&mut self, _base: u64) {}
    /// For a block of a partitioned population whose step needs values of all the
    /// cells (a sum over them, a row's softmax): the ranks and this block's columns, from
    /// which it makes its [`Coupling`](crate::core::partition::Coupling) (the ordered
    /// gathers and sums the core provides). Called on every block when the model is
    /// partitioned; its step then makes the same collective calls on every rank.
    fn couple(&mut self, _ranks: &crate::core::partition::Ranks) {}
    /// ngclearn's saved form where the class's own `save` replaces the default one
    /// (every unwired compartment and the key): the npz entries it writes (SLIFCell:
    /// only `threshold`). `None`: the default form.
    fn own_saved_form(&self) -> Option<Vec<OwnEntry>> {
        None
    }
    /// Takes the entries of its own saved form (`(name, value)`, each checked to have
    /// the shape of its compartment `like`, or one row of it), as the class's own
    /// `load` does.
    fn load_own_saved_form(
        &mut self,
        _entries: Vec<(String, Array2<f32>)>,
    ) -> crate::error::Result<()> {
        Ok(())
    }
    /// The files ngclearn saves beside the component's npz, in the model's
    /// `component/custom/` directory, as `(file name, bytes)` (a Hebbian synapse's
    /// pickled optimiser state).
    fn custom_files(&self) -> Vec<(String, Vec<u8>)> {
        Vec::new()
    }
    /// Reads those files back from a saved model's `custom/` directory `dir`.
    fn load_custom(&mut self, _dir: &std::path::Path) -> crate::error::Result<()> {
        Ok(())
    }
    /// Takes the model's threads, when the model is built (or its parallelism set):
    /// a component that could use a second thread asks them for it rather than
    /// starting one.
    fn attach(&mut self, _workers: &std::sync::Arc<crate::core::parallel::Workers>) {}
    /// Switches how the component draws its random numbers; `false` if it draws none.
    fn set_random_mode(&mut self, _mode: crate::core::rng::RandomMode) -> bool {
        false
    }
    /// The flat (row-major) indices of exactly the non-zero entries of compartment
    /// `index`, ascending, if the component keeps them (spiking outputs do). A wire
    /// from such a compartment into one that takes a [`Support`] copies only these.
    fn nonzero(&self, _index: usize) -> Option<&[u32]> {
        None
    }
    /// Input compartment `index` with the [`Support`] that tracks its non-zero entries,
    /// if the component can use one (a synapse sums only the rows of its non-zero
    /// inputs). Only wires call this; every other write goes through
    /// [`write()`], whose [`Component::changed`] forgets the support.
    fn sparse_input(&mut self, _index: usize) -> Option<(&mut Array2<f32>, &mut Support)> {
        None
    }
    /// Whether its `advance_state` reads and writes nothing but its own state (its
    /// inputs come by wire): a run of such calls whose wires read none of the run's
    /// components may step side by side on the model's threads, giving the same numbers.
    /// Off by default (a class that calls out, such as a component written in Python,
    /// or that exchanges with other ranks, must not).
    fn steps_alone(&self) -> bool {
        false
    }
    /// A copy of the inputs a synapse with delays holds in flight (`None`: it holds none
    /// across steps), for a model's state.
    fn in_flight(&self) -> Option<crate::core::state::InFlight> {
        None
    }
    /// Puts back inputs in flight taken by [`Component::in_flight`] (steps beyond what
    /// the synapse keeps, the oldest, and inputs beyond its width are dropped).
    fn set_in_flight(&mut self, _in_flight: &crate::core::state::InFlight) {}
    /// A synapse that delivers its inputs through delays: the least of them in steps,
    /// so that a partitioned model may take its inputs late
    /// ([`Component::set_input_lag`]). `None`: its inputs must arrive on time.
    fn min_delay(&self) -> Option<usize> {
        None
    }
    /// Takes the inputs as arriving `lag` steps late, with the numbers of inputs on time
    /// (its delays all exceed `lag`); `false` where it cannot. Its inputs in flight are
    /// then those it has taken, `lag` steps behind.
    fn set_input_lag(&mut self, _lag: usize) -> bool {
        false
    }
    /// How many steps late its inputs arrive ([`Component::set_input_lag`]).
    fn input_lag(&self) -> usize {
        0
    }
    /// A synapse's weights as it stores them (dense, or compressed by presynaptic row).
    fn stored_weights(&self) -> Option<&crate::core::weights::Weights> {
        None
    }
    /// A synapse that may store its weights sparse: the index of its `weights`
    /// compartment, the weights, to be replaced whole (a loader then calls
    /// [`Component::changed`]), and how it asks them stored.
    fn stored_weights_mut(
        &mut self,
    ) -> Option<(
        usize,
        &mut crate::core::weights::Weights,
        crate::core::weights::Storage,
    )> {
        None
    }
}

/// That a rule's `pre` and `post` hold the same number of rows (one batch), as its
/// product of the two needs ([`Component::rows_ready`]); a typed error naming `post`.
pub(crate) fn rows_agree(
    name: &str,
    pre: &Array2<f32>,
    post: &Array2<f32>,
) -> crate::error::Result<()> {
    if pre.nrows() == post.nrows() {
        return Ok(());
    }
    Err(crate::error::Error::ShapeMismatch {
        path: format!("{name}:post"),
        expected: vec![pre.nrows(), post.ncols()],
        got: post.shape().to_vec(),
        context: " (as many rows as pre: the rule multiplies the two, as ngclearn's does)".into(),
    })
}

/// `a` zeroed, with `rows` rows (a reset gives statistics set with another batch their
/// `batch_size` rows back).
pub(crate) fn zero_rows(a: &mut Array2<f32>, rows: usize) {
    if a.nrows() == rows {
        a.fill(0.0);
    } else {
        *a = Array2::zeros((rows, a.ncols()));
    }
}

/// Proof that a call of [`Declared::array_mut`] comes from [`write()`]: it cannot be
/// made outside this crate, so a class's own `array_mut` can only be reached through
/// the guarded path.
#[derive(Debug, Clone, Copy)]
pub struct WriteToken(());

/// The one way to write a compartment from outside its component (a wire, `Model::set`,
/// a loader, a learning rule): `f` writes the array, then the component is told
/// ([`Component::changed`]). `None` if the component has no array at `index`.
pub fn write<R>(
    c: &mut dyn Component,
    index: usize,
    f: impl FnOnce(&mut Array2<f32>) -> R,
) -> Option<R> {
    let r = f(c.array_mut(index, WriteToken(()))?);
    c.changed(index);
    Some(r)
}

/// The shape ngclearn gives compartment `index` of `c`. A compartment is stored as
/// `(rows, columns)`; one declared with other than two axes (a SOM's `delta`,
/// `(batch_size, n_pre, n_post)`; a convolution's `(batch_size, h, w, channels)`) holds
/// its values row-major in that array and has its declared shape, resolved from the
/// component's arguments, wherever it is shown or saved (Python, saved models). Every
/// other compartment, and one whose array no longer has the declared size (a rule's
/// statistics set with another batch), has its array's shape. `None` for the key or an
/// unknown index.
pub fn dims(c: &dyn Component, index: usize) -> Option<Vec<usize>> {
    let a = c.array(index)?;
    if let Some(d) = c
        .own_dims(index)
        .filter(|d| d.iter().product::<usize>() == a.len())
    {
        return Some(d);
    }
    let info = c.schema().compartments.get(index)?;
    let declared = match info.shape.0 {
        [alt] if alt.len() != 2 && !info.scalar => {
            let kw = crate::core::kwargs::Kwargs::new("", "", &[], &[], &c.kwargs()).ok()?;
            c.class()
                .implied_shapes(&kw)
                .and_then(|mut forms| forms.get_mut(index).and_then(|f| f.pop()))
                .filter(|f| f.iter().product::<usize>() == a.len())
        }
        _ => None,
    };
    Some(declared.unwrap_or_else(|| a.shape().to_vec()))
}

/// A process calls only methods a class declares, so reaching this is a class that
/// declares a method without implementing it: a bug in the class.
fn undeclared(schema: &Schema, method: &str) -> ! {
    panic!(
        "{} declares `{method}` but does not implement it",
        schema.class
    )
}

/// A list of flat indices that keeps its capacity when cloned, so that filling a
/// copy never allocates (a `Vec`'s clone has only its length).
#[derive(Debug, Default)]
pub(crate) struct IndexVec(Vec<u32>);

impl IndexVec {
    /// Room for `len` indices, allocated fallibly (an error on `param` of `component`);
    /// indices are u32, so `len` must fit one.
    pub(crate) fn with_capacity(component: &str, param: &str, len: usize) -> Result<IndexVec> {
        let mut v = Vec::new();
        u32::try_from(len)
            .ok()
            .and_then(|_| v.try_reserve_exact(len).ok())
            .ok_or_else(|| Error::param(component, param, len, "is too large to allocate"))?;
        Ok(IndexVec(v))
    }

    /// Lists the flat indices of the non-zero entries of `values`.
    pub(crate) fn collect_nonzero(&mut self, values: &[f32]) {
        self.0.clear();
        self.extend_nonzero(values, 0);
    }

    /// Appends `offset + j` for every non-zero `values[j]`, ascending (blocks of zeros
    /// are skipped with one branch-free test each).
    pub(crate) fn extend_nonzero(&mut self, values: &[f32], offset: usize) {
        for (k, block) in values.chunks(16).enumerate() {
            if block.iter().fold(0u32, |acc, x| acc | (x.to_bits() << 1)) != 0 {
                let first = offset + k * 16;
                let fired = block.iter().enumerate().filter(|(_, &x)| x != 0.0);
                self.0.extend(fired.map(|(j, _)| (first + j) as u32));
            }
        }
    }
}

impl Clone for IndexVec {
    fn clone(&self) -> Self {
        let mut v = Vec::with_capacity(self.0.capacity());
        v.extend_from_slice(&self.0);
        IndexVec(v)
    }
}

impl std::ops::Deref for IndexVec {
    type Target = Vec<u32>;
    fn deref(&self) -> &Vec<u32> {
        &self.0
    }
}

impl std::ops::DerefMut for IndexVec {
    fn deref_mut(&mut self) -> &mut Vec<u32> {
        &mut self.0
    }
}

/// Which entries of an input compartment may be non-zero, as a wire delivered them.
///
/// Invariant: when known, every entry outside `indices` is zero. A wire keeps it by
/// zeroing the entries it set on the last step before setting the new ones, so a
/// delivery costs the number of events, not the size of the compartment.
#[derive(Debug, Default)]
pub struct Support {
    indices: Vec<u32>,
    known: bool,
}

impl Clone for Support {
    fn clone(&self) -> Self {
        // Keep the capacity: a copy must not allocate when it is delivered to.
        let mut indices = Vec::with_capacity(self.indices.capacity());
        indices.extend_from_slice(&self.indices);
        Support {
            indices,
            known: self.known,
        }
    }
}

impl Support {
    /// A support for a compartment of `len` entries, all zero. Fallible like `filled`.
    pub fn zeros(component: &str, param: &str, len: usize) -> Result<Support> {
        let mut indices = Vec::new();
        indices
            .try_reserve_exact(len)
            .map_err(|_| Error::param(component, param, len, "is too large to allocate"))?;
        Ok(Support {
            indices,
            known: true,
        })
    }

    /// The indices outside of which the compartment is zero, ascending, if known.
    pub fn get(&self) -> Option<&[u32]> {
        self.known.then_some(self.indices.as_slice())
    }

    /// Forgets the support: the compartment was written some other way.
    pub fn forget(&mut self) {
        self.known = false;
    }

    /// The compartment was set to zeros.
    pub fn zeroed(&mut self) {
        self.indices.clear();
        self.known = true;
    }

    /// Makes `dst` the operands' columns side by side: each operand `(values, nonzero,
    /// width)` holds rows of `width` whose non-zero entries are exactly `nonzero`
    /// (ascending flat indices); `dst`'s rows are as wide as the widths' sum. Clears the
    /// entries set before and copies the new ones, in ascending order.
    pub(crate) fn deliver_joined(&mut self, dst: &mut [f32], parts: &[(&[f32], &[u32], usize)]) {
        if self.known {
            for &i in &self.indices {
                dst[i as usize] = 0.0;
            }
        } else {
            dst.fill(0.0);
        }
        self.indices.clear();
        let total: usize = parts.iter().map(|p| p.1.len()).sum();
        let fits = total <= self.indices.capacity();
        let width: usize = parts.iter().map(|p| p.2).sum();
        let rows = dst.len().checked_div(width).unwrap_or(0);
        let mut at = [0usize; 64];
        for b in 0..rows {
            let mut offset = b * width;
            for (k, &(src, nonzero, w)) in parts.iter().enumerate() {
                let end = (b + 1) * w;
                while let Some(&f) = nonzero.get(at[k]).filter(|&&f| (f as usize) < end) {
                    let i = offset + f as usize - b * w;
                    dst[i] = src[f as usize];
                    if fits {
                        self.indices.push(i as u32);
                    }
                    at[k] += 1;
                }
                offset += w;
            }
        }
        self.known = fits;
    }

    /// Makes `dst` equal to `src`, whose non-zero entries are exactly `nonzero`: clears
    /// the entries set before (all of them if the support was not known) and copies
    /// the new ones. `dst` and `src` have the same length; `nonzero` holds indices
    /// into them, ascending, at most as many as this support's capacity.
    pub(crate) fn deliver(&mut self, dst: &mut [f32], src: &[f32], nonzero: &[u32]) {
        if self.known {
            for &i in &self.indices {
                dst[i as usize] = 0.0;
            }
        } else {
            dst.fill(0.0);
        }
        for &i in nonzero {
            dst[i as usize] = src[i as usize];
        }
        self.indices.clear();
        if nonzero.len() <= self.indices.capacity() {
            self.indices.extend_from_slice(nonzero);
            self.known = true;
        } else {
            // Not from a compartment of this size; keep the values, not the support.
            dst.copy_from_slice(src);
            self.known = false;
        }
    }
}

/// A `(rows, cols)` array of `value`, allocated fallibly: a size that cannot be had is
/// an [`Error::InvalidParameter`] on `param`, not an abort.
pub(crate) fn filled(
    component: &str,
    param: &str,
    (rows, cols): (usize, usize),
    value: f32,
) -> Result<ndarray::Array2<f32>> {
    let too_big = || {
        Error::param(
            component,
            param,
            format!("({rows}, {cols})"),
            "is too large to allocate",
        )
    };
    let n = rows
        .checked_mul(cols)
        .filter(|&n| n <= isize::MAX as usize / 4)
        .ok_or_else(too_big)?;
    let mut v: Vec<f32> = Vec::new();
    v.try_reserve_exact(n).map_err(|_| too_big())?;
    advise_huge_pages(v.as_mut_ptr().cast(), n * 4);
    v.resize(n, value);
    Ok(ndarray::Array2::from_shape_vec((rows, cols), v).expect("length matches the shape"))
}

/// A component name that is non-empty and free of the path separator `:`.
pub(crate) fn valid_name(name: &str) -> Result<String> {
    if name.is_empty()
        || name.contains([':', '/', '\\'])
        || name.starts_with('.')
        || name.chars().any(char::is_control)
    {
        Err(Error::param(
            name,
            "name",
            format!("{name:?}"),
            "must be non-empty, contain no `:`, `/`, `\\` or control character (NUL, \
             newline, ...), and not start with `.` (it names the component's files)",
        ))
    } else {
        Ok(name.to_string())
    }
}

/// One entry of a class's own saved form ([`Component::own_saved_form`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OwnEntry {
    /// The npz entry's name.
    pub name: &'static str,
    /// Its value: the shape of compartment `like`, or one row of it.
    pub value: Array2<f32>,
    /// The compartment it is shaped (and split across ranks) like.
    pub like: usize,
}

/// [`advise_huge_pages`] over a vector's whole capacity, before its pages are first
/// written: a large synapse's entries, read at random each step, then miss the TLB
/// far less often.
pub(crate) fn advise_huge_capacity<T>(v: &mut Vec<T>) {
    advise_huge_pages(
        v.as_mut_ptr().cast(),
        v.capacity() * std::mem::size_of::<T>(),
    );
}

/// Asks the kernel to back a large buffer with 2 MiB pages (transparent huge pages in
/// `madvise` mode): a 40 MB weight matrix then costs 20 page faults, not 10,000.
pub(crate) fn advise_huge_pages(ptr: *mut u8, len: usize) {
    const HUGE: usize = 2 << 20;
    #[cfg(target_os = "linux")]
    if len >= 2 * HUGE {
        let start = (ptr as usize).next_multiple_of(HUGE);
        let end = (ptr as usize + len) / HUGE * HUGE;
        if end > start {
            // SAFETY: the range lies inside an allocation this function's caller owns;
            // MADV_HUGEPAGE changes how pages are backed, never their contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    let _ = (ptr, len);
}
