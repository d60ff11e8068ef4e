//! The epoch exchange: spikes that reach only delayed synapses cross the ranks once per
//! minimum delay, as NEST and Arbor exchange them, instead of every step.
//!
//! A synapse whose delays are all at least `D` steps delivers an input of step `t` at
//! step `t + D - 1` at the earliest, so it may take its inputs `lag = D - 1` steps late
//! with the same sums ([`Component::set_input_lag`]); the mirror of a population read
//! only by such synapses then gives out the spikes of `lag` steps before, and the ranks
//! exchange the steps each kept once every `D` steps, in one collective. The result is
//! byte-identical to one process.

use super::exchange::Exchange;
use super::plan::{collect_paths, mirror_path};
use crate::core::component::Component;
use crate::core::operations::Source;
use crate::core::process::{Method, Process};

/// The longest epoch is `MAX_LAG + 1` steps: a mirror keeps room for that many steps
/// of its population's spikes, and longer epochs save little more.
pub(super) const MAX_LAG: usize = 15;

/// What the epoch exchange applies to: the synapses that take their inputs `lag` steps
/// late, and the split compartments whose mirror exchanges once per `lag + 1` steps.
#[derive(Debug, Default)]
pub(super) struct Epochs {
    pub(super) lag: usize,
    /// Indices of the synapses (into the model's components).
    pub(super) lagged: Vec<usize>,
    /// The split compartments read only by those synapses.
    pub(super) paths: Vec<String>,
    /// For each of `paths`, whether its owner advances before the synapses that read it
    /// (they then never read its state as it stands before a step: see
    /// `Mirror::with_lag`).
    pub(super) owner_first: Vec<bool>,
}

/// Decides the epoch exchange of a part (the same on every rank: one collective of each
/// synapse's least delay over the ranks). A synapse takes its inputs late when:
/// - it delivers them through delays of at least two steps on every rank, and holds no
///   inputs in flight (a loaded model's, which arrived on time);
/// - its `inputs` are wired from the mirrors of split spike compartments alone (one, or
///   a concatenation of them);
/// - it and the owners of those compartments are called only by `advance_state` and
///   `reset`, each advanced once in the same processes and reset in the same ones (so
///   that a step of one is a step of the others), each owner always before it or always
///   after it (alike for every synapse reading that owner);
/// - nothing else reads its `inputs` (a wire, or the caller asking for them whole);
///
/// and a compartment's mirror exchanges once per epoch when every wire that reads it
/// feeds such a synapse (decided together, until neither changes). The lag is the least
/// delay of those synapses, less one, and at most [`MAX_LAG`].
pub(super) fn plan(
    exchange: &dyn Exchange,
    components: &[&dyn Component],
    wires: &[(String, Source)],
    processes: &[Process],
    mirrored: &[String],
    asked: &[String],
    spikes: &dyn Fn(&str) -> bool,
) -> Epochs {
    let n = components.len();
    let index = |name: &str| components.iter().position(|c| c.name() == name);
    // Each synapse's least delay, over the ranks (0: none, or not a candidate here).
    let mine: Vec<u32> = components
        .iter()
        .map(|c| {
            let held = c
                .in_flight()
                .is_some_and(|f| f.steps.iter().any(|s| !s.is_empty()));
            match c.min_delay() {
                Some(d) if !held && d >= 2 => u32::try_from(d).unwrap_or(u32::MAX),
                _ => 0,
            }
        })
        .collect();
    let mut all = Vec::new();
    exchange.allgather_u32(&mine, &mut all);
    let least = |i: usize| all.chunks(n.max(1)).map(|r| r[i]).min().unwrap_or(0);

    // The candidates: their input wire's split sources, all spikes.
    let owner = |p: &str| p.split_once(':').and_then(|(c, _)| index(c));
    let mut sources: Vec<Option<Vec<String>>> = vec![None; n];
    // Whether each source's owner advances before the synapse that reads it.
    let mut owner_first: Vec<(String, bool)> = Vec::new();
    for (target, source) in wires {
        let Some((comp, "inputs")) = target.split_once(':') else {
            continue;
        };
        let Some(i) = index(comp) else { continue };
        if least(i) < 2 {
            continue;
        }
        let operands: Vec<&Source> = match source {
            Source::Path(_) => vec![source],
            Source::Concatenation(a) => a.iter().collect(),
            _ => continue,
        };
        let mut paths = Vec::new();
        let ok = operands.iter().all(|s| match s {
            Source::Path(p) => match mirrored.iter().find(|m| mirror_path(m) == *p) {
                Some(m) if spikes(m) => {
                    paths.push(m.clone());
                    true
                }
                _ => false,
            },
            _ => false,
        });
        // Its `inputs` read by another (they are `lag` steps late there) keeps it on time.
        let read = wires.iter().any(|(_, s)| {
            let mut ps = Vec::new();
            collect_paths(s, &mut ps);
            ps.contains(target)
        });
        if !ok || read || asked.contains(target) {
            continue;
        }
        if let Some(first) = steps_together(i, &paths, &owner, processes) {
            for (p, f) in paths.iter().zip(first) {
                owner_first.push((p.clone(), f));
            }
            sources[i] = Some(paths);
        }
    }
    // Until neither changes: a mirror is an epoch's when every reader is a candidate,
    // and a candidate stays one when every source is an epoch's.
    let readers = |m: &str| -> Vec<Option<usize>> {
        wires
            .iter()
            .filter(|(_, s)| {
                let mut ps = Vec::new();
                collect_paths(s, &mut ps);
                ps.iter().any(|p| *p == mirror_path(m))
            })
            .map(|(t, _)| match t.split_once(':') {
                Some((c, "inputs")) => index(c),
                _ => None,
            })
            .collect()
    };
    let paths = loop {
        let paths: Vec<String> = mirrored
            .iter()
            .filter(|m| {
                let r = readers(m);
                let sides = owner_first.iter().filter(|(p, _)| p == *m).map(|(_, f)| *f);
                let same_side = sides.clone().all(|f| f) || sides.clone().all(|f| !f);
                !r.is_empty()
                    && same_side
                    && r.iter().all(|c| c.is_some_and(|c| sources[c].is_some()))
            })
            .cloned()
            .collect();
        let mut changed = false;
        for s in sources.iter_mut() {
            if s.as_ref()
                .is_some_and(|ps| ps.iter().any(|p| !paths.contains(p)))
            {
                *s = None;
                changed = true;
            }
        }
        if !changed {
            break paths;
        }
    };
    let lagged: Vec<usize> = (0..n).filter(|&i| sources[i].is_some()).collect();
    let lag = lagged
        .iter()
        .map(|&i| least(i) as usize - 1)
        .min()
        .unwrap_or(0)
        .min(MAX_LAG);
    if lag == 0 {
        return Epochs::default();
    }
    let owner_first = paths
        .iter()
        .map(|p| owner_first.iter().any(|(q, f)| q == p && *f))
        .collect();
    Epochs {
        lag,
        lagged,
        paths,
        owner_first,
    }
}

/// Whether synapse `i` and the owners of `paths` are called only by `advance_state`
/// and `reset`, advanced once each in the same processes and reset in the same ones,
/// each owner always on the same side of the synapse: `Some(owner_first)` for each
/// owner (whether its `advance_state` comes before the synapse's), `None` otherwise.
fn steps_together(
    i: usize,
    paths: &[String],
    owner: &dyn Fn(&str) -> Option<usize>,
    processes: &[Process],
) -> Option<Vec<bool>> {
    let owners = paths
        .iter()
        .map(|p| owner(p))
        .collect::<Option<Vec<usize>>>()?;
    let mut order: Vec<Option<bool>> = vec![None; owners.len()];
    for p in processes.iter().filter(|p| p.children.is_none()) {
        let count = |c: usize, m: Method| {
            p.calls
                .iter()
                .filter(|&&(k, mk, _)| k == c && mk.as_str() == m.as_str())
                .count()
        };
        let others = |c: usize| {
            p.calls
                .iter()
                .any(|&(k, m, _)| k == c && !matches!(m.as_str(), "advance_state" | "reset"))
        };
        let advance_at = |c: usize| {
            p.calls
                .iter()
                .position(|&(k, m, _)| k == c && m.as_str() == "advance_state")
        };
        let (adv, reset) = (count(i, Method::AdvanceState), count(i, Method::Reset) > 0);
        if adv > 1 || others(i) {
            return None;
        }
        for (k, &o) in owners.iter().enumerate() {
            if count(o, Method::AdvanceState) != adv
                || (count(o, Method::Reset) > 0) != reset
                || others(o)
            {
                return None;
            }
            if let (Some(a), Some(b)) = (advance_at(o), advance_at(i)) {
                let first = a < b;
                if order[k].is_some_and(|x| x != first) {
                    return None;
                }
                order[k] = Some(first);
            }
        }
    }
    Some(order.into_iter().map(|x| x.unwrap_or(false)).collect())
}
