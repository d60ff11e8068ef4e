//! Saving a model directory: what replacing one may and may not do.

mod common;

use common::{fixtures_dir, scratch};
use ngclearn::io::{load_model_dir, save_model_dir};

fn model() -> ngclearn::core::context::Model {
    load_model_dir(&fixtures_dir().join("models/ei_alpha_tutorial")).unwrap()
}

#[test]
fn saving_over_a_directory_with_unrelated_files_is_refused_and_keeps_them() {
    let d = scratch("save_unrelated");
    let out = d.join("m");
    save_model_dir(&model(), &out, false).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let e = save_model_dir(&model(), &out, true)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("notes.txt") && e.contains("not replacing"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(load_model_dir(&out).is_ok());
}

#[test]
fn saving_over_a_directory_that_is_not_a_model_is_refused() {
    let d = scratch("save_not_model");
    let out = d.join("data");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("x.npy"), "x").unwrap();
    let e = save_model_dir(&model(), &out, true)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a saved model"), "{e}");
    assert!(out.join("x.npy").exists());
}

#[test]
fn replacing_a_saved_model_leaves_only_the_new_one() {
    let d = scratch("save_replace");
    let out = d.join("m");
    let mut m = model();
    save_model_dir(&m, &out, false).unwrap();
    let adv = m.process_id("advance_proc").unwrap();
    for k in 1..=50 {
        m.run(adv, k as f32 * 0.1, 0.1).unwrap();
    }
    save_model_dir(&m, &out, true).unwrap();
    let names: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["m"], "nothing beside the saved model");
    let back = load_model_dir(&out).unwrap();
    let v = |m: &ngclearn::core::context::Model| {
        m.view(m.compartment("post_exc:v").unwrap())
            .unwrap()
            .unwrap()
            .to_owned()
    };
    assert_eq!(v(&back), v(&m));
}
