//! The run loop: a process stepped N times with feeds, recorders and spike counters.
//!
//! A [`Simulation`] is what `ngc run` does and what a Python `scan` needs, as a
//! library object. Step `k` (from 0) of [`Simulation::run`]:
//! 1. each fed compartment is set to its source's row `k`;
//! 2. the process runs once with `t = t0 + k·dt` (computed in f64, then rounded to f32),
//!    or with the `(t, dt)` of row `k` of a time table ([`Simulation::set_times`], as a
//!    scan's rows give them);
//! 3. each recorder appends the compartment's value (dense) or its non-zero entries
//!    (spike events), and each counter adds its spikes;
//! 4. the caller's `after_step` sees the model and may stop the run.
//!
//! Recorders write to memory ([`Output::Memory`], stacked per step: the watch list of a
//! scan) or stream through a [`Sink`] (an `.npy` file, flat memory for any length).
//! Feeds come from memory ([`FeedSource::Array`]) or are read one row at a time
//! ([`FeedSource::Rows`]). Everything is checked when it is attached (shapes, wired
//! targets, the same compartment twice), memory sinks reserve their rows before the
//! loop, and the loop itself does not allocate (spike events to memory grow with the
//! number of spikes, amortised).

use crate::core::context::{CompartmentRef, Model, ProcessId};
use crate::core::partition::Columns;
use crate::error::{Error, Result};
use ndarray::{Array3, ArrayView2};

/// Rows read one step at a time, from outside memory (`io::npy::NpyRows` reads a
/// float32 `.npy` file).
pub trait RowSource: std::fmt::Debug + Send {
    /// The whole shape: `(steps, batch, units)`.
    fn shape(&self) -> &[usize];
    /// Reads row `k` (step `k`, `batch × units` values) into `out`.
    fn read_row(&mut self, k: usize, out: &mut [f32]) -> Result<()>;
}

/// Where a feed's rows come from.
#[derive(Debug)]
pub enum FeedSource {
    /// An array of shape `(steps, batch, units)` in memory.
    Array(Array3<f32>),
    /// Rows of that shape, read one per step (an `.npy` file).
    Rows(Box<dyn RowSource>),
}

impl FeedSource {
    fn shape(&self) -> &[usize] {
        match self {
            FeedSource::Array(a) => a.shape(),
            FeedSource::Rows(r) => r.shape(),
        }
    }
}

/// The type of a streamed row's elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// float32 (dense values).
    F32,
    /// int32 (spike events).
    I32,
}

/// A destination for a recorder's rows, one step at a time, outside memory
/// (`io::npy::NpyStream` writes them to an `.npy` file).
pub trait Sink: std::fmt::Debug + Send {
    /// The type of the elements it takes.
    fn element(&self) -> Element;
    /// The shape of one row.
    fn row_shape(&self) -> &[usize];
    /// Appends a float32 row.
    fn push_f32(&mut self, row: &[f32]) -> Result<()>;
    /// Appends an int32 row.
    fn push_i32(&mut self, row: &[i32]) -> Result<()>;
    /// Ends the stream; what it made (`io::npy::NpyStream`: the file, written under a
    /// hidden name, to be committed with the run's other outputs).
    fn close(self: Box<Self>) -> Result<Box<dyn std::any::Any + Send>>;
}

/// Where a recorder's values go.
#[derive(Debug)]
pub enum Output {
    /// Kept in memory: dense values stacked as `(steps, batch, units)`, spike events
    /// as rows `(step, row, unit)`.
    Memory,
    /// Streamed (an `.npy` file): float32 `(steps, batch, units)` for dense values;
    /// int32 rows `(step, unit)`, or `(step, row, unit)` when the batch has more than
    /// one row, for spike events.
    Stream(Box<dyn Sink>),
}

/// What a recorder keeps of its compartment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// The whole value after every step.
    Dense,
    /// The non-zero entries (spikes) after every step.
    Spikes,
}

/// A recorder's handle, to read its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecorderId(usize);

impl RecorderId {
    /// The recorder's place in [`Simulation::finish`]'s list (the order of attaching).
    pub fn index(self) -> usize {
        self.0
    }
}

/// A spike counter's handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterId {
    sim: u64,
    index: usize,
}

/// What the caller's step hook asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Run the next step.
    Continue,
    /// Stop after this step.
    Stop,
}

#[derive(Debug)]
struct Feed {
    target: CompartmentRef,
    source: FeedSource,
    shape: (usize, usize),
    buf: Vec<f32>,
    /// For a block of a partitioned model: the columns of the source's rows it takes,
    /// and a row of the source.
    columns: Option<(Columns, Vec<f32>)>,
}

#[derive(Debug)]
struct Recorder {
    source: CompartmentRef,
    /// Whether `source` is wired (read through its wire) or the component's own.
    wired: bool,
    path: String,
    what: Recording,
    shape: (usize, usize),
    sink: Output,
    buf: Vec<f32>,
    dense: Vec<f32>,
    events: Vec<[i32; 3]>,
    steps: usize,
}

#[derive(Debug)]
struct Counter {
    source: CompartmentRef,
    /// As [`Recorder::wired`].
    wired: bool,
    buf: Vec<f32>,
    spikes: u64,
}

/// A process stepped with feeds, recorders and spike counters (see the module doc).
#[derive(Debug)]
pub struct Simulation {
    process: ProcessId,
    t0: f32,
    /// `(t, dt)` per step, when given (instead of `t0 + k·dt`).
    times: Option<Vec<(f32, f32)>>,
    dt: f32,
    feeds: Vec<Feed>,
    recorders: Vec<Recorder>,
    counters: Vec<Counter>,
    done: usize,
    /// Process-unique, so that a counter's handle is only read where it was made.
    id: u64,
}

/// What a finished recorder holds.
#[derive(Debug)]
pub enum Recorded {
    /// Dense values, `(steps, batch, units)`.
    Dense(Array3<f32>),
    /// Spike events, rows `(step, row, unit)`.
    Spikes(Vec<[i32; 3]>),
    /// What a closed stream made ([`Sink::close`]).
    Closed(Box<dyn std::any::Any + Send>),
}

impl Recorded {
    /// What a closed stream made, as the type its sink makes
    /// (`io::npy::NpyStream`: a `PendingFile`); `None` for a result in memory or of
    /// another type.
    pub fn closed<T: 'static>(self) -> Option<T> {
        match self {
            Recorded::Closed(made) => made.downcast::<T>().ok().map(|t| *t),
            _ => None,
        }
    }
}

impl Simulation {
    /// Steps `process` of `model` with step `dt` ms, the first at time `t0`. The
    /// simulation belongs to `model` (or a copy of it): attaching compartments and
    /// running are given that model and handles of it, and refuse another
    /// ([`Error::ForeignHandle`]), so a run never starts on a model whose handles
    /// it does not hold.
    pub fn new(model: &Model, process: ProcessId, t0: f32, dt: f32) -> Result<Simulation> {
        model.process_name(process)?;
        if !(dt.is_finite() && dt > 0.0) {
            return Err(Error::InvalidTimeStep { dt });
        }
        if !t0.is_finite() {
            return Err(Error::InvalidTime { t: t0 });
        }
        Ok(Simulation {
            process,
            t0,
            times: None,
            dt,
            feeds: Vec::new(),
            recorders: Vec::new(),
            counters: Vec::new(),
            done: 0,
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        })
    }

    /// Sets `target` from `source` before every step: `source` has shape
    /// `(n, batch, units)` with `(batch, units)` the target's, and at least as many rows
    /// as the run has steps (checked by [`Simulation::run`]).
    pub fn feed(
        &mut self,
        model: &Model,
        target: CompartmentRef,
        source: FeedSource,
    ) -> Result<()> {
        self.feed_columns(model, target, source, None)
    }

    /// As [`Simulation::feed`], for `target`, this rank's block (`columns`) of a
    /// compartment split across ranks ([`crate::core::partition`]): `source` is as wide
    /// as the whole, `(n, batch, columns.width)`, and each step sets the block's columns
    /// of its row. `None` feeds the whole compartment.
    pub fn feed_columns(
        &mut self,
        model: &Model,
        target: CompartmentRef,
        source: FeedSource,
        columns: Option<Columns>,
    ) -> Result<()> {
        self.check_model(model)?;
        self.check_not_started("feed")?;
        let path = model.path_of(target)?;
        if model.is_wired(target)? {
            return Err(Error::param(
                &path,
                "feed",
                "wired",
                "cannot be fed: it reads its wire's source (feed the source)",
            ));
        }
        if self.feeds.iter().any(|f| f.target == target) {
            return Err(Error::param(&path, "feed", "twice", "is fed once only"));
        }
        let (b, u) = model.shape_of(target)?;
        let whole = match &columns {
            Some(c) if c.cols.len() == u && c.cols.end <= c.width => c.width,
            Some(c) => {
                return Err(Error::param(
                    &path,
                    "feed",
                    format!("{:?} of {}", c.cols, c.width),
                    &format!("is not a block of columns as wide as the compartment ({u})"),
                ))
            }
            None => u,
        };
        let shape = source.shape();
        if shape.len() != 3 || shape[1..] != [b, whole] {
            return Err(Error::ShapeMismatch {
                path,
                expected: vec![shape.first().copied().unwrap_or(0), b, whole],
                got: shape.to_vec(),
                context: " (a feed: steps, batch, units)".into(),
            });
        }
        self.feeds.push(Feed {
            target,
            source,
            shape: (b, u),
            buf: vec![0.0; b * u],
            columns: columns.map(|c| (c, vec![0.0; b * whole])),
        });
        Ok(())
    }

    /// Records `source` after every step (its whole value, or its spikes) into `sink`.
    /// A stream must have been created with the matching row shape: `(batch, units)`
    /// float32 for [`Recording::Dense`], `(2,)` or `(3,)` int32 for spikes.
    pub fn record(
        &mut self,
        model: &Model,
        source: CompartmentRef,
        what: Recording,
        sink: Output,
    ) -> Result<RecorderId> {
        self.check_model(model)?;
        self.check_not_started("record")?;
        let path = model.path_of(source)?;
        if self
            .recorders
            .iter()
            .any(|r| r.source == source && r.what == what)
        {
            return Err(Error::param(
                &path,
                "record",
                "twice",
                "is recorded once only",
            ));
        }
        let (b, u) = model.shape_of(source)?;
        if let Output::Stream(stream) = &sink {
            let (element, row) = match what {
                Recording::Dense => (Element::F32, vec![b, u]),
                Recording::Spikes => (Element::I32, vec![if b > 1 { 3 } else { 2 }]),
            };
            if stream.element() != element || stream.row_shape() != row {
                return Err(Error::param(
                    &path,
                    "record",
                    format!("{:?} rows of {:?}", stream.element(), stream.row_shape()),
                    &format!("needs a stream of {element:?} rows of {row:?}"),
                ));
            }
        }
        self.recorders.push(Recorder {
            source,
            wired: model.is_wired(source)?,
            path,
            what,
            shape: (b, u),
            sink,
            buf: vec![0.0; b * u],
            dense: Vec::new(),
            events: Vec::new(),
            steps: 0,
        });
        Ok(RecorderId(self.recorders.len() - 1))
    }

    /// Counts the spikes (non-zero entries) of `source` over the run.
    pub fn count_spikes(&mut self, model: &Model, source: CompartmentRef) -> Result<CounterId> {
        self.check_model(model)?;
        self.check_not_started("count_spikes")?;
        let (b, u) = model.shape_of(source)?;
        self.counters.push(Counter {
            source,
            wired: model.is_wired(source)?,
            buf: vec![0.0; b * u],
            spikes: 0,
        });
        Ok(CounterId {
            sim: self.id,
            index: self.counters.len() - 1,
        })
    }

    /// `Ok` if `model` is the one the simulation was made for (or a copy of it).
    fn check_model(&self, model: &Model) -> Result<()> {
        model.process_name(self.process).map(|_| ())
    }

    /// Feeds and recorders are attached before the first step, so that every
    /// recording starts at step 0.
    fn check_not_started(&self, what: &str) -> Result<()> {
        if self.done > 0 {
            return Err(Error::param(
                "simulation",
                what,
                self.done,
                "steps were run already: attach before the first run",
            ));
        }
        Ok(())
    }

    /// Spikes counted so far by `id`; `None` for a counter of another simulation.
    pub fn spikes(&self, id: CounterId) -> Option<u64> {
        (id.sim == self.id).then(|| self.counters.get(id.index).map(|c| c.spikes))?
    }

    /// Steps run so far (over every call of [`Simulation::run`]).
    pub fn steps_done(&self) -> usize {
        self.done
    }

    /// The time of step `k`: `t0 + k·dt`, or row `k` of the time table.
    pub fn time_of(&self, k: usize) -> f32 {
        self.step_at(k).0
    }

    /// `(t, dt)` of step `k` (a step past the time table's end has time NaN).
    fn step_at(&self, k: usize) -> (f32, f32) {
        match &self.times {
            Some(rows) => rows.get(k).copied().unwrap_or((f32::NAN, self.dt)),
            None => ((self.t0 as f64 + k as f64 * self.dt as f64) as f32, self.dt),
        }
    }

    /// Gives each step its own `(t, dt)`: step `k` runs at `times[k]` (ngcsimlib's scan
    /// rows). Every time must be finite and every step positive; a run may not go past
    /// the table's end. Set before the first step.
    pub fn set_times(&mut self, times: Vec<(f32, f32)>) -> Result<()> {
        self.check_not_started("set_times")?;
        for &(t, dt) in &times {
            if !(dt.is_finite() && dt > 0.0) {
                return Err(Error::InvalidTimeStep { dt });
            }
            if !t.is_finite() {
                return Err(Error::InvalidTime { t });
            }
        }
        self.times = Some(times);
        Ok(())
    }

    /// Runs up to `steps` more steps, calling `after_step(model, k)` after each (`k`
    /// counts from the first step of the simulation); returns the steps run. Memory
    /// recorders reserve their rows first, so a run too large for memory fails here,
    /// before it starts.
    pub fn run(
        &mut self,
        model: &mut Model,
        steps: usize,
        mut after_step: impl FnMut(&mut Model, usize) -> Result<Flow>,
    ) -> Result<usize> {
        // Every attachment was checked against this model's id: checking the process
        // checks them all, before anything runs.
        self.check_model(model)?;
        let last = self
            .done
            .checked_add(steps)
            .ok_or_else(|| Error::param("simulation", "steps", steps, "is too many"))?;
        if let Some(rows) = &self.times {
            if last > rows.len() {
                return Err(Error::param(
                    "simulation",
                    "steps",
                    last,
                    &format!("go past the time table's {} rows", rows.len()),
                ));
            }
        }
        if !self.time_of(last.saturating_sub(1)).is_finite() {
            return Err(Error::param(
                "simulation",
                "steps",
                steps,
                "take the time past float32's range",
            ));
        }
        let spike_steps = i32::MAX as usize + 1;
        if last > spike_steps && self.recorders.iter().any(|r| r.what == Recording::Spikes) {
            return Err(Error::param(
                "simulation",
                "steps",
                last,
                "is more than spike events can hold (their steps are int32)",
            ));
        }
        for f in &self.feeds {
            let rows = f.source.shape()[0];
            if rows < last {
                return Err(Error::param(
                    &model.path_of(f.target)?,
                    "feed",
                    rows,
                    &format!("has {rows} steps; the run needs {last}"),
                ));
            }
        }
        // With a time table, the run is its rows: memory recorders reserve them all at
        // once (a scan runs in blocks, which would otherwise grow and copy them).
        let planned = match &self.times {
            Some(rows) => rows.len() - self.done,
            None => steps,
        };
        for r in &mut self.recorders {
            if let Output::Memory = r.sink {
                let len = match r.what {
                    Recording::Dense => planned.checked_mul(r.buf.len()),
                    Recording::Spikes => Some(0),
                };
                let fresh = r.dense.capacity() == 0;
                // Amortised: many short runs reserve as one long one does.
                len.and_then(|n| r.dense.try_reserve(n).ok())
                    .ok_or_else(|| {
                        Error::param(
                            &r.path,
                            "record",
                            steps,
                            "steps of this compartment do not fit in memory",
                        )
                    })?;
                if fresh {
                    // Backed by huge pages where the system gives them: a recording of
                    // tens of megabytes is then a few page faults, not thousands.
                    let bytes = r.dense.capacity() * std::mem::size_of::<f32>();
                    crate::core::component::advise_huge_pages(r.dense.as_mut_ptr().cast(), bytes);
                }
            }
        }
        let first = self.done;
        for k in first..last {
            for f in &mut self.feeds {
                if let Some((c, full)) = &mut f.columns {
                    // This rank's columns of the whole row.
                    match &mut f.source {
                        FeedSource::Array(a) => {
                            let row = a.index_axis(ndarray::Axis(0), k);
                            for (d, s) in full.iter_mut().zip(row.iter()) {
                                *d = *s;
                            }
                        }
                        FeedSource::Rows(rows) => rows.read_row(k, full)?,
                    }
                    for (dst, src) in f.buf.chunks_mut(c.cols.len()).zip(full.chunks(c.width)) {
                        dst.copy_from_slice(&src[c.cols.clone()]);
                    }
                    let row = ArrayView2::from_shape(f.shape, &f.buf)
                        .expect("the buffer holds the block of one row");
                    model.set_ref(f.target, row)?;
                    continue;
                }
                let row: ArrayView2<f32> = match &mut f.source {
                    FeedSource::Array(a) => a.index_axis(ndarray::Axis(0), k),
                    FeedSource::Rows(rows) => {
                        rows.read_row(k, &mut f.buf)?;
                        ArrayView2::from_shape(f.shape, &f.buf)
                            .expect("the buffer holds one row of the feed")
                    }
                };
                model.set_ref(f.target, row)?;
            }
            let (t, dt) = self.step_at(k);
            model.run(self.process, t, dt)?;
            self.done = k + 1;
            for r in &mut self.recorders {
                r.push(model, k)?;
            }
            for c in &mut self.counters {
                c.spikes += c.count(model)?;
            }
            if after_step(model, k)? == Flow::Stop {
                break;
            }
        }
        Ok(self.done - first)
    }

    /// Ends the simulation, returning what each recorder holds, in the order they were
    /// attached (streams are closed under their hidden names; commit them to put them
    /// in place).
    pub fn finish(self) -> Result<Vec<Recorded>> {
        self.recorders.into_iter().map(Recorder::finish).collect()
    }
}

impl Counter {
    /// The number of non-zero entries of its compartment now (from the component's
    /// spike list where it keeps one, else by reading the value).
    fn count(&mut self, model: &mut Model) -> Result<u64> {
        let nonzero = |v: &[f32]| {
            v.iter()
                .map(|x| u64::from(x.to_bits() << 1 != 0))
                .sum::<u64>()
        };
        if !self.wired {
            if let Some(list) = model.own_nonzero(self.source) {
                return Ok(list.len() as u64);
            }
            if let Some(v) = model.own_value(self.source).as_slice() {
                return Ok(nonzero(v));
            }
        }
        model.read_into(self.source, &mut self.buf)?;
        Ok(nonzero(&self.buf))
    }
}

impl Recorder {
    fn push(&mut self, model: &mut Model, k: usize) -> Result<()> {
        match self.what {
            Recording::Dense => {
                let own = match self.wired {
                    false => model.own_value(self.source).as_slice(),
                    true => None,
                };
                let value = match own {
                    Some(v) => v,
                    None => {
                        model.read_into(self.source, &mut self.buf)?;
                        &self.buf
                    }
                };
                // A compartment that takes any number of rows may have been set with
                // another batch since recording began: its steps no longer stack.
                if value.len() != self.shape.0 * self.shape.1 {
                    return Err(Error::ShapeMismatch {
                        path: self.path.clone(),
                        expected: vec![self.shape.0, self.shape.1],
                        got: vec![value.len() / self.shape.1.max(1), self.shape.1],
                        context: " (set with another batch while recorded)".into(),
                    });
                }
                match &mut self.sink {
                    Output::Memory => self.dense.extend_from_slice(value),
                    Output::Stream(s) => s.push_f32(value)?,
                }
            }
            Recording::Spikes => {
                let (batched, units) = (self.shape.0 > 1, self.shape.1.max(1));
                let step = i32::try_from(k).map_err(|_| {
                    Error::param(&self.path, "record", k, "spike events hold steps as int32")
                })?;
                let push = |sink: &mut Output, events: &mut Vec<[i32; 3]>, i: usize| {
                    let (row, unit) = ((i / units) as i32, (i % units) as i32);
                    match sink {
                        Output::Memory => {
                            events.push([step, row, unit]);
                            Ok(())
                        }
                        Output::Stream(s) if batched => s.push_i32(&[step, row, unit]),
                        Output::Stream(s) => s.push_i32(&[step, unit]),
                    }
                };
                // Spiking components list their spikes: no need to look at every cell.
                let list = match self.wired {
                    false => model.own_nonzero(self.source),
                    true => None,
                };
                if let Some(list) = list {
                    for &i in list {
                        push(&mut self.sink, &mut self.events, i as usize)?;
                    }
                } else {
                    model.read_into(self.source, &mut self.buf)?;
                    for (i, _) in self.buf.iter().enumerate().filter(|(_, &x)| x != 0.0) {
                        push(&mut self.sink, &mut self.events, i)?;
                    }
                }
            }
        }
        self.steps += 1;
        Ok(())
    }

    fn finish(self) -> Result<Recorded> {
        Ok(match (self.sink, self.what) {
            (Output::Stream(s), _) => Recorded::Closed(s.close()?),
            (Output::Memory, Recording::Dense) => {
                let (b, u) = self.shape;
                Recorded::Dense(
                    Array3::from_shape_vec((self.steps, b, u), self.dense)
                        .expect("one row of values per step"),
                )
            }
            (Output::Memory, Recording::Spikes) => Recorded::Spikes(self.events),
        })
    }
}
