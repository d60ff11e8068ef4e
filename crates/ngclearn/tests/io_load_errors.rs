//! Every kind of bad saved model gives a typed error naming the file and the field,
//! and loading is all-or-nothing (no model, no panic). Also: mutated files never panic,
//! hostile files (zip bombs, sizes that lie, huge declared shapes, FIFOs) are refused
//! quickly and with little memory, and model files (TOML) are held to the same rules.

mod common;

use common::{fixtures_dir, scratch};
use ndarray::{Array2, ArrayD, IxDyn, ShapeBuilder};
use ngclearn::io::load_model_dir;
use ngclearn::io::model_file::load_model_file;
use ngclearn::io::npz::{read_npz, write_npz, NpyArray};
use ngclearn::prelude::*;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A private copy of the fixture model to break (in the system's temporary directory).
fn copy_model(name: &str) -> PathBuf {
    let src = fixtures_dir().join("models/ei_alpha_tutorial");
    let dst = scratch(&format!("bad_model_{name}"));
    for rel in ["component", "component/custom", "process"] {
        std::fs::create_dir_all(dst.join(rel)).unwrap();
    }
    for rel in [
        "contextData.json",
        "connections.json",
        "component/roots.json",
        "process/roots.json",
    ] {
        std::fs::copy(src.join(rel), dst.join(rel)).unwrap();
    }
    for c in ["Wexc", "Winh", "post_exc", "pre_exc", "pre_inh"] {
        let rel = format!("component/custom/{c}.npz");
        std::fs::copy(src.join(&rel), dst.join(&rel)).unwrap();
    }
    dst
}

fn edit_json(dir: &Path, rel: &str, f: impl FnOnce(&mut serde_json::Value)) {
    let p = dir.join(rel);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

fn format_error(dir: &Path) -> (String, String, String) {
    match load_model_dir(dir) {
        Err(Error::Format {
            path,
            field,
            message,
        }) => (path, field, message),
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn malformed_json() {
    let d = copy_model("json");
    std::fs::write(d.join("component/roots.json"), "{\"Wexc\": {").unwrap();
    match load_model_dir(&d) {
        Err(e @ Error::Syntax { .. }) => {
            let s = e.to_string();
            assert!(
                s.ends_with("component/roots.json: line 1, column 10: malformed JSON: EOF while parsing an object"),
                "{s}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_class_names_it_and_lists_the_supported_ones() {
    let d = copy_model("class");
    edit_json(&d, "component/roots.json", |v| {
        v["Wexc"]["modulePath"] = "ngclearn.components.synapses.noSuchSynapse.NoSuchSynapse".into()
    });
    match load_model_dir(&d) {
        Err(e @ Error::UnknownClass { .. }) => {
            let s = e.to_string();
            assert!(
                s.contains("roots.json")
                    && s.contains("Wexc.modulePath")
                    && s.contains("NoSuchSynapse")
                    && s.contains("alphaSynapse.AlphaSynapse"),
                "{s}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_and_unknown_kwargs() {
    let d = copy_model("missing_kwarg");
    edit_json(&d, "component/roots.json", |v| {
        v["Wexc"]["kwargs"]
            .as_object_mut()
            .unwrap()
            .remove("tau_decay");
    });
    let (_, field, msg) = format_error(&d);
    assert_eq!(
        (field.as_str(), msg.as_str()),
        ("Wexc.kwargs.tau_decay", "missing (required)")
    );

    let d = copy_model("unknown_kwarg");
    edit_json(&d, "component/roots.json", |v| {
        v["post_exc"]["kwargs"]["tau_mm"] = 3.0.into()
    });
    let (_, field, msg) = format_error(&d);
    assert_eq!(field, "post_exc.kwargs.tau_mm");
    assert!(
        msg.contains("unknown argument") && msg.contains("tau_m"),
        "{msg}"
    );

    let d = copy_model("bad_value");
    edit_json(&d, "component/roots.json", |v| {
        v["Winh"]["kwargs"]["tau_decay"] = (-5.0).into()
    });
    let (_, field, msg) = format_error(&d);
    assert!(
        field == "Winh.kwargs" && msg.contains("tau_decay"),
        "{field} {msg}"
    );

    let d = copy_model("bad_type");
    edit_json(&d, "component/roots.json", |v| {
        v["pre_exc"]["kwargs"]["n_units"] = "eighty".into()
    });
    // An argument of the wrong type is its own kind of error (Python: TypeError).
    match load_model_dir(&d) {
        Err(e @ Error::ArgumentType { .. }) => {
            assert_eq!(e.kind(), ngclearn::ErrorKind::WrongType);
            let Error::ArgumentType { field, .. } = e else {
                unreachable!()
            };
            assert_eq!(field, "pre_exc.kwargs.n_units");
        }
        other => panic!("expected an argument type error, got {other:?}"),
    }
}

/// Replaces (`Some`), adds or removes (`None`) the entry `name` of the npz file `f`.
fn set_entry(f: &Path, name: &str, a: Option<NpyArray>) {
    let mut arrays = read_npz(f).unwrap();
    arrays.retain(|(n, _)| n != name);
    if let Some(a) = a {
        arrays.push((name.to_string(), a));
    }
    write_npz(f, &arrays).unwrap();
}

#[test]
fn npz_of_the_wrong_shape_or_dtype() {
    let d = copy_model("npz_shape");
    let f = d.join("component/custom/Wexc.npz");
    let original = std::fs::read(&f).unwrap();
    let restore = || std::fs::write(&f, &original).unwrap();
    set_entry(
        &f,
        "weights",
        Some(NpyArray::F32(Array2::<f32>::ones((3, 3)).into_dyn())),
    );
    let (path, field, msg) = format_error(&d);
    assert!(
        path.ends_with("Wexc.npz") && field == "weights" && msg.contains("[80, 1]"),
        "{path} {field} {msg}"
    );

    restore();
    set_entry(
        &f,
        "weights",
        Some(NpyArray::F64(ArrayD::zeros(IxDyn(&[80, 1])))),
    );
    let (_, field, msg) = format_error(&d);
    assert!(field == "weights" && msg.contains("float64"), "{msg}");

    restore();
    set_entry(&f, "key", Some(NpyArray::F32(ArrayD::zeros(IxDyn(&[2])))));
    let (_, field, msg) = format_error(&d);
    assert!(field == "key" && msg.contains("uint32"), "{msg}");

    restore();
    set_entry(
        &f,
        "z_syn",
        Some(NpyArray::F32(ArrayD::zeros(IxDyn(&[1, 1])))),
    );
    let (_, field, msg) = format_error(&d);
    assert!(
        field == "z_syn"
            && msg.ends_with(
                "; known: inputs, weights, biases, mask, outputs, v, g_syn, i_syn, h_syn, key"
            ),
        "unknown entries list the compartments: {msg}"
    );

    restore();
    set_entry(&f, "v", Some(NpyArray::F32(ArrayD::zeros(IxDyn(&[1, 1])))));
    let (_, field, msg) = format_error(&d);
    assert!(field == "v" && msg.contains("wired"), "{msg}");
}

/// ngclearn saves every compartment that is not wired: a missing one would leave the
/// component's freshly initialised (clock-seeded) value in place.
#[test]
fn npz_missing_a_compartment_is_an_error() {
    let d = copy_model("npz_missing");
    set_entry(&d.join("component/custom/Wexc.npz"), "h_syn", None);
    let (path, field, msg) = format_error(&d);
    assert!(
        path.ends_with("Wexc.npz") && field == "h_syn" && msg.starts_with("missing"),
        "{path} {field} {msg}"
    );
}

#[test]
fn garbage_and_missing_npz() {
    let d = copy_model("npz_garbage");
    std::fs::write(
        d.join("component/custom/pre_inh.npz"),
        b"PK\x03\x04 not really",
    )
    .unwrap();
    let (path, field, _) = format_error(&d);
    assert!(path.ends_with("pre_inh.npz") && field == "(archive)");
    std::fs::remove_file(d.join("component/custom/pre_inh.npz")).unwrap();
    assert!(
        matches!(load_model_dir(&d), Err(Error::Io { path, .. }) if path.ends_with("pre_inh.npz"))
    );
}

#[test]
fn connections_to_paths_that_do_not_exist() {
    let d = copy_model("conn");
    edit_json(&d, "connections.json", |v| {
        v["ei_alpha_tutorial:Wexc:inputs"] = "ei_alpha_tutorial:pre_exc:spikes".into()
    });
    let (path, field, msg) = format_error(&d);
    assert!(
        path.ends_with("connections.json")
            && field == "ei_alpha_tutorial:Wexc:inputs"
            && msg.contains("spikes"),
        "{field} {msg}"
    );

    let d = copy_model("conn_ctx");
    edit_json(&d, "connections.json", |v| {
        v["ei_alpha_tutorial:Wexc:inputs"] = "elsewhere:pre_exc:outputs".into()
    });
    let (_, _, msg) = format_error(&d);
    assert!(msg.contains("elsewhere"), "{msg}");

    let d = copy_model("conn_op");
    edit_json(&d, "connections.json", |v| {
        v["ei_alpha_tutorial:post_exc:j"]["modulePath"] = "ngcsimlib.operations.Negate".into()
    });
    assert!(matches!(
        load_model_dir(&d),
        Err(Error::UnknownClass { .. })
    ));
}

#[test]
fn processes_naming_unknown_methods_or_components() {
    let d = copy_model("proc");
    edit_json(&d, "process/roots.json", |v| {
        v["advance_proc"]["method_order"][0]["method"] = "evolve".into()
    });
    let (path, field, msg) = format_error(&d);
    assert!(
        path.ends_with("process/roots.json")
            && field == "advance_proc.method_order[0].method"
            && msg.contains("has no method `evolve`; known: advance_state, reset"),
        "{msg}"
    );
    let d = copy_model("proc_comp");
    edit_json(&d, "process/roots.json", |v| {
        v["reset_proc"]["method_order"][1]["name"] = "ghost".into()
    });
    let (_, field, msg) = format_error(&d);
    assert!(
        field == "reset_proc.method_order[1].name" && msg.contains("ghost"),
        "{field}: {msg}"
    );
}

/// Sizes no machine can hold are an error naming the argument, not an allocation abort.
#[test]
fn absurd_sizes_are_errors() {
    // Allocatable in principle: the npz, checked first, does not fit it.
    let d = copy_model("huge");
    edit_json(&d, "component/roots.json", |v| {
        v["pre_exc"]["kwargs"]["n_units"] = 100_000_000_000_000u64.into()
    });
    let (path, field, msg) = format_error(&d);
    assert!(
        path.ends_with("pre_exc.npz") && msg.contains("[1, 100000000000000]"),
        "{path} {field} {msg}"
    );
    // Not even addressable: building the component reports it.
    let d = copy_model("huge_shape");
    edit_json(&d, "component/roots.json", |v| {
        v["Wexc"]["kwargs"]["shape"] = serde_json::json!([4_000_000_000u64, 4_000_000_000u64])
    });
    let (_, field, msg) = format_error(&d);
    assert!(
        field == "Wexc.kwargs" && msg.contains("too large"),
        "{field} {msg}"
    );
}

#[test]
fn not_a_model_directory() {
    assert!(matches!(
        load_model_dir(Path::new("/nonexistent/model")),
        Err(Error::Io { .. })
    ));
    let d = copy_model("no_meta");
    std::fs::remove_file(d.join("contextData.json")).unwrap();
    assert!(
        matches!(load_model_dir(&d), Err(Error::Io { path, .. }) if path.ends_with("contextData.json"))
    );
}

/// One random mutation of one file of the model.
#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        file: usize,
        at: usize,
        bits: u8,
    },
    Truncate {
        file: usize,
        at: usize,
    },
    Insert {
        file: usize,
        at: usize,
        bytes: Vec<u8>,
    },
    Splice {
        file: usize,
        from: usize,
        len: usize,
        to: usize,
    },
}

const FILES: [&str; 9] = [
    "contextData.json",
    "connections.json",
    "component/roots.json",
    "process/roots.json",
    "component/custom/Wexc.npz",
    "component/custom/Winh.npz",
    "component/custom/post_exc.npz",
    "component/custom/pre_exc.npz",
    "component/custom/pre_inh.npz",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let file = 0..FILES.len();
    prop_oneof![
        (file.clone(), any::<usize>(), 1u8..).prop_map(|(file, at, bits)| Mutation::Flip {
            file,
            at,
            bits
        }),
        (file.clone(), any::<usize>()).prop_map(|(file, at)| Mutation::Truncate { file, at }),
        (
            file.clone(),
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![any::<u8>(), Just(b'"'), Just(b'{'), Just(b'9'), Just(0xff)],
                1..8
            )
        )
            .prop_map(|(file, at, bytes)| Mutation::Insert { file, at, bytes }),
        (file, any::<usize>(), 1usize..64, any::<usize>()).prop_map(|(file, from, len, to)| {
            Mutation::Splice {
                file,
                from,
                len,
                to,
            }
        }),
    ]
}

impl Mutation {
    fn file(&self) -> usize {
        match *self {
            Mutation::Flip { file, .. }
            | Mutation::Truncate { file, .. }
            | Mutation::Insert { file, .. }
            | Mutation::Splice { file, .. } => file,
        }
    }

    fn apply(&self, b: &mut Vec<u8>) {
        match self {
            Mutation::Flip { at, bits, .. } => {
                let n = b.len().max(1);
                if let Some(x) = b.get_mut(at % n) {
                    *x ^= bits;
                }
            }
            Mutation::Truncate { at, .. } => b.truncate(at % (b.len() + 1)),
            Mutation::Insert { at, bytes, .. } => {
                let at = at % (b.len() + 1);
                b.splice(at..at, bytes.iter().copied());
            }
            Mutation::Splice { from, len, to, .. } => {
                if b.is_empty() {
                    return;
                }
                let from = from % b.len();
                let chunk: Vec<u8> = b[from..(from + len).min(b.len())].to_vec();
                let to = to % (b.len() + 1);
                b.splice(to..to, chunk);
            }
        }
    }
}

fn apply(dir: &Path, muts: &[Mutation]) {
    for m in muts {
        let p = dir.join(FILES[m.file()]);
        let mut bytes = std::fs::read(&p).unwrap();
        m.apply(&mut bytes);
        std::fs::write(&p, bytes).unwrap();
    }
}

proptest! {
    // Set PROPTEST_CASES for a longer fuzzing run (the closing note reports one).
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(64), failure_persistence: None, ..ProptestConfig::default() })]

    /// Mutated model files load or fail with an error; they never panic.
    #[test]
    fn mutated_models_never_panic(muts in prop::collection::vec(mutation(), 1..4)) {
        let d = copy_model(&format!("fuzz_{:?}", std::thread::current().id()).replace(['(', ')'], ""));
        apply(&d, &muts);
        if let Ok(mut m) = load_model_dir(&d) {
            // A model that loads also runs (some steps) without panicking.
            if let Ok(adv) = m.process_id("advance_proc") {
                for k in 1..=20 {
                    let _ = m.run(adv, k as f32 * 0.1, 0.1);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Hostile npz files: zip bombs, sizes that lie, duplicate entries.

/// CRC-32 (zip's), bit by bit: for the small entries of hand-made archives.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Bits written least significant first, as deflate packs them.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    n: u32,
}

impl Bits {
    /// `value`'s low `len` bits, least significant first (header fields, extra bits).
    fn int(&mut self, value: u32, len: u32) {
        for i in 0..len {
            if self.n.is_multiple_of(8) {
                self.out.push(0);
            }
            *self.out.last_mut().unwrap() |= (((value >> i) & 1) as u8) << (self.n % 8);
            self.n += 1;
        }
    }

    /// A Huffman code of `len` bits, most significant first.
    fn code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.int((code >> i) & 1, 1);
        }
    }

    fn align(&mut self) {
        self.n = self.n.next_multiple_of(8);
    }
}

/// A raw deflate stream of `prefix` (a stored block) followed by `zeros` zero bytes
/// (one dynamic block: a literal 0, then matches of 258 at distance 1 coded in one
/// bit each with their distance, so about 1032 bytes per compressed byte).
fn deflate_zeros(prefix: &[u8], zeros: u64) -> Vec<u8> {
    let mut b = Bits::default();
    // Stored block (not final): aligned LEN, NLEN, bytes.
    b.int(0, 1);
    b.int(0, 2);
    b.align();
    b.int(prefix.len() as u32, 16);
    b.int(!(prefix.len() as u32) & 0xffff, 16);
    b.out.extend_from_slice(prefix);
    b.n = 8 * b.out.len() as u32;
    // Dynamic block (final). Literal/length codes: 285 -> `0`, 0 -> `10`, 256 -> `11`;
    // distance code 0 -> `0`. Code-length codes: 18 -> `0`, 1 -> `10`, 2 -> `11`.
    b.int(1, 1);
    b.int(2, 2);
    b.int(286 - 257, 5);
    b.int(0, 5);
    b.int(18 - 4, 4);
    // Code-length code lengths in deflate's order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1.
    for len in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
        b.int(len, 3);
    }
    let cl2 = |b: &mut Bits| b.code(0b11, 2);
    let cl1 = |b: &mut Bits| b.code(0b10, 2);
    let zeros_run = |b: &mut Bits, n: u32| {
        b.code(0, 1);
        b.int(n - 11, 7);
    };
    cl2(&mut b); // literal 0: length 2
    zeros_run(&mut b, 138); // literals 1..=138
    zeros_run(&mut b, 117); // literals 139..=255
    cl2(&mut b); // 256 (end of block): length 2
    zeros_run(&mut b, 28); // lengths 257..=284
    cl1(&mut b); // 285: length 1
    cl1(&mut b); // distance 0: length 1
    assert!(zeros >= 1);
    let matches = (zeros - 1) / 258;
    for _ in 0..(zeros - 258 * matches) {
        b.code(0b10, 2); // literal 0
    }
    // Each match is two zero bits: append them a byte at a time.
    let mut bits = 2 * matches;
    while bits > 0 && b.n % 8 != 0 {
        b.int(0, 1);
        bits -= 1;
    }
    b.out.resize(b.out.len() + (bits / 8) as usize, 0);
    b.n = 8 * b.out.len() as u32;
    for _ in 0..bits % 8 {
        b.int(0, 1);
    }
    b.code(0b11, 2); // end of block
    b.out
}

/// One entry of a hand-made zip: `method` 0 (stored) or 8 (deflated), the sizes its
/// headers declare, and its (compressed) bytes.
struct RawEntry<'a> {
    name: &'a str,
    method: u16,
    declared: u32,
    crc: u32,
    data: &'a [u8],
}

impl<'a> RawEntry<'a> {
    fn stored(name: &'a str, data: &'a [u8]) -> RawEntry<'a> {
        RawEntry {
            name,
            method: 0,
            declared: data.len() as u32,
            crc: crc32(data),
            data,
        }
    }
}

/// A zip archive of `entries`, written byte by byte so that sizes can lie.
fn raw_zip(entries: &[RawEntry]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for e in entries {
        let offset = out.len() as u32;
        let common = |v: &mut Vec<u8>| {
            v.extend(20u16.to_le_bytes()); // version needed
            v.extend(0u16.to_le_bytes()); // flags
            v.extend(e.method.to_le_bytes());
            v.extend(0u16.to_le_bytes()); // time
            v.extend(0x21u16.to_le_bytes()); // date: 1980-01-01
            v.extend(e.crc.to_le_bytes());
            v.extend((e.data.len() as u32).to_le_bytes());
            v.extend(e.declared.to_le_bytes());
            v.extend((e.name.len() as u16).to_le_bytes());
            v.extend(0u16.to_le_bytes()); // extra
        };
        out.extend(0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend(e.name.as_bytes());
        out.extend(e.data);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend(20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend([0u8; 10]); // comment length, disk, attributes
        central.extend(offset.to_le_bytes());
        central.extend(e.name.as_bytes());
    }
    let (cd_offset, cd_len) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend(cd_len.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// The `.npy` bytes of every entry of a fixture npz, by entry name.
fn npy_entries(f: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(f).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut bytes).unwrap();
            (e.name().to_string(), bytes)
        })
        .collect()
}

/// Zeros a bomb entry inflates to: 2 GiB, or just under the 1 GiB each entry was
/// once allowed (two of them made the reported 1 MB file that reached 2.1 GB).
const BOMB_ZEROS: u64 = 2 << 30;
const UNDER_1_GIB: u64 = 1000 << 20;

/// An npy header (128 bytes) for float32 of `shape`.
fn npy_header(shape: &str) -> Vec<u8> {
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    h.extend(118u16.to_le_bytes());
    h.extend(dict.as_bytes());
    h.resize(127, b' ');
    h.push(b'\n');
    h
}

/// Checks that the first MiB of `name` in the archive `f` inflates to zeros after
/// its header: the bomb is real.
fn assert_inflates(f: &Path, name: &str) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(f).unwrap()).unwrap();
    let mut e = zip.by_name(name).unwrap();
    let mut head = vec![0u8; 128 + (1 << 20)];
    std::io::Read::read_exact(&mut e, &mut head).unwrap();
    assert!(head[128..].iter().all(|&b| b == 0));
}

/// One bomb entry: its name, npy header, the zeros after it, and the size it declares.
type Bomb<'a> = (&'a str, Vec<u8>, u64, u32);

/// Winh.npz of a fresh copy, with `bombs` first (replacing entries of their names):
/// deflated entries of a header and many zeros, a few MB in all.
fn bombed_model(tag: &str, bombs: &[Bomb]) -> PathBuf {
    let d = copy_model(tag);
    let f = d.join("component/custom/Winh.npz");
    let entries = npy_entries(&f);
    let streams: Vec<Vec<u8>> = bombs
        .iter()
        .map(|(_, header, zeros, _)| deflate_zeros(header, *zeros))
        .collect();
    let mut raw: Vec<RawEntry> = bombs
        .iter()
        .zip(&streams)
        .map(|((name, _, _, declared), data)| RawEntry {
            name,
            method: 8,
            declared: *declared,
            crc: 0, // never read to its end
            data,
        })
        .collect();
    raw.extend(
        entries
            .iter()
            .filter(|(n, _)| bombs.iter().all(|b| b.0 != n))
            .map(|(n, b)| RawEntry::stored(n, b)),
    );
    let zip = raw_zip(&raw);
    assert!(zip.len() < 3 << 20, "a small file: {} bytes", zip.len());
    std::fs::write(&f, zip).unwrap();
    for (name, ..) in bombs {
        assert_inflates(&f, name);
    }
    d
}

/// `(name, header, zeros, declared)` of an honest bomb of float32 `(1, zeros / 4)`.
fn honest_bomb(name: &str, zeros: u64) -> Bomb<'_> {
    let header = npy_header(&format!("(1, {})", zeros / 4));
    (name, header, zeros, (128 + zeros) as u32)
}

/// Peak resident memory of this process, if the system says.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A load that must fail at once and small: in well under the time inflating a GiB
/// takes, and without this test process ever holding 1 GiB.
fn fails_quickly(d: &Path) -> (String, String, String) {
    let t = Instant::now();
    let got = format_error(d);
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    if let Some(peak) = peak_rss_bytes() {
        assert!(peak < 1 << 30, "peak memory {peak} bytes");
    }
    got
}

/// A 2 MB npz whose two entries inflate to 1000 MiB each (under the old per-entry
/// limit, so each used to be inflated whole) is refused from the first entry's
/// declared size, before anything is inflated.
#[test]
fn npz_zip_bomb_is_refused_before_it_is_inflated() {
    let d = bombed_model(
        "bomb",
        &[
            honest_bomb("weights.npy", UNDER_1_GIB),
            honest_bomb("mask.npy", UNDER_1_GIB),
        ],
    );
    let (path, field, msg) = fails_quickly(&d);
    assert!(
        path.ends_with("Winh.npz")
            && field == "weights"
            && msg.starts_with("the entry declares 1048576128 bytes; at most 65616 expected"),
        "{path} {field} {msg}"
    );
}

/// A bomb under a name the component has no compartment for is refused by its name.
#[test]
fn npz_zip_bomb_under_an_unknown_name_is_refused_by_name() {
    let d = bombed_model("bomb_name", &[honest_bomb("junk.npy", BOMB_ZEROS)]);
    let (_, field, msg) = fails_quickly(&d);
    assert!(
        field == "junk" && msg.contains("no such compartment; known: inputs"),
        "{field} {msg}"
    );
}

/// An entry whose sizes claim 132 bytes but whose data inflates to 2 GiB: reading
/// stops one byte past what the header describes.
#[test]
fn npz_entry_whose_size_lies_inflates_no_more_than_its_header_describes() {
    let d = bombed_model(
        "bomb_lie",
        &[("outputs.npy", npy_header("(1, 1)"), UNDER_1_GIB, 132)],
    );
    let (path, field, msg) = fails_quickly(&d);
    assert!(
        path.ends_with("Winh.npz") && field == "outputs" && msg.contains("more data"),
        "{path} {field} {msg}"
    );
}

/// The zip reader keeps one of two entries of the same name silently; the loader
/// refuses the file.
#[test]
fn npz_with_a_duplicate_entry_is_an_error() {
    let d = copy_model("npz_dup");
    let f = d.join("component/custom/Winh.npz");
    let entries = npy_entries(&f);
    let mut raw: Vec<RawEntry> = entries
        .iter()
        .map(|(n, b)| RawEntry::stored(n, b))
        .collect();
    let (_, weights) = entries.iter().find(|(n, _)| n == "weights.npy").unwrap();
    raw.push(RawEntry::stored("weights.npy", weights));
    std::fs::write(&f, raw_zip(&raw)).unwrap();
    let (path, field, msg) = format_error(&d);
    assert!(
        path.ends_with("Winh.npz") && field == "weights" && msg == "appears twice",
        "{path} {field} {msg}"
    );
    // The same archive without the second copy loads (the hand-made zip is valid).
    raw.pop();
    std::fs::write(&f, raw_zip(&raw)).unwrap();
    load_model_dir(&d).unwrap();
}

/// `"shape": [40000, 40000]` with the fixture's npz would allocate 6.4 GB of weights
/// (and more) before finding the mismatch; the npz headers are checked first.
#[test]
fn huge_declared_shape_fails_before_allocating() {
    let d = copy_model("huge_declared");
    edit_json(&d, "component/roots.json", |v| {
        v["Wexc"]["kwargs"]["shape"] = serde_json::json!([40_000, 40_000])
    });
    let (path, field, msg) = fails_quickly(&d);
    assert!(
        path.ends_with("Wexc.npz") && field == "outputs" && msg.contains("[1, 40000]"),
        "{path} {field} {msg}"
    );
}

/// The model built in code for the large and Fortran-order tests: one dense synapse.
fn dense_model(dir: &Path, shape: (usize, usize)) -> Model {
    let mut ctx = Context::new("dense");
    let p = DenseParams {
        key: Some(Key::from_seed(3)),
        ..Default::default()
    };
    ctx.add(DenseSynapse::new("W", shape, p).unwrap()).unwrap();
    ctx.process("advance", &[("W", Method::AdvanceState)])
        .unwrap();
    let m = ctx.build().unwrap();
    ngclearn::io::save_model_dir(&m, dir, true).unwrap();
    m
}

/// A component as large as its arguments say loads when its npz matches (the data is
/// streamed into it in chunks).
#[test]
fn large_component_with_matching_state_loads() {
    let d = scratch("large_dense").join("dense");
    let m = dense_model(&d, (2000, 500));
    let again = load_model_dir(&d).unwrap();
    assert_eq!(again.get("W:weights").unwrap(), m.get("W:weights").unwrap());
}

/// Weights saved in column-major order load as the same matrix.
#[test]
fn fortran_order_weights_load_as_the_same_matrix() {
    let d = scratch("fortran_dense").join("dense");
    dense_model(&d, (3, 4));
    let w = Array2::from_shape_vec((3, 4).f(), (0..12).map(|x| x as f32).collect()).unwrap();
    set_entry(
        &d.join("component/custom/W.npz"),
        "weights",
        Some(NpyArray::F32(w.clone().into_dyn())),
    );
    let again = load_model_dir(&d).unwrap();
    assert_eq!(again.get("W:weights").unwrap(), w);
}

// ---------------------------------------------------------------------------------
// Files that are not regular files.

/// Loads `what` in a thread: a FIFO must be refused at once, not block the loader.
fn refused_at_once<T: Send + 'static>(what: impl FnOnce() -> Result<T> + Send + 'static) -> Error {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(what().err());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Some(e)) => e,
        Ok(None) => panic!("loaded"),
        Err(_) => panic!("still blocked after 10 s"),
    }
}

#[cfg(unix)]
fn mkfifo(p: &Path) {
    let _ = std::fs::remove_file(p);
    let ok = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", p.display());
}

/// A FIFO (or directory) in place of any file of a model directory, or of a TOML
/// model file, is an error naming it; nothing blocks waiting for a writer.
#[cfg(unix)]
#[test]
fn fifo_or_directory_in_place_of_a_file_is_refused_at_once() {
    for rel in [
        "contextData.json",
        "connections.json",
        "component/roots.json",
        "process/roots.json",
        "component/custom/post_exc.npz",
    ] {
        let d = copy_model(&format!("fifo_{}", rel.replace('/', "_")));
        mkfifo(&d.join(rel));
        let dir = d.clone();
        match refused_at_once(move || load_model_dir(&dir)) {
            Error::Io { path, message, .. } => {
                assert!(
                    path.ends_with(rel) && message == "not a regular file",
                    "{path}: {message}"
                )
            }
            other => panic!("{rel}: {other:?}"),
        }
        let _ = std::fs::remove_file(d.join(rel));
        std::fs::create_dir(d.join(rel)).unwrap();
        match load_model_dir(&d) {
            Err(Error::Io { path, message, .. }) => {
                assert!(
                    path.ends_with(rel) && message == "not a regular file",
                    "{path}: {message}"
                )
            }
            other => panic!("{rel}: {other:?}"),
        }
    }
    let t = scratch("fifo_toml").join("model.toml");
    mkfifo(&t);
    let file = t.clone();
    match refused_at_once(move || load_model_file(&file)) {
        Error::Io { path, message, .. } => {
            assert!(path.ends_with("model.toml") && message == "not a regular file")
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------
// NaN and infinity.

/// Loads `d`, which must load, and returns the warnings it gave.
fn loads_with_warnings(d: &Path) -> Vec<String> {
    let (m, said) = ngclearn::warning::capture(|| load_model_dir(d));
    m.unwrap_or_else(|e| panic!("{e}"));
    said
}

#[test]
fn nan_or_inf_in_saved_state_loads_as_saved_with_one_warning_naming_the_element() {
    // ngclearn saves a diverged run's state as it is; it must load to be inspected.
    let d = copy_model("nan_state");
    let f = d.join("component/custom/Wexc.npz");
    let mut w = Array2::<f32>::from_elem((80, 1), 0.5);
    w[[3, 0]] = f32::NAN;
    w[[5, 0]] = f32::INFINITY;
    set_entry(&f, "weights", Some(NpyArray::F32(w.into_dyn())));
    let said = loads_with_warnings(&d);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].contains("Wexc.npz: `weights` element [3, 0] is NaN")
            && said[0].contains("loaded as saved"),
        "{}",
        said[0]
    );
    let m = load_model_dir(&d).unwrap();
    let w = m.get("Wexc:weights").unwrap();
    assert!(w[[3, 0]].is_nan() && w[[5, 0]] == f32::INFINITY && w[[0, 0]] == 0.5);

    // Two compartments: one warning, naming the first and counting the other.
    let f = d.join("component/custom/post_exc.npz");
    set_entry(
        &f,
        "rfr",
        Some(NpyArray::F32(
            Array2::from_elem((1, 1), f32::INFINITY).into_dyn(),
        )),
    );
    let said = loads_with_warnings(&d);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("1 more compartment"), "{}", said[0]);

    // A scalar (ngclearn's default biases): float64 that overflows float32.
    let d = copy_model("inf_scalar");
    let f = d.join("component/custom/Winh.npz");
    set_entry(
        &f,
        "biases",
        Some(NpyArray::F64(ArrayD::from_elem(IxDyn(&[]), 1e300))),
    );
    let said = loads_with_warnings(&d);
    assert!(
        said.len() == 1 && said[0].contains("`biases` the scalar is 1e300"),
        "{said:?}"
    );

    // A finite model says nothing.
    assert_eq!(
        loads_with_warnings(&copy_model("finite_state")),
        Vec::<String>::new()
    );
}

#[cfg(unix)]
#[test]
fn a_component_name_that_leaves_the_directory_is_refused_before_any_file_is_opened() {
    let d = copy_model("name_escape");
    // A file the hostile name would reach, were its path built: it must not be read.
    let outside = d.parent().unwrap().join("PWN.npz");
    std::fs::create_dir_all(d.parent().unwrap()).unwrap();
    mkfifo(&outside);
    edit_json(&d, "component/roots.json", |v| {
        let entry = v["Wexc"].clone();
        v.as_object_mut()
            .unwrap()
            .insert("../../../PWN".into(), entry);
    });
    let file = d.clone();
    // A FIFO blocks whoever opens it, so a load that finishes did not open it.
    match refused_at_once(move || load_model_dir(&file)) {
        Error::Format {
            path,
            field,
            message,
        } => assert!(
            path.ends_with("roots.json") && field == "../../../PWN" && message.contains("name"),
            "{path} {field} {message}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_kwargs_beyond_float32_are_refused() {
    let d = copy_model("kwargs_overflow");
    edit_json(&d, "component/roots.json", |v| {
        v["Winh"]["kwargs"]["syn_rest"] = serde_json::json!(1e39)
    });
    let (_, field, msg) = format_error(&d);
    assert_eq!(
        (field.as_str(), msg.as_str()),
        ("Winh.kwargs.syn_rest", "1e+39 is not a finite float32")
    );
}

/// A small TOML model file; `extra` replaces the synapse's `syn_rest = 0.0` line.
fn toml_model(tag: &str, syn_line: &str, tail: &str) -> PathBuf {
    let p = scratch(&format!("toml_{tag}")).join("model.toml");
    let text = format!(
        "name = \"m\"\n\n[[component]]\nname = \"z\"\nclass = \"LIFCell\"\nn_units = 2\ntau_m = 10.0\n\n\
         [[component]]\nname = \"W\"\nclass = \"AlphaSynapse\"\nshape = [2, 2]\ntau_decay = 2.0\ng_syn_bar = 1.0\n{syn_line}\n\n\
         [process]\nadvance = [\"W\", \"z\"]\n{tail}"
    );
    std::fs::write(&p, text).unwrap();
    p
}

fn toml_format_error(p: &Path) -> (String, String) {
    match load_model_file(p) {
        Err(Error::Format {
            path,
            field,
            message,
        }) => {
            assert!(path.ends_with("model.toml"), "{path}");
            (field, message)
        }
        other => panic!("{other:?}"),
    }
}

/// `syn_rest = nan` used to become `null`: a voltage-independent synapse.
#[test]
fn toml_nan_or_inf_parameter_is_refused() {
    load_model_file(&toml_model("ok", "syn_rest = 0.0", "")).unwrap();
    let (field, msg) = toml_format_error(&toml_model("nan", "syn_rest = nan", ""));
    assert_eq!(
        (field.as_str(), msg.as_str()),
        (
            "component[1] (W).syn_rest",
            "NaN is not allowed: numbers must be finite"
        )
    );
    let (field, msg) = toml_format_error(&toml_model(
        "inf",
        "syn_rest = 0.0\nresist_scale = -inf",
        "",
    ));
    assert_eq!(field, "component[1] (W).resist_scale");
    assert!(msg.starts_with("-inf is not allowed"), "{msg}");
    let (field, msg) = toml_format_error(&toml_model(
        "init_inf",
        "syn_rest = 0.0\nweight_init = { dist = \"uniform\", low = 0.0, high = inf }",
        "",
    ));
    assert_eq!(field, "component[1] (W).weight_init.high");
    assert!(msg.contains("must be finite"), "{msg}");
    let (field, msg) = toml_format_error(&toml_model(
        "init_big",
        "syn_rest = 0.0\nweight_init = { dist = \"constant\", value = 1e39 }",
        "",
    ));
    assert_eq!(field, "component[1] (W).weight_init");
    assert!(msg.contains("not a finite float32"), "{msg}");
}

#[test]
fn toml_initial_values_must_be_finite_naming_the_element() {
    let (field, msg) = toml_format_error(&toml_model(
        "initial_nan",
        "syn_rest = 0.0",
        "\n[initial]\n\"W:weights\" = [[1.0, 2.0], [3.0, nan]]\n",
    ));
    assert_eq!(
        (field.as_str(), msg.as_str()),
        (
            "initial.\"W:weights\"",
            "element [1][1] is NaN: numbers must be finite"
        )
    );
    let (field, msg) = toml_format_error(&toml_model(
        "initial_big",
        "syn_rest = 0.0",
        "\n[initial]\n\"z:v\" = [[0.0, 1e39]]\n",
    ));
    assert_eq!(
        (field.as_str(), msg.as_str()),
        (
            "initial.\"z:v\"",
            "element [0][1] = 1e+39 is not a finite float32"
        )
    );
    let (field, msg) = toml_format_error(&toml_model(
        "initial_scalar",
        "syn_rest = 0.0",
        "\n[initial]\n\"z:v\" = inf\n",
    ));
    assert_eq!(field, "initial.\"z:v\"");
    assert!(msg.starts_with("inf is not allowed"), "{msg}");
}

/// Two spellings of one compartment in `[initial]`: the second would silently win.
#[test]
fn toml_initial_setting_a_compartment_twice_is_an_error() {
    let (field, msg) = toml_format_error(&toml_model(
        "initial_twice",
        "syn_rest = 0.0",
        "\n[initial]\n\"z:v\" = -60.0\n\"m:z:v\" = -70.0\n",
    ));
    // Either is named, and the message names the other.
    assert!(
        (field == "initial.\"m:z:v\"" && msg == "the same compartment as \"z:v\": set it once")
            || (field == "initial.\"z:v\""
                && msg == "the same compartment as \"m:z:v\": set it once"),
        "{field} {msg}"
    );
}

/// A hand-written process with no calls is a slip (a saved ngclearn process may be
/// empty: see `empty_method_order_loads_and_runs_as_a_no_op`).
#[test]
fn toml_empty_process_is_an_error() {
    let p = toml_model("empty_process", "syn_rest = 0.0", "rest = []\n");
    let (field, msg) = toml_format_error(&p);
    assert_eq!(
        (field.as_str(), msg.as_str()),
        ("process.rest", "a process must call at least one method")
    );
}

// ---------------------------------------------------------------------------------
// Keys given twice.

/// Replaces the first `from` in `dir/rel` by `to`.
fn edit_text(dir: &Path, rel: &str, from: &str, to: &str) {
    let p = dir.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn duplicate_json_keys_are_errors_naming_the_key() {
    let cases = [
        ("component/roots.json", "\"Winh\": {", "\"Wexc\": {", "Wexc"),
        (
            "component/roots.json",
            "\"tau_decay\": 5.0,",
            "\"tau_decay\": 5.0, \"tau_decay\": 7.0,",
            "Winh.kwargs.tau_decay",
        ),
        (
            "process/roots.json",
            "\"reset_proc\": {",
            "\"advance_proc\": {",
            "advance_proc",
        ),
        (
            "connections.json",
            "\"ei_alpha_tutorial:Winh:v\"",
            "\"ei_alpha_tutorial:Wexc:v\"",
            "ei_alpha_tutorial:Wexc:v",
        ),
        (
            "contextData.json",
            "\"path\"",
            "\"path\": \"other\", \"path\"",
            "path",
        ),
    ];
    for (i, (rel, from, to, key)) in cases.into_iter().enumerate() {
        let d = copy_model(&format!("dup_key_{i}"));
        edit_text(&d, rel, from, to);
        let (path, field, msg) = format_error(&d);
        assert!(
            path.ends_with(rel)
                && field == key
                && msg.starts_with("the key appears twice (the second at line"),
            "{path} {field} {msg}"
        );
    }
}

#[test]
fn duplicate_toml_keys_are_syntax_errors_with_line_and_column() {
    let p = toml_model("dup", "syn_rest = 0.0\ntau_decay = 3.0", "");
    match load_model_file(&p) {
        Err(e @ Error::Syntax { line: 16, .. }) => {
            let s = e.to_string();
            assert!(
                s.ends_with("model.toml: line 16, column 1: malformed TOML: duplicate key `tau_decay` in table `component`"),
                "{s}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// TOML syntax errors keep their position, on one line.
#[test]
fn toml_syntax_error_names_line_and_column() {
    let p = scratch("toml_syntax").join("model.toml");
    std::fs::write(&p, "name = \"m\"\n\n[[component]\nname = \"z\"\n").unwrap();
    let e = load_model_file(&p).unwrap_err();
    let s = e.to_string();
    assert!(
        matches!(e, Error::Syntax { line: 3, column: 12, .. })
            && s.ends_with("model.toml: line 3, column 12: malformed TOML: invalid table header; expected `.`, `]]`")
            && !s.contains('\n'),
        "{s}"
    );
}

// ---------------------------------------------------------------------------------
// What ngcsimlib writes and reads.

/// ngcsimlib's `save_to_json` always writes connections.json and `load` always opens it.
#[test]
fn missing_connections_json_is_an_error() {
    let d = copy_model("no_connections");
    std::fs::remove_file(d.join("connections.json")).unwrap();
    match load_model_dir(&d) {
        Err(e @ Error::Io { .. }) => assert!(
            e.to_string()
                .ends_with("connections.json: missing; ngclearn writes it even when empty (`{}`)"),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
}

/// A process file is read when contextData.json lists processes, and only then.
#[test]
fn process_roots_follow_context_types() {
    let d = copy_model("no_process_file");
    std::fs::remove_file(d.join("process/roots.json")).unwrap();
    assert!(
        matches!(load_model_dir(&d), Err(Error::Io { path, .. }) if path.ends_with("process/roots.json"))
    );
    let d = copy_model("process_not_listed");
    edit_json(&d, "contextData.json", |v| {
        v["types"] = serde_json::json!(["component"])
    });
    let (path, _, msg) = format_error(&d);
    assert!(
        path.ends_with("process/roots.json") && msg.contains("does not list `process`"),
        "{path} {msg}"
    );
    std::fs::remove_file(d.join("process/roots.json")).unwrap();
    let m = load_model_dir(&d).unwrap();
    assert_eq!(m.process_names().count(), 0);
    let d = copy_model("types_twice");
    edit_json(&d, "contextData.json", |v| {
        v["types"] = serde_json::json!(["component", "process", "component"])
    });
    let (_, field, _) = format_error(&d);
    assert_eq!(field, "types[2]");
}

/// ngcsimlib compiles an empty process into one that returns the state unchanged.
#[test]
fn empty_method_order_loads_and_runs_as_a_no_op() {
    let d = copy_model("empty_order");
    edit_json(&d, "process/roots.json", |v| {
        v["advance_proc"]["method_order"] = serde_json::json!([])
    });
    let mut m = load_model_dir(&d).unwrap();
    let before = m.get("post_exc:v").unwrap();
    m.run_named("advance_proc", 0.1, 0.1).unwrap();
    assert_eq!(m.get("post_exc:v").unwrap(), before);
}

#[test]
fn process_args_kwargs_and_watch_list_are_checked() {
    let d = copy_model("proc_args");
    edit_json(&d, "process/roots.json", |v| {
        v["advance_proc"]["args"] = serde_json::json!(["other"])
    });
    let (_, field, _) = format_error(&d);
    assert_eq!(field, "advance_proc.args");
    let d = copy_model("proc_kwargs");
    edit_json(&d, "process/roots.json", |v| {
        v["advance_proc"]["kwargs"] = serde_json::json!({"jit": true})
    });
    let (_, field, _) = format_error(&d);
    assert_eq!(field, "advance_proc.kwargs.jit");
    let d = copy_model("proc_watch");
    edit_json(&d, "process/roots.json", |v| {
        v["advance_proc"]["watch_list"] = serde_json::json!(["ei_alpha_tutorial:ghost:v"])
    });
    let (_, field, msg) = format_error(&d);
    assert!(
        field == "advance_proc.watch_list[0]" && msg.contains("ghost"),
        "{field} {msg}"
    );
    edit_json(&d, "process/roots.json", |v| {
        v["advance_proc"]["watch_list"] = serde_json::json!([
            "ei_alpha_tutorial:post_exc:v",
            "ei_alpha_tutorial:pre_exc:key"
        ])
    });
    load_model_dir(&d).unwrap();
}

/// ngcsimlib reads a component's `args` and `kwargs` unconditionally.
#[test]
fn component_without_args_or_kwargs_is_an_error() {
    for key in ["args", "kwargs"] {
        let d = copy_model(&format!("no_{key}"));
        edit_json(&d, "component/roots.json", |v| {
            v["Wexc"].as_object_mut().unwrap().remove(key);
        });
        let (_, field, msg) = format_error(&d);
        assert_eq!((field, msg), (format!("Wexc.{key}"), "missing".to_string()));
    }
}

// ---------------------------------------------------------------------------------
// Unknown names list the known ones.

#[test]
fn unknown_names_list_the_known_ones() {
    let d = copy_model("names");
    let m = load_model_dir(&d).unwrap();
    let e = m.process_id("advance").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown process `advance`; known: advance_proc, reset_proc"
    );
    let e = m.compartment("ghost:v").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown component `ghost`; known: pre_exc, pre_inh, Wexc, Winh, post_exc"
    );
    let e = m.compartment("post_exc:volts").unwrap_err();
    assert_eq!(
        e.to_string(),
        "component `post_exc` (LIFCell) has no compartment `volts`; known: j, v, rfr, thr_theta, s, s_raw, tols, key"
    );

    // At most 20 names, then an ellipsis.
    let mut ctx = Context::new("many");
    for i in 0..25 {
        ctx.add(LIFCell::new(&format!("c{i:02}"), 1, LIFCellParams::new(10.0)).unwrap())
            .unwrap();
    }
    let e = ctx.wire("nope:s", "c00:j").unwrap_err();
    let s = e.to_string();
    assert!(s.ends_with("; known: c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, …"), "{s}");
    let e = ctx.process("p", &[("ghost", Method::Reset)]).unwrap_err();
    assert!(e.to_string().contains("; known: c00, "), "{e}");
}

/// A misspelt required argument is both missing and unknown: both are said, with the
/// nearest name.
#[test]
fn a_misspelt_required_argument_is_reported_missing_and_unknown() {
    let p = scratch("toml_misspelt").join("model.toml");
    std::fs::write(
        &p,
        "name = \"m\"\n\n[[component]]\nname = \"z\"\nclass = \"LIFCell\"\nn_units = 2\ntau_mem = 10.0\n\n\
         [process]\nadvance = [\"z\"]\n",
    )
    .unwrap();
    let (field, msg) = toml_format_error(&p);
    assert_eq!(field, "component[0] (z).tau_m");
    assert!(
        msg.starts_with("missing (required)")
            && msg.contains("`tau_mem` is not an argument of LIFCell (did you mean `tau_m`?)"),
        "{msg}"
    );
    // Unknown alone: the nearest accepted name.
    std::fs::write(
        &p,
        "name = \"m\"\n\n[[component]]\nname = \"z\"\nclass = \"LIFCell\"\nn_units = 2\ntau_m = 10.0\nrefract_tme = 1.0\n\n\
         [process]\nadvance = [\"z\"]\n",
    )
    .unwrap();
    let (field, msg) = toml_format_error(&p);
    assert!(
        field.ends_with("refract_tme") && msg.contains("did you mean `refract_time`?"),
        "{field}: {msg}"
    );
}
