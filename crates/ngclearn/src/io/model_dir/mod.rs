//! ngclearn's saved-model directories (`Context.save_to_json` / `Context.load`).
//!
//! ```text
//! DIR/contextData.json          {"types": ["component", "process"], "path": NAME}
//! DIR/component/roots.json      {COMPONENT: {"args", "kwargs", "modulePath"}}
//! DIR/component/custom/C.npz    every non-wired compartment of C (key: uint32[2])
//! DIR/process/roots.json        {PROCESS: {"args", "kwargs", "method_order", "watch_list", "modulePath"}}
//! DIR/connections.json          {"NAME:c:x": "NAME:d:y" | {"modulePath": ...Summation, "compartments": [...]}}
//! ```
//! Loading restores the saved state as it is (no reset) and is all-or-nothing: the
//! whole directory is read and checked before a [`Model`](crate::core::context::Model) is returned, and every
//! problem is a typed error naming the file and the field. Saving writes the same
//! format into a hidden sibling directory and moves it into place
//! ([`crate::io::replace`]): a failed or interrupted save leaves the old directory
//! whole, and only a directory that holds nothing but a saved model is replaced.
//!
//! # What loading accepts
//! A hostile or damaged directory must not hang, abort or take more memory than the
//! model it describes, nor load with values ngclearn would not have written:
//! * Every file is opened only if it is a regular file (a FIFO would block, a device
//!   never end); JSON is at most [`MAX_TEXT_BYTES`](crate::io::json::MAX_TEXT_BYTES), and an object that names a key
//!   twice is an error naming the key (serde_json, like Python's `json`, would keep
//!   the last silently).
//! * A component's npz is checked before the component is built: its entries must be
//!   exactly ngclearn's (every compartment that is not wired, plus `key`: an unknown,
//!   wired, missing or repeated entry is an error), and each entry's declared size and
//!   npy header (a few bytes, inflated alone) must fit the shape the `roots.json`
//!   arguments imply. So a wrong shape fails with little memory, a zip bomb is never
//!   inflated, and the data is then streamed straight into the component's arrays.
//! * Saved state may hold NaN or infinity: ngclearn saves the state of a run that
//!   diverged as it is, and a user must be able to load and inspect it. Such values
//!   load as saved, with one warning ([`crate::warning`]) naming the file, the
//!   compartment and the first such element. Parameters (`roots.json`'s arguments)
//!   must be finite.
//! * `connections.json` is required: ngcsimlib 3.1's `save_to_json` always writes it
//!   (`{}` when nothing is wired) and its `load` opens it unconditionally.
//!   `component/roots.json` and `process/roots.json` are read exactly when
//!   `contextData.json`'s `types` lists them, as ngcsimlib does; a file of a type
//!   not listed is an error rather than ignored.
//! * A process whose `method_order` is empty is accepted and runs as a no-op, as in
//!   ngcsimlib (its compiled process then only returns the state). Processes naming an
//!   unknown component or method are errors (ngcsimlib would skip those steps
//!   silently). A process's `args` must name it as its entry does, its `kwargs` must be
//!   empty (`MethodProcess(name)` takes nothing else), and every `watch_list` path must
//!   exist (watched values are what ngclearn's `run` returns; here they are not used).

mod load;
mod save;
mod save_partitioned;

pub use load::{load_model_dir, load_model_dir_partitioned, load_model_dir_with};
pub use save::{check_savable_partitioned, check_save_target, prepare_model_dir, save_model_dir};
pub use save_partitioned::prepare_model_dir_partitioned;

const SUMMATION: &str = "ngcsimlib._src.operations.Summation.Summation";
const PRODUCT: &str = "ngcsimlib._src.operations.Product.Product";
/// An extension: ngcsimlib has no concatenation; the package's class.
const CONCATENATION: &str = "ngclearn_rs.operations.Concatenation";
const METHOD_PROCESS: &str = "ngclearn.MethodProcess";
const JOINT_PROCESS: &str = "ngclearn.JointProcess";

/// The most calls a joint process may make (its children's, joined).
const MAX_JOINT_CALLS: usize = 1 << 20;
