//! This rank's part of a description: blocks, mirrors and the wires rewritten to them.

use super::coupling::Ranks;
use super::exchange::Exchange;
use super::layout::{block, Columns, Layout, Part, Partitioned, SavedProcess};
use super::mirror::{Mirror, GATHER, REGATHER, RESTART};
use super::split::{block_splits, refuse_custom_state, scalars, splits, width_of};
use crate::core::component::Component;
use crate::core::context::Context;
use crate::core::operations::Source;
use crate::core::process::Method;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// How a partitioned description splits its components: one [`Part`] per component
/// added so far, in order.
#[derive(Debug)]
pub(crate) struct Plan {
    exchange: Arc<dyn Exchange>,
    pub(crate) parts: Vec<Part>,
}

impl Plan {
    pub(crate) fn new(exchange: Arc<dyn Exchange>) -> Plan {
        Plan {
            exchange,
            parts: Vec::new(),
        }
    }

    /// The block this rank builds alone of an axis `width` wide: only where every
    /// rank's block has at least two columns, so that a `(1, 1)` compartment of a
    /// block is the broadcast form on every rank, never a one-column block.
    pub(crate) fn columns_for(&self, width: usize) -> Option<Columns> {
        let (size, rank) = (self.exchange.size(), self.exchange.rank());
        (size > 1 && width >= 2 * size).then(|| Columns::of_rank(width, size, rank))
    }

    /// The whole width of compartment `idx` of component `comp`, if it is split.
    pub(crate) fn whole_width(&self, comp: usize, idx: usize) -> Option<usize> {
        let p = self.parts.get(comp)?;
        if *p.split.get(idx)? {
            p.width
        } else {
            None
        }
    }

    /// This rank's block of the whole component `c`, and how it was split.
    pub(crate) fn split(&self, c: Box<dyn Component>) -> Result<(Box<dyn Component>, Part)> {
        let (size, rank) = (self.exchange.size(), self.exchange.rank());
        // A population narrower than the number of ranks stays whole on every rank
        // (computed alike on each): so does everything of its width, so that wires
        // between equal widths stay within a rank.
        let width = width_of(&*c).filter(|&w| w >= size);
        let cols = width.map_or(0..0, |w| block(w, size, rank));
        let split = splits(&*c, width);
        let scalar = scalars(&*c);
        refuse_custom_state(&*c, size)?;
        let local = match width {
            None => c,
            Some(w) => {
                let mut local = c.partition(cols.clone()).ok_or_else(|| {
                    Error::param(
                        c.name(),
                        "class",
                        c.schema().class,
                        "cannot be partitioned across ranks yet",
                    )
                })??;
                local.couple(&Ranks::new(
                    &self.exchange,
                    &Columns {
                        width: w,
                        cols: cols.clone(),
                    },
                ));
                local
            }
        };
        let part = Part {
            name: local.name().to_string(),
            width,
            cols,
            split,
            fields: local.schema().compartments.iter().map(|i| i.name).collect(),
            alone: false,
            scalar,
        };
        Ok((local, part))
    }

    /// How the block `c`, built alone as `columns` (see [`Plan::columns_for`]), is split.
    pub(crate) fn block_part(&self, c: &mut dyn Component, columns: &Columns) -> Result<Part> {
        let expected = self.columns_for(columns.width);
        if expected.as_ref() != Some(columns) || width_of(c) != Some(columns.cols.len()) {
            return Err(Error::param(
                c.name(),
                "columns",
                format!("{:?} of {}", columns.cols, columns.width),
                "is not this rank's block of the component (Context::columns_for gives it)",
            ));
        }
        refuse_custom_state(c, self.exchange.size())?;
        c.couple(&Ranks::new(&self.exchange, columns));
        Ok(Part {
            name: c.name().to_string(),
            width: Some(columns.width),
            cols: columns.cols.clone(),
            split: block_splits(c, columns),
            fields: c.schema().compartments.iter().map(|i| i.name).collect(),
            alone: true,
            scalar: scalars(c),
        })
    }
}

/// Builds this rank's part of the partitioned description `ctx`
/// ([`Context::build_partitioned`]): checks that every rank split alike, decides the
/// mirrors (the split compartments a whole one reads, and those asked for `whole`),
/// builds the model with them wired in and gathering after each call of their owners,
/// gathers them once, and keeps the whole model's layout for saving.
pub(crate) fn build_part(ctx: Context, whole: &[&str]) -> Result<Partitioned> {
    // The paths asked for whole, in their `component:compartment` form.
    let asked: Vec<String> = whole
        .iter()
        .filter_map(|p| ctx.parts.resolve_array(p).ok())
        .map(|r| ctx.parts.path(r))
        .collect();
    let Context {
        parts: described,
        wires,
        processes,
        parallelism,
        plan,
        ..
    } = ctx;
    let plan = plan.ok_or_else(|| {
        Error::param(
            &described.name,
            "build_partitioned",
            "whole",
            "the description is not partitioned (Context::partitioned makes one)",
        )
    })?;
    let Plan { exchange, parts } = plan;
    let name = described.name;
    let names: Vec<String> = described
        .components
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let mut locals: Vec<(Box<dyn Component>, Option<crate::core::context::Origin>)> = described
        .components
        .into_iter()
        .zip(described.origins)
        .collect();
    check_same_split(&*exchange, &parts, &name)?;
    // Which compartments are split, and how wide.
    let split = |path: &str| -> Option<usize> {
        let (comp, field) = path.split_once(':')?;
        let i = names.iter().position(|n| n == comp)?;
        let idx = locals[i].0.schema().compartment_index(field)?;
        parts[i].split[idx].then(|| parts[i].width).flatten()
    };
    let Mirrored {
        paths: mirrored,
        read_whole,
        mut wires_here,
    } = mirrored(&asked, &wires, &split)?;

    // Spikes that reach only delayed synapses cross the ranks once per epoch.
    let is_spikes = |path: &str| {
        let Some((comp, field)) = path.split_once(':') else {
            return false;
        };
        let c = names.iter().position(|n| n == comp).map(|i| &locals[i].0);
        c.and_then(|c| {
            let idx = c.schema().compartment_index(field)?;
            Some(c.schema().compartments[idx].spikes)
        })
        .unwrap_or(false)
    };
    let epochs = {
        let comps: Vec<&dyn Component> = locals.iter().map(|(c, _)| &**c).collect();
        super::epoch::plan(
            &*exchange,
            &comps,
            &wires_here,
            &processes,
            &mirrored,
            &asked,
            &is_spikes,
        )
    };
    for &i in &epochs.lagged {
        if !locals[i].0.set_input_lag(epochs.lag) {
            return Err(Error::param(
                &names[i],
                "connect.delay",
                epochs.lag + 1,
                "was found to be its least delay on every rank, but the synapse cannot take \
                 its inputs that late",
            ));
        }
        for (target, source) in wires_here.iter_mut() {
            if target.split_once(':').map(|(c, _)| c) == Some(names[i].as_str()) {
                for p in &epochs.paths {
                    rewrite(source, &mirror_path(p), &epoch_path(p));
                }
            }
        }
    }

    let mut ctx = Context::new(&name);
    ctx.set_parallelism(parallelism);
    let mut mirrors = HashMap::new();
    let mut mirror_comps = Vec::new();
    for p in &mirrored {
        if let Some(k) = epochs.paths.iter().position(|q| q == p) {
            let (comp, m) = mirror_of(p, &names, &locals, &parts, &exchange)?;
            let m = m
                .with_lag(epochs.lag, epochs.owner_first[k])
                .named(&epoch_name(p));
            mirror_comps.push((comp, m.name.clone(), true));
            wires_here.push((format!("{}:local", m.name), Source::Path(p.clone())));
            locals.push((Box::new(m), None));
            if !asked.contains(p) {
                continue;
            }
        }
        let (comp, m) = mirror_of(p, &names, &locals, &parts, &exchange)?;
        mirror_comps.push((comp, m.name.clone(), false));
        mirrors.insert(p.clone(), format!("{}:full", m.name));
        wires_here.push((format!("{}:local", m.name), Source::Path(p.clone())));
        locals.push((Box::new(m), None));
    }
    for (c, origin) in locals {
        ctx.add_with_origin(c, origin)?;
    }
    for (target, source) in wires_here {
        ctx.wire(source, &target)?;
    }
    add_processes_with_gathers(&mut ctx, &processes, &names, &mirror_comps)?;
    // The mirrors start from their owners' state (a loaded model's spikes, say):
    // gathered once, in the same order on every rank.
    let first: Vec<(&str, Method)> = mirror_comps
        .iter()
        .map(|(_, m, epoch)| {
            (
                m.as_str(),
                Method::Named(if *epoch { &RESTART } else { &GATHER }),
            )
        })
        .collect();
    ctx.process(FIRST_GATHER, &first)?;
    // After split compartments were written from outside: every mirror gathers again, an
    // epoch's in place of its newest step.
    let again: Vec<(&str, Method)> = mirror_comps
        .iter()
        .map(|(_, m, epoch)| {
            (
                m.as_str(),
                Method::Named(if *epoch { &REGATHER } else { &GATHER }),
            )
        })
        .collect();
    ctx.process(REGATHER_ALL, &again)?;
    let mut model = ctx.build()?;
    let id = model.process_id(FIRST_GATHER)?;
    model.run(id, 0.0, 1.0)?;
    // The whole model's wires in its order: grouped by target component (as a built
    // model keeps them), in declaration order within each.
    let mut wires = wires;
    wires.sort_by_key(|(t, _)| {
        let comp = t.split_once(':').map_or(t.as_str(), |(c, _)| c);
        names.iter().position(|n| n == comp)
    });
    let processes = processes
        .iter()
        .map(|p| SavedProcess {
            name: p.name.clone(),
            calls: p
                .calls
                .iter()
                .map(|&(i, m, _)| (names[i].clone(), m.as_str()))
                .collect(),
            children: p.children.clone(),
        })
        .collect();
    Ok(Partitioned {
        model,
        layout: Layout {
            name,
            parts,
            mirrors,
            read_whole,
            wires,
            processes,
            exchange,
        },
    })
}

/// Every rank must have split alike, or their collective calls would not match (one
/// collective call).
fn check_same_split(exchange: &dyn Exchange, parts: &[Part], name: &str) -> Result<()> {
    let signature = split_signature(parts);
    let mut all = Vec::new();
    exchange.allgather_u32(&[signature], &mut all);
    match all.iter().position(|&s| s != signature) {
        Some(r) => Err(Error::param(
            name,
            "partition",
            r,
            "rank split the model differently from this one (were they given the same model?)",
        )),
        None => Ok(()),
    }
}

/// The mirrors a part needs, and its wires rewritten to read them.
struct Mirrored {
    /// The split compartments held whole by a mirror: those asked for, and the sources
    /// a whole compartment reads.
    paths: Vec<String>,
    /// Those that a whole compartment reads through a wire.
    read_whole: Vec<String>,
    /// The wires, each split source that a whole target reads replaced by its mirror.
    wires_here: Vec<(String, Source)>,
}

/// Decides the mirrors (`split` gives a path's split width, `None` if whole) and
/// rewrites `wires` to read them; a whole compartment feeding a split one is an error.
fn mirrored(
    asked: &[String],
    wires: &[(String, Source)],
    split: &dyn Fn(&str) -> Option<usize>,
) -> Result<Mirrored> {
    let mut paths: Vec<String> = Vec::new();
    for p in asked {
        if split(p).is_some() && !paths.contains(p) {
            paths.push(p.clone());
        }
    }
    let mut read_whole: Vec<String> = Vec::new();
    let mut wires_here = Vec::with_capacity(wires.len());
    for (target, source) in wires {
        let target_split = split(target);
        if target_split.is_some() && matches!(source, Source::Concatenation(_)) {
            // A block of the target's columns is not the blocks of its operands side by side.
            return Err(Error::param(
                target,
                "wire",
                source.to_string(),
                "a concatenation feeds only a compartment that is not partitioned",
            ));
        }
        let mut sources = Vec::new();
        collect_paths(source, &mut sources);
        let mut rewritten = source.clone();
        for p in sources {
            match (split(&p), target_split) {
                (Some(_), None) => {
                    if !paths.contains(&p) {
                        paths.push(p.clone());
                    }
                    if !read_whole.contains(&p) {
                        read_whole.push(p.clone());
                    }
                    rewrite(&mut rewritten, &p, &mirror_path(&p));
                }
                (None, Some(_)) => {
                    return Err(Error::param(
                        target,
                        "wire",
                        &p,
                        "a whole compartment cannot feed a partitioned one",
                    ))
                }
                _ => {}
            }
        }
        wires_here.push((target.clone(), rewritten));
    }
    Ok(Mirrored {
        paths,
        read_whole,
        wires_here,
    })
}

/// The mirror of the split compartment `path` (`component:compartment`) and the name
/// of its owner.
fn mirror_of(
    path: &str,
    names: &[String],
    locals: &[(Box<dyn Component>, Option<crate::core::context::Origin>)],
    parts: &[Part],
    exchange: &Arc<dyn Exchange>,
) -> Result<(String, Mirror)> {
    let (comp, field) = path.split_once(':').expect("a path");
    let i = names
        .iter()
        .position(|n| n == comp)
        .expect("a split path names a component");
    let c = &locals[i].0;
    let idx = c.schema().compartment_index(field).expect("a compartment");
    let info = &c.schema().compartments[idx];
    let rows = c.array(idx).expect("an array").nrows();
    let width = parts[i].width.expect("split");
    let m = Mirror::new(
        &mirror_name(path),
        rows,
        width,
        info.spikes,
        Arc::clone(exchange),
    )?;
    Ok((comp.to_string(), m))
}

/// The description's processes, each call of a mirror's owner followed by the mirror's
/// gather (in the same order on every rank, so the collectives match); an epoch's
/// mirror restarts after its owner's reset.
fn add_processes_with_gathers(
    ctx: &mut Context,
    processes: &[crate::core::process::Process],
    names: &[String],
    mirror_comps: &[(String, String, bool)],
) -> Result<()> {
    for p in processes {
        if let Some(children) = &p.children {
            let children: Vec<&str> = children.iter().map(String::as_str).collect();
            ctx.joint_process(&p.name, &children)?;
            continue;
        }
        let mut with: Vec<(&str, Method)> = Vec::with_capacity(p.calls.len());
        for &(i, m, _) in &p.calls {
            let c = names[i].as_str();
            with.push((c, m));
            for (owner, mname, epoch) in mirror_comps {
                if owner == c {
                    let restart = *epoch && m.as_str() == "reset";
                    with.push((
                        mname.as_str(),
                        Method::Named(if restart { &RESTART } else { &GATHER }),
                    ));
                }
            }
        }
        ctx.process(&p.name, &with)?;
    }
    Ok(())
}

/// A number every rank computes alike from how it split the model (names, widths,
/// split compartments): FNV-1a.
pub(super) fn split_signature(parts: &[Part]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |b: u8| {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    };
    for p in parts {
        p.name.bytes().for_each(&mut eat);
        eat(0xff);
        for b in (p.width.unwrap_or(0) as u64).to_le_bytes() {
            eat(b);
        }
        p.split.iter().for_each(|&s| eat(s as u8));
    }
    h
}

/// The process that gathers every mirror once, when the model is partitioned.
pub const FIRST_GATHER: &str = "partition.first_gather";

/// The process that gathers every mirror again after split compartments were written
/// from outside ([`Partitioned::gather_mirrors`]).
pub const REGATHER_ALL: &str = "partition.regather";

pub(super) fn mirror_name(path: &str) -> String {
    format!("{}.whole", path.replace(':', "."))
}

pub(super) fn mirror_path(path: &str) -> String {
    format!("{}:full", mirror_name(path))
}

/// The name of the mirror of `path` that exchanges once per epoch.
fn epoch_name(path: &str) -> String {
    format!("{}.epoch", path.replace(':', "."))
}

fn epoch_path(path: &str) -> String {
    format!("{}:full", epoch_name(path))
}

pub(super) fn collect_paths(s: &Source, out: &mut Vec<String>) {
    match s {
        Source::Path(p) => out.push(p.clone()),
        Source::Summation(a) | Source::Product(a) | Source::Concatenation(a) => {
            a.iter().for_each(|x| collect_paths(x, out))
        }
    }
}

pub(super) fn rewrite(s: &mut Source, from: &str, to: &str) {
    match s {
        Source::Path(p) if p == from => *p = to.to_string(),
        Source::Path(_) => {}
        Source::Summation(a) | Source::Product(a) | Source::Concatenation(a) => {
            a.iter_mut().for_each(|x| rewrite(x, from, to))
        }
    }
}
