//! What `ngc run` leaves on disk when it is stopped, killed or given conflicting
//! outputs: the older outputs whole, or the new ones whole, and no partial files.
#![cfg(target_os = "linux")]

mod common;

use common::{fixture_model, ngc, scratch};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ngc"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Waits until `dir` holds a hidden part of a recording (the run is stepping).
fn wait_for_part(dir: &Path) {
    let start = Instant::now();
    while !names(dir).iter().any(|n| n.contains(".part-")) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no part in {dir:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sigint_and_sigterm_stop_the_run_and_leave_no_part_files() {
    for (sig, code) in [("-INT", 130), ("-TERM", 143)] {
        let d = scratch(&format!("signal{sig}"));
        let out = d.join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("older.txt"), "older").unwrap();
        let o = out.to_str().unwrap();
        let child = spawn(&[
            "run",
            "--steps",
            "100000000",
            "--no-plots",
            "--out",
            o,
            "--record",
            "post_exc:v",
            "--record-spikes",
            "pre_exc:outputs",
        ]);
        wait_for_part(&out);
        signal(&child, sig);
        let res = child.wait_with_output().unwrap();
        assert_eq!(res.status.code(), Some(code), "{sig}");
        let err = String::from_utf8(res.stderr).unwrap();
        assert!(
            err.contains("interrupted") && err.trim_end().lines().count() == 1,
            "{err}"
        );
        assert_eq!(
            names(&out),
            ["older.txt"],
            "{sig}: only what was there before"
        );
    }
}

#[test]
fn parts_left_by_a_killed_run_are_removed_by_the_next_run() {
    let d = scratch("sigkill");
    let out = d.join("out");
    let o = out.to_str().unwrap();
    let mut child = spawn(&[
        "run",
        "--steps",
        "100000000",
        "--no-plots",
        "--out",
        o,
        "--record",
        "post_exc:v",
    ]);
    wait_for_part(&out);
    child.kill().unwrap();
    child.wait().unwrap();
    let parts: Vec<String> = names(&out);
    assert!(
        parts.iter().any(|n| n.contains(".part-")),
        "SIGKILL leaves a part"
    );
    // A fresh part may belong to a run on another host sharing the directory: kept.
    let res = ngc(&["run", "--steps", "5", "--no-plots", "-q", "--out", o]);
    assert!(res.status.success());
    assert_eq!(names(&out), parts);
    // Idle for a minute and its process gone: removed.
    let past = std::time::SystemTime::now() - Duration::from_secs(120);
    for p in &parts {
        std::fs::File::options()
            .append(true)
            .open(out.join(p))
            .unwrap()
            .set_modified(past)
            .unwrap();
    }
    let res = ngc(&["run", "--steps", "5", "--no-plots", "-q", "--out", o]);
    assert!(res.status.success());
    assert!(names(&out).is_empty(), "{:?}", names(&out));
}

/// Every file of a directory, by relative path.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn a_killed_save_leaves_the_old_or_the_new_model_whole() {
    let d = scratch("save_kill");
    let saved = d.join("model");
    let s = saved.to_str().unwrap().to_string();
    let o = d.join("o").to_str().unwrap().to_string();
    let run_and_save = |from: &str, to: &str| {
        vec![
            "run".to_string(),
            from.into(),
            "--steps".into(),
            "200".into(),
            "-q".into(),
            "--no-plots".into(),
            "--out".into(),
            o.clone(),
            "--save".into(),
            to.into(),
        ]
    };
    let args = run_and_save(fixture_model().to_str().unwrap(), &s);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert!(ngc(&args).status.success());
    // Kill runs that save over the model at many moments; after each, the directory
    // must hold exactly the model before the run or the one the run makes.
    let (mut olds, mut news) = (0, 0);
    for i in 0..24u64 {
        let expected = d.join("expected");
        let _ = std::fs::remove_dir_all(&expected);
        let args = run_and_save(&s, expected.to_str().unwrap());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert!(ngc(&args).status.success());
        let (old, new) = (snapshot(&saved), snapshot(&expected));
        assert_ne!(old, new);
        let args = run_and_save(&s, &s);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = spawn(&args);
        std::thread::sleep(Duration::from_micros(2000 * i));
        let _ = child.kill();
        child.wait().unwrap();
        let now = snapshot(&saved);
        if now == old {
            olds += 1;
        } else if now == new {
            news += 1;
        } else {
            panic!(
                "after a kill at {} us the model is neither the old nor the new one",
                2000 * i
            );
        }
    }
    assert!(
        olds > 0,
        "no kill landed before the commit ({news} after it)"
    );
}

#[test]
fn a_save_that_fails_after_the_run_keeps_the_older_outputs() {
    let d = scratch("failed_save");
    let out = d.join("out");
    let o = out.to_str().unwrap();
    let record = [
        "--record",
        "post_exc:v",
        "--record-spikes",
        "pre_exc:outputs",
    ];
    let mut first = vec!["run", "--steps", "50", "-q", "--out", o];
    first.extend(record);
    assert!(ngc(&first).status.success());
    let before = snapshot(&out);
    // The save's parent exists when the run starts and is a file when it ends.
    let parent = d.join("models");
    std::fs::create_dir(&parent).unwrap();
    let save = parent.join("m");
    let mut second = vec![
        "run",
        "--steps",
        "60000",
        "--out",
        o,
        "--save",
        save.to_str().unwrap(),
    ];
    second.extend(record);
    let child = spawn(&second);
    wait_for_part(&out);
    std::fs::remove_dir(&parent).unwrap();
    std::fs::write(&parent, "x").unwrap();
    let res = child.wait_with_output().unwrap();
    assert_eq!(res.status.code(), Some(1));
    let err = String::from_utf8(res.stderr).unwrap();
    assert!(err.contains("--save") && err.contains("is a file"), "{err}");
    assert_eq!(
        snapshot(&out),
        before,
        "the older recordings and figures stay"
    );
    assert_eq!(std::fs::read_to_string(&parent).unwrap(), "x");
}

#[test]
fn a_failed_save_keeps_the_older_recordings() {
    let d = scratch("failed_save_early");
    let out = d.join("out");
    let o = out.to_str().unwrap();
    let ok = ngc(&[
        "run",
        "--steps",
        "50",
        "--no-plots",
        "-q",
        "--out",
        o,
        "--record",
        "post_exc:v",
    ]);
    assert!(ok.status.success());
    let before = std::fs::read(out.join("post_exc.v.npy")).unwrap();
    std::fs::write(d.join("file"), "x").unwrap();
    let bad = d.join("file/model");
    let res = ngc(&[
        "run",
        "--steps",
        "80",
        "--no-plots",
        "--out",
        o,
        "--record",
        "post_exc:v",
        "--save",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(1));
    let err = String::from_utf8(res.stderr).unwrap();
    assert!(err.contains("is a file"), "{err}");
    assert_eq!(std::fs::read(out.join("post_exc.v.npy")).unwrap(), before);
}

#[test]
fn out_and_save_in_one_directory_are_refused_before_running() {
    let d = scratch("same_dir");
    let o = d.join("both");
    for save in [o.clone(), d.clone()] {
        let res = ngc(&[
            "run",
            "--steps",
            "5",
            "--no-plots",
            "--out",
            o.to_str().unwrap(),
            "--record",
            "post_exc:v",
            "--save",
            save.to_str().unwrap(),
        ]);
        assert_eq!(res.status.code(), Some(1));
        let err = String::from_utf8(res.stderr).unwrap();
        assert!(err.contains("inside the model directory"), "{err}");
        assert!(!o.exists());
    }
}

#[test]
fn out_naming_a_file_says_so() {
    let d = scratch("out_file");
    let f = d.join("f");
    std::fs::write(&f, "x").unwrap();
    let res = ngc(&[
        "run",
        "--steps",
        "5",
        "--no-plots",
        "--out",
        f.to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(1));
    let err = String::from_utf8(res.stderr).unwrap();
    assert!(err.contains("is a file, not a directory"), "{err}");
}

#[test]
fn recordings_larger_than_the_disk_are_refused_before_running() {
    let d = scratch("budget");
    let res = ngc(&[
        "run",
        "--steps",
        "1000000000000000",
        "--no-plots",
        "--out",
        d.join("o").to_str().unwrap(),
        "--record",
        "post_exc:v",
    ]);
    assert_eq!(res.status.code(), Some(1));
    let err = String::from_utf8(res.stderr).unwrap();
    assert!(err.contains("4.0 PB") && err.contains("free"), "{err}");
}

#[test]
fn a_feed_whose_header_claims_more_than_it_holds_is_an_error() {
    let d = scratch("bad_feed");
    let f = d.join("feed.npy");
    let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (10000000000, 1, 80), }";
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16 + 1).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(&[0u8; 64]);
    std::fs::write(&f, bytes).unwrap();
    let spec = format!("pre_exc:inputs={}", f.display());
    let res = ngc(&[
        "run",
        "--steps",
        "5",
        "--no-plots",
        "--out",
        d.join("o").to_str().unwrap(),
        "--feed",
        &spec,
    ]);
    assert_eq!(res.status.code(), Some(1));
    let err = String::from_utf8(res.stderr).unwrap();
    assert!(
        err.contains("feed.npy") && err.contains("the file holds 64"),
        "{err}"
    );
    assert!(!d.join("o").exists());
}

#[test]
fn usage_errors_are_one_line_with_exit_1() {
    for args in [&["run", "--bogus"][..], &["run", "--steps", "x"], &["nope"]] {
        let res = ngc(args);
        assert_eq!(res.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8(res.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("ngc: "), "{err}");
    }
    assert!(ngc(&["--help"]).status.success());
    assert!(ngc(&["--version"]).status.success());
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    use std::os::fd::FromRawFd;
    // A pipe whose reading end is closed before ngc starts: its first write fails.
    let mut fds = [0; 2];
    // SAFETY: pipe fills two new descriptors, each owned by one OwnedFd below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (read, write) = unsafe {
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    };
    drop(read);
    for args in [&["list"][..], &["help", "model-file"]] {
        let res = Command::new(env!("CARGO_BIN_EXE_ngc"))
            .args(args)
            .stdout(Stdio::from(write.try_clone().unwrap()))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(res.status.code(), Some(0), "{args:?}");
        assert!(
            res.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&res.stderr)
        );
    }
}

#[test]
fn recordings_carry_their_time_axis() {
    let d = scratch("sidecar");
    let o = d.join("o");
    let res = ngc(&[
        "run",
        "--steps",
        "30",
        "--dt",
        "0.25",
        "--t0",
        "1",
        "--no-plots",
        "-q",
        "--out",
        o.to_str().unwrap(),
        "--record",
        "post_exc:v",
        "--record-spikes",
        "pre_exc:outputs",
    ]);
    assert!(res.status.success());
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(o.join("post_exc.v.json")).unwrap()).unwrap();
    assert_eq!(meta["dt"], 0.25);
    assert_eq!(meta["t0"], 1.0);
    assert_eq!(meta["steps"], 30);
    assert_eq!(meta["class"], "LIFCell");
    assert_eq!(meta["kind"], "trace");
    let spikes: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(o.join("pre_exc.outputs.spikes.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(spikes["columns"], serde_json::json!(["step", "unit"]));
}

#[test]
fn one_cell_is_one_cell() {
    let out = ngc(&[
        "run",
        "--steps",
        "10",
        "--no-plots",
        "--out",
        scratch("plural").join("o").to_str().unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(" 1 cell "), "{text}");
    assert!(!text.contains(" 1 cells"), "{text}");
}

/// A model file whose one encoder gives no key.
fn keyless_model(dir: &Path, seed_line: &str) -> PathBuf {
    let p = dir.join("keyless.toml");
    let text = format!(
        "{seed_line}\n[[component]]\nname = \"pre\"\nclass = \"BernoulliCell\"\nn_units = 50\n\n\
         [process]\nadvance_proc = [\"pre\"]\n\n[initial]\n\"pre:inputs\" = 0.3\n"
    );
    std::fs::write(&p, text).unwrap();
    p
}

fn spikes_of(args: &[&str], out: &Path) -> (String, Vec<u8>) {
    let mut all = args.to_vec();
    let o = out.to_str().unwrap();
    all.extend([
        "--steps",
        "40",
        "--out",
        o,
        "--record-spikes",
        "pre:outputs",
    ]);
    let res = ngc(&all);
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let text = String::from_utf8(res.stdout).unwrap();
    (
        text,
        std::fs::read(out.join("pre.outputs.spikes.npy")).unwrap(),
    )
}

#[test]
fn a_clock_seed_is_printed_and_repeats_the_run() {
    let d = scratch("seed");
    let m = keyless_model(&d, "");
    let (text, first) = spikes_of(&["run", m.to_str().unwrap()], &d.join("a"));
    let line = text
        .lines()
        .find(|l| l.contains("drawn from the clock"))
        .expect(&text);
    let seed = line.split_whitespace().nth(1).unwrap().to_string();
    assert!(
        line.ends_with(&format!("--seed {seed} repeats this run")),
        "{line}"
    );
    let (_, again) = spikes_of(&["run", m.to_str().unwrap(), "--seed", &seed], &d.join("b"));
    assert_eq!(first, again, "the printed seed repeats the spikes");
    let other = (seed.parse::<u64>().unwrap() + 1).to_string();
    let (_, different) = spikes_of(
        &["run", m.to_str().unwrap(), "--seed", &other],
        &d.join("c"),
    );
    assert_ne!(first, different);
}

#[test]
fn a_model_files_seed_keys_its_keyless_components_and_seed_flag_wins() {
    let d = scratch("file_seed");
    let m = keyless_model(&d, "seed = 11");
    let (text, from_file) = spikes_of(&["run", m.to_str().unwrap()], &d.join("a"));
    assert!(text.contains("seed 11 (the model file's seed)"), "{text}");
    let (_, given) = spikes_of(&["run", m.to_str().unwrap(), "--seed", "11"], &d.join("b"));
    assert_eq!(from_file, given);
    let (text, other) = spikes_of(&["run", m.to_str().unwrap(), "--seed", "12"], &d.join("c"));
    assert!(text.contains("seed 12 (--seed)"), "{text}");
    assert_ne!(from_file, other);
}

#[test]
fn seed_is_refused_for_a_saved_model() {
    let d = scratch("seed_dir");
    let res = ngc(&[
        "run",
        fixture_model().to_str().unwrap(),
        "--seed",
        "3",
        "--out",
        d.join("o").to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(1));
    let err = String::from_utf8(res.stderr).unwrap();
    assert!(
        err.contains("--seed") && err.contains("saved keys"),
        "{err}"
    );
}
