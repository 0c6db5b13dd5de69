//! `whfb-sim fit` on exports of hostile size or kind, run as a child process killed after
//! a deadline: a large events export is streamed in memory far below its size; JSON
//! nested 100,000 deep or holding one endless element, a device, a FIFO, a sparse 3 GB
//! file and an `.evtx` header followed by zeros are refused with exit 2 at once, naming
//! the file and what is wrong, and leave no output folder. `.evtx` logs are read through
//! the binary too. Measurements are printed (`-- --nocapture`); `WHFB_BIG_EXPORT_MB=N`
//! sizes the large export (default 64).
#![cfg(unix)]

use crate::common::{child, mkfifo, sparse_file};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A refusal takes milliseconds; the large export a few seconds of a debug build.
const DEADLINE: Duration = Duration::from_secs(120);

struct Outcome {
    code: Option<i32>,
    stderr: String,
    took: Duration,
    /// Its peak resident set, bytes: the high-water mark of its memory since it exec'd
    /// (`VmHWM` in `/proc/PID/status`), read at every poll while it runs. Neither
    /// `getrusage` of the children nor `wait4`'s usage will do: Linux carries the forking
    /// process's peak into the child's `ru_maxrss` across exec, and this process is the
    /// whole test suite.
    peak_bytes: u64,
}

/// `VmHWM` of process `pid`, KiB, while it runs.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `whfb-sim fit ARGS --out OUT --bootstrap 0 --quiet`, killed after [`DEADLINE`].
fn fit(args: &[&str], out: &Path) -> Outcome {
    let tmp = tempfile::tempdir().expect("temp dir");
    let err_path = tmp.path().join("stderr");
    let mut all: Vec<&str> = vec!["fit"];
    all.extend(args);
    all.extend([
        "--out",
        out.to_str().expect("utf-8"),
        "--bootstrap",
        "0",
        "--quiet",
    ]);
    let mut child = Command::new(crate::common::BIN)
        .args(&all)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("the binary starts");
    let mut peak_kib = 0;
    let (status, took) = child::wait_watching(&mut child, &all, DEADLINE, |pid| {
        peak_kib = vm_hwm_kib(pid).unwrap_or(0).max(peak_kib);
    });
    Outcome {
        code: status.code(),
        stderr: std::fs::read_to_string(err_path).unwrap_or_default(),
        took,
        peak_bytes: peak_kib * 1024,
    }
}

/// Asserts exit 2 with a message holding every one of `says`, quickly, writing nothing.
fn refused(args: &[&str], says: &[&str]) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("fitted");
    let o = fit(args, &out);
    assert_eq!(o.code, Some(2), "{args:?}: {}", o.stderr);
    for s in says {
        assert!(o.stderr.contains(s), "{args:?}: {}", o.stderr);
    }
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    assert!(
        o.took < Duration::from_secs(10),
        "{args:?} took {:?}",
        o.took
    );
    assert!(!out.exists(), "{args:?} wrote {}", out.display());
    eprintln!("refused in {:?}: {args:?}", o.took);
}

/// One event as `wevtutil qe /f:xml` writes it.
fn event(w: &mut impl Write, log: (&str, &str, &str), id: u32, secs: u64, record: u64, pc: &str) {
    let (provider, guid, channel) = log;
    let (h, m, s, frac) = (secs / 3_600, secs / 60 % 60, secs % 60, record % 10_000_000);
    writeln!(
        w,
        r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="{provider}" Guid="{{{guid}}}" /><EventID>{id}</EventID><TimeCreated SystemTime="2025-12-01T{h:02}:{m:02}:{s:02}.{frac:07}Z" /><EventRecordID>{record}</EventRecordID><Channel>{channel}</Channel><Computer>{pc}</Computer><Security UserID="S-1-5-21-9-{pc}" /></System><EventData><Data Name="SubjectUserName">{pc}$</Data><Data Name="ProcessName">C:\Windows\System32\winlogon.exe</Data></EventData></Event>"#
    )
    .expect("write");
}

/// Writes `bytes` of events, streaming: a 200-device pilot's provisioning, then the rest
/// of what an administrator exported with it (the Security log).
fn large_export(path: &Path, bytes: u64) {
    const HELLO: (&str, &str, &str) = (
        "Microsoft-Windows-HelloForBusiness",
        "906b8a99-63ce-58d7-86ab-10989bbd5567",
        "Microsoft-Windows-HelloForBusiness/Operational",
    );
    const SECURITY: (&str, &str, &str) = (
        "Microsoft-Windows-Security-Auditing",
        "54849625-5478-4994-a5ba-3e3b0328c30d",
        "Security",
    );
    let file = std::fs::File::create(path).expect("create");
    let mut w = std::io::BufWriter::new(file);
    // Durations vary from device to device (a fixed one would fit nothing).
    let mut x = 12_345u64;
    let mut draw = |n: u64| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        1 + (x >> 33) % n
    };
    for d in 0..200u64 {
        let pc = format!("PC{d:04}");
        let mut t = 8 * 3_600 + draw(3_000);
        for (k, id) in [358, 3225, 8225, 3510, 8510, 3066, 8066, 1006]
            .into_iter()
            .enumerate()
        {
            t += draw(if id == 3225 { 200 } else { 8 });
            event(&mut w, HELLO, id, t, k as u64 + 1, &pc);
        }
    }
    let mut record = 0u64;
    while w.get_ref().metadata().expect("size").len() < bytes {
        for _ in 0..1_000 {
            record += 1;
            event(
                &mut w,
                SECURITY,
                4625,
                9 * 3_600 + record % 3_600,
                record,
                "DC01",
            );
        }
        w.flush().expect("flush");
    }
}

#[test]
fn a_large_events_export_is_streamed_in_memory_far_below_its_size() {
    let mb: u64 = std::env::var("WHFB_BIG_EXPORT_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let tmp = tempfile::tempdir().expect("temp dir");
    let export = tmp.path().join("events.xml");
    large_export(&export, mb << 20);
    let size = std::fs::metadata(&export).expect("size").len();
    let out = tmp.path().join("fitted");
    let o = fit(&[export.to_str().expect("utf-8")], &out);
    let rss = o.peak_bytes;
    assert!(rss > 0, "no VmHWM read for the fit child");
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    eprintln!(
        "fit on a {:.1} MB events export: {:.1} s, max RSS {:.1} MB",
        size as f64 / 1e6,
        o.took.as_secs_f64(),
        rss as f64 / 1e6
    );
    assert!(rss < size / 2, "max RSS {rss} for a {size}-byte export");
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("fit.json")).expect("fit.json"))
            .expect("json");
    assert_eq!(j["population"]["devices"], 200, "{}", j["population"]);
    let source = &j["sources"][0];
    assert_eq!(source["used"], 1_600, "{source}");
    assert!(
        source["skipped"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("channel `Security`")),
        "{source}"
    );
}

#[test]
fn hostile_json_is_refused_at_once() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &[u8]| -> PathBuf {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let deep = "[".repeat(100_000);
    let history = write(
        "history.json",
        format!(r#"[{{"RunProfileName":"Export","StartDate":{deep}"#).as_bytes(),
    );
    let signins = write(
        "signins.json",
        format!(r#"{{"value":[{{"createdDateTime":"2025-12-01T08:00:00Z","x":{deep}"#).as_bytes(),
    );
    for p in [&history, &signins] {
        let f = p.to_str().expect("utf-8");
        refused(&[f], &[f, "recursion limit exceeded"]);
    }
    // One element of 3 MB: refused once it passes the 1 MiB cap.
    let long = "x".repeat(3 << 20);
    let history = write(
        "long-history.json",
        format!(r#"[{{"RunProfileName":"Export","StartDate":"{long}"}}]"#).as_bytes(),
    );
    let signins = write(
        "long-signins.json",
        format!(r#"[{{"createdDateTime":"{long}"}}]"#).as_bytes(),
    );
    for (p, what) in [(&history, "a run larger"), (&signins, "a sign-in larger")] {
        let f = p.to_str().expect("utf-8");
        refused(&[f], &[f, what]);
    }
}

#[test]
fn devices_fifos_and_sparse_files_are_refused_at_once() {
    refused(&["/dev/zero"], &["/dev/zero", "is a character device"]);
    let tmp = tempfile::tempdir().expect("temp dir");
    let fifo = tmp.path().join("events.xml");
    mkfifo(&fifo);
    let f = fifo.to_str().expect("utf-8");
    refused(&[f], &[f, "is a FIFO"]);
    // 3 GB of zeros, sparse: typed from its first bytes, never read through.
    let sparse = tmp.path().join("big.xml");
    sparse_file(&sparse, 3 << 30);
    let f = sparse.to_str().expect("utf-8");
    refused(&[f], &[f, "not an export this reads"]);
    // An .evtx magic and then zeros: refused from its header.
    let evtx = tmp.path().join("big.evtx");
    let mut file = std::fs::File::create(&evtx).expect("create");
    file.write_all(b"ElfFile\0").expect("write");
    file.set_len(3 << 30).expect("sparse");
    let f = evtx.to_str().expect("utf-8");
    refused(&[f], &[f, "not an .evtx file header"]);
}

#[test]
fn evtx_logs_are_read_through_the_binary_and_damaged_ones_refused() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evtx");
    let hello = fixtures.join("HelloForBusiness-Operational.evtx");
    let security = fixtures.join("Security-short.evtx");
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("fitted");
    let o = fit(
        &[
            hello.to_str().expect("utf-8"),
            security.to_str().expect("utf-8"),
            "--policy-start",
            "2018-07-01T00:00:00Z",
        ],
        &out,
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("fit.json")).expect("fit.json"))
            .expect("json");
    let counts: Vec<(String, u64, u64)> = j["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap_or_default().to_string(),
                s["records"].as_u64().unwrap_or_default(),
                s["used"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let kind = "windows_event_log".to_string();
    assert_eq!(counts, [(kind.clone(), 6, 5), (kind, 7, 0)]);
    // A copy cut short is refused, naming the file and what is wrong.
    let cut = tmp.path().join("cut.evtx");
    let bytes = std::fs::read(&hello).expect("fixture");
    std::fs::write(&cut, &bytes[..40_000]).expect("write");
    let f = cut.to_str().expect("utf-8");
    refused(&[f], &[f, "truncated"]);
}
