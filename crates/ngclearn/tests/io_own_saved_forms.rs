//! Classes whose `save`/`load` are their own in ngclearn 3.1.1 are read and written in
//! that form. SLIFCell's npz holds only `threshold` (`threshold0`, or `thr` with
//! `thr_persist`), and loading sets `thr` and `threshold0` from it, every other
//! compartment being the constructor's: models ngclearn saved load here and continue as
//! they do after ngclearn's own `Context.load`; what is saved here is that form again.

mod common;

use common::{fixture, fixtures_dir, mat, scratch};
use ngclearn::io::npz::NpzReader;
use ngclearn::io::{load_model_dir, save_model_dir};
use serde_json::Value;

fn rows(v: &Value) -> ndarray::Array2<f32> {
    mat(v)
}

/// Compartment `c` of `z`, as ngclearn keeps it when `want` is one row: ngclearn's
/// threshold is `(1, n)` until a batch's first step, which is kept here as equal rows.
fn as_kept(
    m: &ngclearn::core::context::Model,
    c: &str,
    want: &ndarray::Array2<f32>,
) -> ndarray::Array2<f32> {
    let got = m.get(&format!("z:{c}")).unwrap();
    if want.nrows() == 1 && got.nrows() > 1 {
        got.slice(ndarray::s![0..1, ..]).to_owned()
    } else {
        got
    }
}

/// Runs the fixture case's `after` steps on `m` and checks each against ngclearn's,
/// bit for bit.
fn continues_as_ngclearn(m: &mut ngclearn::core::context::Model, case: &Value, what: &str) {
    let before = case["before"].as_u64().unwrap() as usize;
    let after = case["after"].as_u64().unwrap() as usize;
    let reset_at = case["reset_at"].as_u64().unwrap() as usize;
    for (k, t) in (before..before + after).enumerate() {
        if t == reset_at {
            m.run_named("rst", 0.0, 1.0).unwrap();
        }
        m.set("z:j", &rows(&case["j"][t])).unwrap();
        m.run_named("adv", t as f32, 1.0).unwrap();
        for c in ["v", "s", "thr"] {
            let want = rows(&case["trace"][c][k]);
            assert_eq!(as_kept(m, c, &want), want, "{what}: `{c}` at step {t}");
        }
    }
}

#[test]
fn slif_models_ngclearn_saved_load_and_continue_as_in_ngclearn() {
    let f = fixture("own_saved_forms");
    for (name, case) in f["cases"].as_object().unwrap() {
        let dir = fixtures_dir()
            .join("models")
            .join(case["model_dir"].as_str().unwrap());
        let mut m = load_model_dir(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
        for c in ["thr", "v", "rfr", "s"] {
            let want = rows(&case["loaded"][c]);
            assert_eq!(as_kept(&m, c, &want), want, "{name}: `{c}` after loading");
        }
        continues_as_ngclearn(&mut m, case, name);
    }
}

#[test]
fn slif_saves_ngclearns_form_and_loads_it_back() {
    let f = fixture("own_saved_forms");
    for (name, case) in f["cases"].as_object().unwrap() {
        let src = fixtures_dir()
            .join("models")
            .join(case["model_dir"].as_str().unwrap());
        let m = load_model_dir(&src).unwrap();
        let out = scratch(&format!("own_form_{name}")).join("m");
        save_model_dir(&m, &out, true).unwrap();
        // Only `threshold`, with the values ngclearn saved (nothing has run since).
        let npz_path = out.join("component/custom/z.npz");
        let mut npz = NpzReader::open(&npz_path).unwrap();
        let names: Vec<String> = npz.entries().iter().map(|e| e.name.clone()).collect();
        assert_eq!(names, ["threshold"], "{name}");
        let want = rows(&case["threshold"]);
        let h = npz.header(0, 1 << 20).unwrap();
        assert_eq!(h.shape, want.shape(), "{name}");
        let mut got = ndarray::Array2::<f32>::zeros(want.dim());
        npz.read_f32_into(0, &h, &mut got).unwrap();
        assert_eq!(got, want, "{name}");
        // Loaded again, it continues as ngclearn's load of its own directory.
        let mut again = load_model_dir(&out).unwrap();
        continues_as_ngclearn(&mut again, case, &format!("{name}, saved here"));
    }
}

#[test]
fn a_slif_npz_with_other_entries_is_refused_naming_them() {
    let f = fixture("own_saved_forms");
    let case = &f["cases"]["reset"];
    let src = fixtures_dir()
        .join("models")
        .join(case["model_dir"].as_str().unwrap());
    let m = load_model_dir(&src).unwrap();
    let out = scratch("own_form_bad").join("m");
    save_model_dir(&m, &out, true).unwrap();
    let npz = out.join("component/custom/z.npz");
    // `threshold` of the wrong width.
    ndarray_npy::NpzWriter::new(std::fs::File::create(&npz).unwrap())
        .add_array("threshold", &ndarray::Array2::<f32>::zeros((1, 3)))
        .unwrap();
    let e = load_model_dir(&out).unwrap_err().to_string();
    assert!(
        e.contains("z.npz") && e.contains("threshold") && e.contains("[1, 4]"),
        "{e}"
    );
    // An entry besides it.
    let mut w = ndarray_npy::NpzWriter::new(std::fs::File::create(&npz).unwrap());
    w.add_array("threshold", &ndarray::Array2::<f32>::zeros((1, 4)))
        .unwrap();
    w.add_array("bogus", &ndarray::Array2::<f32>::zeros((1, 4)))
        .unwrap();
    w.finish().unwrap();
    let e = load_model_dir(&out).unwrap_err().to_string();
    assert!(e.contains("bogus"), "{e}");
}
