//! What the default run (the tutorial's E-I circuit) records for its figures, in
//! memory that does not grow with the number of steps: min/max envelopes of
//! `post_exc:v` and of both synapses' `g_syn`, and per-bucket spike counts and
//! occupancy of the three populations (see [`super::decimate`]).

use super::decimate::{Buckets, Envelope, SpikeBuckets, BUCKETS};
use super::draw::{tick_label, Band, Lane, Panel, PanelKind, Raster, Series, Stack, Tick, Traces};
use super::{axis_start, duration, prepare_all, time_unit, FigureArgs, EXC, INH, POST};
use ngclearn::io::replace::PendingFile;
use ngclearn::prelude::*;
use plotters::style::RGBColor;
use std::path::Path;
use std::result::Result;

/// The main figure's default size in pixels (at 150 dpi, 6.7 x 7.7 in).
const DEFAULT_PX: (u32, u32) = (1000, 1150);

/// A population of the raster.
struct Pop {
    name: &'static str,
    source: CompartmentRef,
    spikes: SpikeBuckets,
}

/// The default run's recorder.
pub struct EiTrace {
    v: CompartmentRef,
    g: [CompartmentRef; 2],
    buckets: Buckets,
    v_env: Envelope,
    g_env: [Envelope; 2],
    pops: [Pop; 3],
    thr: f32,
    /// The cell's threshold moves (then the line is its base, and says so).
    thr_adapts: bool,
    /// `(tau_decay, syn_rest)` of Wexc and Winh, for the legend.
    synapses: [(Option<f64>, Option<f64>); 2],
    buf: Vec<f32>,
}

impl EiTrace {
    /// The compartments the figure reads (held whole on every rank across MPI ranks).
    pub const PATHS: [&'static str; 6] = [
        "pre_exc:outputs",
        "pre_inh:outputs",
        "post_exc:s",
        "post_exc:v",
        "Wexc:g_syn",
        "Winh:g_syn",
    ];

    /// Resolves the circuit's compartments, each where `whole` says it can be read whole
    /// (its mirror, for a model partitioned across ranks); `steps` sets the bucket
    /// width.
    pub fn new(m: &Model, steps: usize, whole: &dyn Fn(&str) -> String) -> Result<EiTrace, String> {
        let c = |p: &str| m.compartment(&whole(p)).map_err(|e| e.to_string());
        let shape = |r: CompartmentRef| m.shape_of(r).map_err(|e| e.to_string());
        let thr = m
            .component_as::<LIFCell>("post_exc")
            .map_or(-55.0, |l| l.params().thr);
        // The tutorial's cell has a fixed threshold; should it adapt, a line at `thr`
        // is not where it spikes, and the figure and a warning say so.
        let threshold = m
            .components()
            .find(|c| c.name() == "post_exc")
            .and_then(crate::threshold::of);
        let thr_adapts = threshold.as_ref().is_some_and(|t| t.fixed().is_none());
        if let Some(crate::threshold::Threshold::Adapts { why, record, .. }) = &threshold {
            eprintln!(
                "ngc: warning: the line drawn on post_exc:v is its base threshold thr; its threshold adapts ({why}; {record})"
            );
        }
        let buckets = Buckets::new(steps, BUCKETS);
        let pop = |name: &'static str, path: &str| -> Result<Pop, String> {
            let r = c(path)?;
            let (b, u) = shape(r)?;
            Ok(Pop {
                name,
                source: r,
                spikes: SpikeBuckets::new(buckets, b * u),
            })
        };
        let pops = [
            pop("pre_exc", "pre_exc:outputs")?,
            pop("pre_inh", "pre_inh:outputs")?,
            pop("post_exc", "post_exc:s")?,
        ];
        let mut width = 1;
        for r in pops.iter().map(|p| Ok(p.source)).chain(
            ["post_exc:v", "Wexc:g_syn", "Winh:g_syn"]
                .iter()
                .map(|p| c(p)),
        ) {
            let (b, u) = shape(r?)?;
            width = width.max(b * u);
        }
        let kw = |name: &str| {
            let k = m
                .components()
                .find(|c| c.name() == name)
                .map(|c| c.kwargs());
            let get = |key: &str| k.as_ref().and_then(|k| k.get(key)).and_then(|v| v.as_f64());
            (get("tau_decay"), get("syn_rest"))
        };
        Ok(EiTrace {
            v: c("post_exc:v")?,
            g: [c("Wexc:g_syn")?, c("Winh:g_syn")?],
            buckets,
            v_env: Envelope::new(buckets),
            g_env: [Envelope::new(buckets), Envelope::new(buckets)],
            pops,
            thr,
            thr_adapts,
            synapses: [kw("Wexc"), kw("Winh")],
            buf: vec![0.0; width],
        })
    }

    /// Records step `k` (first row, first post-synaptic cell for the traces; every
    /// cell for the spikes). Allocation-free.
    pub fn push(&mut self, m: &mut Model, k: usize) -> ngclearn::Result<()> {
        let buf = &mut self.buf;
        let mut first = |m: &mut Model, r: CompartmentRef| -> ngclearn::Result<f32> {
            if let Some(a) = m.view(r)? {
                return Ok(a.iter().next().copied().unwrap_or(f32::NAN));
            }
            let (b, u) = m.shape_of(r)?;
            m.read_into(r, &mut buf[..b * u])?;
            Ok(buf.first().copied().unwrap_or(f32::NAN))
        };
        let v = first(m, self.v)?;
        self.v_env.push(k, v);
        for (e, &r) in self.g_env.iter_mut().zip(&self.g) {
            let g = first(m, r)?;
            e.push(k, g);
        }
        for p in &mut self.pops {
            // Encoders and LIF cells list their spikes: no need to look at every cell.
            if let Some(list) = m.nonzero(p.source)? {
                for &i in list {
                    p.spikes.push(k, i as usize);
                }
            } else {
                let (b, u) = m.shape_of(p.source)?;
                m.read_into(p.source, &mut self.buf[..b * u])?;
                for (i, &x) in self.buf[..b * u].iter().enumerate() {
                    if x != 0.0 {
                        p.spikes.push(k, i);
                    }
                }
            }
        }
        Ok(())
    }

    /// The figure's panels (see [`super`] for the file names), times from
    /// `t0 + k·dt` ms: the raster, the voltage, the conductances and the rates.
    fn panels(&self, t0: f64, dt: f64) -> (Vec<Panel>, String, (f64, f64)) {
        let steps = self.buckets.steps;
        let end = t0 + steps.saturating_sub(1) as f64 * dt;
        let start = axis_start(t0, end);
        let (x_label, div) = time_unit(start, end);
        let time = Time { t0, dt, div };
        let mut panels = vec![
            self.raster_panel(time),
            self.voltage_panel(time),
            self.conductance_panel(time),
        ];
        panels.extend(self.rate_panels(time, end - start));
        (panels, x_label.to_string(), (start / div, end / div))
    }

    /// The ticks of a population's spikes: a tick over each run of buckets with a
    /// spike, one row per cell.
    fn ticks(&self, s: &SpikeBuckets, time: Time) -> Vec<Tick> {
        let mut out = Vec::new();
        for r in 0..s.rows() {
            for (a, b) in s.runs(r) {
                let (first, _) = self.buckets.span(a);
                let (last, n) = self.buckets.span(b);
                out.push(Tick {
                    x0: time.x(first as f64),
                    x1: time.x((last + n.max(1) - 1) as f64),
                    row: r,
                });
            }
        }
        out
    }

    /// The raster of the three populations, one band each.
    fn raster_panel(&self, time: Time) -> Panel {
        let bucket_ms = self.buckets.width as f64 * time.dt;
        let title = if self.buckets.width > 1 {
            format!(
                "Spike raster (a tick marks \u{2265}1 spike within {})",
                duration(bucket_ms)
            )
        } else {
            "Spike raster".to_string()
        };
        Panel {
            title,
            weight: 1.5,
            kind: PanelKind::Raster(Raster {
                bands: self
                    .pops
                    .iter()
                    .zip(COLORS)
                    .map(|(p, color)| Band {
                        name: p.name.to_string(),
                        color,
                        rows: p.spikes.rows(),
                        numbered: false,
                        ticks: self.ticks(&p.spikes, time),
                    })
                    .collect(),
            }),
        }
    }

    /// The post-synaptic cell's membrane potential with its threshold, its spikes in
    /// a lane above.
    fn voltage_panel(&self, time: Time) -> Panel {
        let post = &self.pops[2].spikes;
        Panel {
            title: "Membrane potential of post_exc".into(),
            weight: 1.0,
            kind: PanelKind::Traces(Traces {
                y_label: "v (mV)".into(),
                series: vec![Series {
                    name: "v".into(),
                    color: POST,
                    points: time.envelope(&self.v_env),
                    right: false,
                    legend: true,
                }],
                hline: Some((
                    self.thr as f64,
                    format!(
                        "{}threshold ({} mV)",
                        if self.thr_adapts { "base " } else { "" },
                        tick_label(self.thr as f64, 0)
                    ),
                )),
                lane: Some(Lane {
                    label: "spikes".into(),
                    color: POST,
                    ticks: self
                        .ticks(post, time)
                        .iter()
                        .map(|t| (t.x0, t.x1))
                        .collect(),
                }),
                y2_label: None,
                from_zero: false,
                marks: vec![],
            }),
        }
    }

    /// Both synapses' conductances onto the post-synaptic cell.
    fn conductance_panel(&self, time: Time) -> Panel {
        let series = |name: &str, k: usize, color| Series {
            name: synapse_name(name, self.synapses[k]),
            color,
            points: time.envelope(&self.g_env[k]),
            right: false,
            legend: true,
        };
        Panel {
            title: "Synaptic conductance onto post_exc (dimensionless)".into(),
            weight: 0.8,
            kind: PanelKind::Traces(Traces {
                // ngclearn gives g_syn_bar no unit: g_syn is a dimensionless multiple of it.
                y_label: "g_syn".into(),
                series: vec![series("Wexc", 0, EXC), series("Winh", 1, INH)],
                hline: None,
                lane: None,
                y2_label: None,
                from_zero: true,
                marks: vec![],
            }),
        }
    }

    /// The populations' rates over a run of `span` ms: one panel, or two when the
    /// post-synaptic rate is of another order than the inputs'.
    fn rate_panels(&self, time: Time, span: f64) -> Vec<Panel> {
        let sigma_ms = kernel_sigma(self.buckets.width as f64 * time.dt, span);
        let rates: Vec<Vec<(f64, f64)>> = self
            .pops
            .iter()
            .map(|p| {
                p.spikes
                    .rate(time.dt, sigma_ms / time.dt)
                    .into_iter()
                    .map(|(k, hz)| (time.x(k), hz))
                    .collect()
            })
            .collect();
        let peak = |r: &[(f64, f64)]| r.iter().map(|p| p.1).fold(0.0, f64::max);
        let pre_peak = peak(&rates[0]).max(peak(&rates[1]));
        let post_peak = peak(&rates[2]);
        // A post-synaptic rate of another order than the inputs' gets a panel of its
        // own (not a second axis, whose scale would invite comparing the curves).
        let own_panel = pre_peak > 0.0
            && post_peak > 0.0
            && (post_peak > 3.0 * pre_peak || post_peak * 3.0 < pre_peak);
        let kernel = format!("Gaussian kernel, \u{3c3} = {}", duration(sigma_ms));
        let mut series: Vec<Series> = self
            .pops
            .iter()
            .zip(COLORS)
            .zip(rates)
            .map(|((p, color), points)| Series {
                name: p.name.to_string(),
                color,
                points,
                right: false,
                legend: true,
            })
            .collect();
        if own_panel {
            let post = series.pop().expect("three populations");
            vec![
                rate_panel(
                    format!("Population rate per cell of the inputs ({kernel})"),
                    series,
                    0.6,
                ),
                rate_panel(format!("Rate of {} ({kernel})", post.name), vec![post], 0.6),
            ]
        } else {
            vec![rate_panel(
                format!("Population rate per cell ({kernel})"),
                series,
                0.8,
            )]
        }
    }

    /// Draws the figures for `out`: `ei_circuit.FORMAT` (all panels) and `raster`,
    /// `voltage`, `conductance`, `rates` (one panel each), in every format of `fig`,
    /// into hidden files that the caller commits with the run's other outputs.
    pub fn plot(
        &self,
        out: &Path,
        t0: f32,
        dt: f32,
        fig: &FigureArgs,
    ) -> Result<Vec<PendingFile>, String> {
        fig.check()?;
        let (panels, x_label, x_range) = self.panels(t0 as f64, dt as f64);
        let page = fig.page(DEFAULT_PX);
        let main = Stack {
            panels,
            x_label: x_label.clone(),
            x_range,
            letters: true,
        };
        // The same panels one per figure (built again: a panel owns its data), the rates
        // (one or two panels) together.
        let names = ["raster", "voltage", "conductance", "rates"];
        let mut again = self.panels(t0 as f64, dt as f64).0.into_iter();
        let mut singles: Vec<Stack> = Vec::with_capacity(names.len());
        for _ in 0..3 {
            singles.push(Stack {
                panels: again.next().into_iter().collect(),
                x_label: x_label.clone(),
                x_range,
                letters: false,
            });
        }
        let rates: Vec<Panel> = again.collect();
        let letters = rates.len() > 1;
        singles.push(Stack {
            panels: rates,
            x_label: x_label.clone(),
            x_range,
            letters,
        });
        let mut figures = vec![(out.join("ei_circuit"), &main, page)];
        for (s, name) in singles.iter().zip(names) {
            figures.push((out.join(name), s, page.single()));
        }
        prepare_all(&figures, &fig.format)
    }
}

/// The populations' colours, in the order of `EiTrace::pops`.
const COLORS: [RGBColor; 3] = [EXC, INH, POST];

/// The figure's time axis: step `k` at `t0 + k·dt` ms, in units of `div` ms.
#[derive(Clone, Copy)]
struct Time {
    t0: f64,
    dt: f64,
    div: f64,
}

impl Time {
    /// Where step `step` is on the axis.
    fn x(&self, step: f64) -> f64 {
        (self.t0 + step * self.dt) / self.div
    }

    /// An envelope's polyline over the axis.
    fn envelope(&self, e: &Envelope) -> Vec<(f64, f64)> {
        e.polyline()
            .into_iter()
            .map(|(k, v)| (self.x(k), v))
            .collect()
    }
}

/// A synapse's legend name with its kernel and reversal potential, e.g.
/// "Wexc (τ = 2 ms, E = 0 mV)".
fn synapse_name(name: &str, (tau, rest): (Option<f64>, Option<f64>)) -> String {
    let mut parts = Vec::new();
    if let Some(t) = tau {
        parts.push(format!("\u{3c4} = {}", duration(t)));
    }
    if let Some(e) = rest {
        parts.push(format!("E = {} mV", tick_label(e, 0)));
    }
    if parts.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({})", parts.join(", "))
    }
}

/// The rates' Gaussian kernel width (ms): 10 ms, wider for long runs (1/200 of the
/// `span`, at least two buckets of `bucket_ms`) so that the curves stay readable,
/// rounded to two significant digits for the title.
fn kernel_sigma(bucket_ms: f64, span: f64) -> f64 {
    let sigma_ms = (2.0 * bucket_ms).max(span / 200.0).max(10.0);
    let mag = 10f64.powf(sigma_ms.log10().floor() - 1.0);
    (sigma_ms / mag).round() * mag
}

/// A panel of rates (Hz from zero).
fn rate_panel(title: String, series: Vec<Series>, weight: f64) -> Panel {
    Panel {
        title,
        weight,
        kind: PanelKind::Traces(Traces {
            y_label: "rate (Hz)".into(),
            series,
            hline: None,
            lane: None,
            y2_label: None,
            from_zero: true,
            marks: vec![],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ngclearn::models::ei_alpha::EiAlpha;
    use ngclearn::utils::alloc_counter::{allocations_here, CountingAllocator};

    #[global_allocator]
    static COUNTER: CountingAllocator = CountingAllocator;

    #[test]
    fn recording_a_step_does_not_allocate_and_memory_is_fixed() {
        let mut m = EiAlpha::default().build().unwrap();
        let adv = m.advance_process().unwrap();
        let steps = 3000;
        let mut tr = EiTrace::new(&m, steps, &|p| p.to_string()).unwrap();
        let mut counted = 0;
        for k in 0..steps {
            m.run(adv, (k + 1) as f32 * 0.1, 0.1).unwrap();
            let before = allocations_here();
            tr.push(&mut m, k).unwrap();
            counted += allocations_here() - before;
        }
        assert_eq!(counted, 0, "allocations in EiTrace::push");
        assert!(tr.pops[0].spikes.total() > 0 && tr.pops[2].spikes.total() > 0);
        // The recorder's size is set by the buckets, not the steps.
        let long = EiTrace::new(&m, 1_000_000_000, &|p| p.to_string()).unwrap();
        assert!(long.buckets.count <= BUCKETS);
        assert_eq!(long.v_env.polyline().len(), 0);
    }
}
