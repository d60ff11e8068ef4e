//! `.npz` files as numpy's `savez` writes them: a zip of `.npy` arrays.
//!
//! Reading is defensive: each entry is read into memory with a size limit and viewed
//! in place (the header's shape is checked against the bytes actually present before
//! anything is allocated for it), and every failure is an [`Error::Format`] naming the
//! file and entry.

use crate::error::{Error, Result};
use ndarray::{ArrayD, ArrayViewD};
use ndarray_npy::{NpzWriter, ViewNpyError, ViewNpyExt};
use std::io::Read;
use std::path::Path;

/// Largest entry read from an npz file (1 GiB).
pub const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// One array of an npz file, in one of the dtypes ngclearn saves.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyArray {
    /// `float32` (states, weights).
    F32(ArrayD<f32>),
    /// `float64` (Python scalars).
    F64(ArrayD<f64>),
    /// `uint32` (PRNG keys).
    U32(ArrayD<u32>),
}

impl NpyArray {
    /// numpy's name for the dtype.
    pub fn dtype(&self) -> &'static str {
        match self {
            NpyArray::F32(_) => "float32",
            NpyArray::F64(_) => "float64",
            NpyArray::U32(_) => "uint32",
        }
    }

    /// The array's shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            NpyArray::F32(a) => a.shape(),
            NpyArray::F64(a) => a.shape(),
            NpyArray::U32(a) => a.shape(),
        }
    }
}

fn view<'a, T: ndarray_npy::ViewElement>(
    bytes: &'a [u8],
) -> std::result::Result<ArrayViewD<'a, T>, ViewNpyError> {
    ArrayViewD::<T>::view_npy(bytes)
}

/// Parses one `.npy` entry.
fn parse_npy(bytes: &[u8]) -> std::result::Result<NpyArray, String> {
    let f32_err = match view::<f32>(bytes) {
        Ok(a) => return Ok(NpyArray::F32(a.to_owned())),
        Err(e) => e,
    };
    if !matches!(f32_err, ViewNpyError::WrongDescriptor(_)) {
        return Err(f32_err.to_string());
    }
    match view::<f64>(bytes) {
        Ok(a) => return Ok(NpyArray::F64(a.to_owned())),
        Err(ViewNpyError::WrongDescriptor(_)) => {}
        Err(e) => return Err(e.to_string()),
    }
    match view::<u32>(bytes) {
        Ok(a) => Ok(NpyArray::U32(a.to_owned())),
        Err(ViewNpyError::WrongDescriptor(d)) => Err(format!(
            "unsupported dtype {d} (float32, float64 or uint32 expected)"
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// Reads every array of the npz file at `path`, in file order, as `(name, array)`.
pub fn read_npz(path: &Path) -> Result<Vec<(String, NpyArray)>> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| Error::Io {
        path: shown.to_string(),
        message: e.to_string(),
    })?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| {
        Error::format(
            &shown,
            "(archive)",
            format!("not a valid npz (zip) file: {e}"),
        )
    })?;
    let mut out = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| Error::format(&shown, format!("(entry {i})"), e.to_string()))?;
        let name = entry.name().to_string();
        let Some(field) = name.strip_suffix(".npy") else {
            return Err(Error::format(&shown, name, "not a .npy entry"));
        };
        let field = field.to_string();
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(Error::format(
                &shown,
                field,
                format!(
                    "entry of {} bytes exceeds the {MAX_ENTRY_BYTES}-byte limit",
                    entry.size()
                ),
            ));
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        (&mut entry)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::format(&shown, &field, format!("cannot read: {e}")))?;
        if bytes.len() as u64 > MAX_ENTRY_BYTES {
            return Err(Error::format(&shown, field, "entry exceeds the size limit"));
        }
        if out.iter().any(|(n, _)| *n == field) {
            return Err(Error::format(&shown, field, "appears twice"));
        }
        let array = parse_npy(&bytes).map_err(|m| Error::format(&shown, &field, m))?;
        out.push((field, array));
    }
    Ok(out)
}

/// Writes `arrays` as an uncompressed npz file at `path` (as `numpy.savez`).
pub fn write_npz(path: &Path, arrays: &[(String, NpyArray)]) -> Result<()> {
    let io = |e: &dyn std::fmt::Display| Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::create(path).map_err(|e| io(&e))?;
    let mut npz = NpzWriter::new(file);
    for (name, a) in arrays {
        match a {
            NpyArray::F32(a) => npz.add_array(name.as_str(), a),
            NpyArray::F64(a) => npz.add_array(name.as_str(), a),
            NpyArray::U32(a) => npz.add_array(name.as_str(), a),
        }
        .map_err(|e| io(&e))?;
    }
    npz.finish().map_err(|e| io(&e))?;
    Ok(())
}
