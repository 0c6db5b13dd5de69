//! Fuzzing kept in the repository, beside `fuzz_scenario.rs` and `fuzz_shards.rs`: valid
//! samples of every export `fit` reads — event XML bare and inside `<Events>`, a real
//! `.evtx` log, Azure AD Connect run history (an array and one run), certutil's CSV with
//! its closing `CertUtil:` line, the sign-in CSV and JSON (an array and Graph's
//! `{"value": …}`) — mutated (bytes flipped, cut short, spans doubled or dropped, hostile
//! tokens — huge numbers, odd times, entities, quotes — and deep nesting put in) and read
//! by `exports::load` (the `.evtx` log also with bytes flipped where its records are), and
//! some through the whole `whfb-sim fit`. Each is accepted or
//! refused with a message naming the file (exit 2 from the binary, which then leaves no
//! output folder and nothing beside it), never a panic or another failure. The case
//! counts keep it to about five seconds of a debug build on two cores; the counts of
//! accepted and refused cases are printed (`-- --nocapture`). `WHFB_FUZZ_CASES=N` runs N
//! cases of each instead (a longer soak, e.g. on a release build).
#![cfg(unix)]

use crate::common::child;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use whfb_sim::exports::load::load;

/// An event as `wevtutil qe /f:xml` writes it.
fn event(id: u32, guid: &str, at: &str, record: u32, data: &str) -> String {
    format!(
        r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-HelloForBusiness" Guid="{{{guid}}}" /><EventID>{id}</EventID><TimeCreated SystemTime="2025-12-01T{at}Z" /><EventRecordID>{record}</EventRecordID><Channel>Microsoft-Windows-HelloForBusiness/Operational</Channel><Computer>PC0001</Computer><Security UserID="S-1-5-21-9-1" /></System>{data}</Event>"#
    )
}

/// One device's provisioning, as bare events one per line.
fn events() -> String {
    let hello = "906b8a99-63ce-58d7-86ab-10989bbd5567";
    let udr = "23B8D46B-67DD-40A3-B636-D43E50552C6D";
    [
        event(358, udr, "08:00:00.1234567", 1, "<EventData />"),
        event(3225, hello, "08:01:10.5", 2, ""),
        event(
            8225,
            hello,
            "08:01:13",
            3,
            r#"<EventData><Data Name="ProcessingTime">3</Data><Data Name="Note">a &amp; b &#x41;</Data></EventData>"#,
        ),
        event(3510, hello, "08:01:13.1", 4, ""),
        event(8510, hello, "08:01:14.3", 5, ""),
        event(
            1006,
            "bea18b89-126f-4155-9ee4-d36038b02680",
            "08:01:20",
            6,
            r#"<UserData><CertNotificationData><Context>User</Context><CertificateDetails Thumbprint="AB12"><Template Name="WHFB"/></CertificateDetails></CertNotificationData></UserData>"#,
        ),
    ]
    .join("\n")
}

fn run_history() -> String {
    let run = |conn: &str, profile: &str, s: &str, e: &str, staged: u32| {
        format!(
            r#"{{"RunHistoryId":"3b1f1a2e-0000-0000-0000-000000000001","ConnectorName":"{conn}","RunProfileName":"{profile}","Result":"success","StartDate":"{s}","EndDate":"{e}","RunStepResults":[{{"StepNumber":1,"StageAdd":{staged},"StageUpdate":1,"ExportUpdate":0}}]}}"#
        )
    };
    format!(
        "[\n{},\n{},\n{}\n]",
        run(
            "contoso.com",
            "Delta Import",
            "2025-12-01T08:00:00.163",
            "2025-12-01T08:00:10.163",
            12
        ),
        run(
            "contoso.onmicrosoft.com - AAD",
            "Export",
            "2025-12-01T08:00:11",
            "2025-12-01T08:00:20",
            0
        ),
        run(
            "contoso.com",
            "Export",
            "/Date(1764576021163)/",
            "/Date(1764576031163)/",
            0
        ),
    )
}

const ONE_RUN: &str = r#"{"ConnectorName":"contoso.com","RunProfileName":"Export","Result":"success","StartDate":"\/Date(1649448811163)\/","EndDate":"\/Date(1649448871163)\/","RunStepResults":{"ExportUpdate":4}}"#;

const CERTUTIL: &str = "\"Request ID\",\"Request Submission Date\",\"Request Resolution Date\",\"Certificate Effective Date\",\"Certificate Template\",\"Requester Name\"\n\
\"12\",\"2025-12-01 08:01:19\",\"2025-12-01 08:01:20\",\"2025-12-01 07:56:20\",\"WHFBAuthentication\",\"CONTOSO\\adfssvc\"\n\
\"13\",\"12/1/2025 8:19:41 AM GMT\",\"12/1/2025 8:19:42 AM GMT\",\"\",\"WHFBAuthentication\",\"CONTOSO\\adfssvc\"\n\
\"14\",\"01.12.2025 08:19:41\",\"01.12.2025 08:19:43\",\"\",\"WHFBAuthentication\",\"CONTOSO\\adfssvc\"\n\
CertUtil: -view command completed successfully.\n";

const SIGNIN_CSV: &str = "Date (UTC),Request ID,User ID ,Username,Application,Device ID,Status\n\
2025-12-01T08:00:00Z,1,8d2e-11,ann@contoso.com,Windows Sign In,AB-12,Success\n\
2025-12-01T08:05:00.5Z,2,8d2e-12,bob@contoso.com,Windows Sign In,,Failure\n";

const SIGNIN_ROW: &str = r#"{"createdDateTime":"2025-12-01T08:19:41Z","userPrincipalName":"ann@contoso.com","userId":"8d2e-11","appDisplayName":"Windows Sign In","deviceDetail":{"deviceId":"AB-12","operatingSystem":"Windows10"},"status":{"errorCode":0}}"#;

/// Every valid sample: (file name, bytes). The names carry no meaning to `load`.
fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let evtx = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/evtx/HelloForBusiness-Operational.evtx"),
    )
    .expect("the .evtx fixture");
    vec![
        ("events.xml", events().into_bytes()),
        (
            "wrapped.xml",
            format!("<?xml version=\"1.0\"?>\n<Events>{}</Events>", events()).into_bytes(),
        ),
        ("log.evtx", evtx),
        ("history.json", run_history().into_bytes()),
        ("one-run.json", ONE_RUN.as_bytes().to_vec()),
        ("ca.csv", CERTUTIL.as_bytes().to_vec()),
        ("signins.csv", SIGNIN_CSV.as_bytes().to_vec()),
        (
            "signins.json",
            format!("[{SIGNIN_ROW},\n{SIGNIN_ROW}]").into_bytes(),
        ),
        (
            "graph.json",
            format!(r#"{{"@odata.context":"x","value":[{SIGNIN_ROW}]}}"#).into_bytes(),
        ),
    ]
}

/// What a hostile or careless hand puts in an export.
const HOSTILE: &[&str] = &[
    "0",
    "-1",
    "4294967296",
    "18446744073709551616",
    "99999999999999999999999999999999",
    "1e308",
    "-1e309",
    "NaN",
    "9999-12-31T23:59:59.9999999Z",
    "0000-00-00T00:00:00Z",
    "1601-01-01T00:00:00Z",
    "2025-02-29T08:00:00Z",
    "2025-12-01T24:00:60Z",
    "2025-12-01T08:00:00.1234567890Z",
    "2025-12-01T08:00:00+02:00",
    "2025-12-01T08:00:0é",
    "12/31/9999 11:59:59 PM",
    "/Date(-99999999999999999)/",
    "/Date(9223372036854775807)/",
    "\\/Date(99999999999999)\\/",
    "é",
    "\u{feff}",
    "\u{0}",
    "\u{fffd}",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "&unknown;",
    "<![CDATA[x]]>",
    "<!--",
    "]]>",
    "<Event>",
    "</Event>",
    "<EventData><Data Name=\"ProcessingTime\">1e999</Data></EventData>",
    "\"",
    "\"\"",
    ",",
    "\n",
    "\r\n",
    "null",
    "{}",
    "[]",
    "ElfFile\0",
    "ElfChnk\0",
];

/// One change to a sample. Positions are fractions of its length, so one strategy serves
/// every sample.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR one byte.
    Flip(f64, u8),
    /// Cut it short.
    Truncate(f64),
    /// Repeat a span in place (a doubled element, field or row).
    Duplicate(f64, usize),
    /// Drop a span (a missing element, quote or bracket).
    Remove(f64, usize),
    /// Put in a hostile token.
    Insert(f64, &'static str),
    /// Overwrite a span with a hostile token (a value replaced).
    Replace(f64, usize, &'static str),
    /// Open `n` arrays, objects or elements and never close them.
    Nest(f64, &'static str, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0..1.0f64;
    let token = prop::sample::select(HOSTILE);
    prop_oneof![
        (at.clone(), 1..=255u8).prop_map(|(a, x)| Mutation::Flip(a, x)),
        at.clone().prop_map(Mutation::Truncate),
        (at.clone(), 1..400usize).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (at.clone(), 1..40usize).prop_map(|(a, n)| Mutation::Remove(a, n)),
        (at.clone(), token.clone()).prop_map(|(a, t)| Mutation::Insert(a, t)),
        (at.clone(), 1..24usize, token).prop_map(|(a, n, t)| Mutation::Replace(a, n, t)),
        (
            at,
            prop::sample::select(&["[", "{\"a\":", "<a>", "<Data>"][..]),
            1..5000usize
        )
            .prop_map(|(a, open, n)| Mutation::Nest(a, open, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
    let len = bytes.len();
    match *m {
        Mutation::Flip(f, x) => {
            if len > 0 {
                let i = at(f, len - 1);
                bytes[i] ^= x;
            }
        }
        Mutation::Truncate(f) => bytes.truncate(at(f, len)),
        Mutation::Duplicate(f, n) => {
            let i = at(f, len);
            let span = bytes[i..(i + n).min(len)].to_vec();
            bytes.splice(i..i, span);
        }
        Mutation::Remove(f, n) => {
            let i = at(f, len);
            bytes.drain(i..(i + n).min(len));
        }
        Mutation::Insert(f, t) => {
            let i = at(f, len);
            bytes.splice(i..i, t.bytes());
        }
        Mutation::Replace(f, n, t) => {
            let i = at(f, len);
            bytes.splice(i..(i + n).min(len), t.bytes());
        }
        Mutation::Nest(f, open, n) => {
            let i = at(f, len);
            bytes.splice(i..i, open.repeat(n).into_bytes());
        }
    }
}

/// Cases of a test: `default`, or `WHFB_FUZZ_CASES` for a longer soak.
fn cases(default: u32) -> u32 {
    std::env::var("WHFB_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Accepted and refused cases, for the report.
struct Tally {
    accepted: AtomicUsize,
    refused: AtomicUsize,
}

fn report_tally(what: &str, t: &Tally) {
    eprintln!(
        "fuzz {what}: {} accepted, {} refused",
        t.accepted.load(Ordering::Relaxed),
        t.refused.load(Ordering::Relaxed)
    );
}

/// A sample by index, with its mutations applied.
fn mutated(all: &[(&'static str, Vec<u8>)], which: usize, muts: &[Mutation]) -> Vec<u8> {
    let mut bytes = all[which].1.clone();
    for m in muts {
        apply(&mut bytes, m);
    }
    bytes
}

#[test]
fn every_sample_is_read_as_it_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, bytes) in samples() {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).expect("write");
        let e = load(std::slice::from_ref(&p)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let s = &e.sources[0];
        assert!(
            s.used > 0
                && s.skipped
                    .iter()
                    .all(|k| k.reason.contains("provider {0000")),
            "{name}: {s:?}"
        );
    }
}

#[test]
fn mutated_exports_are_read_or_refused_never_a_panic() {
    static TALLY: Tally = Tally {
        accepted: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
    };
    let all = samples();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut runner = TestRunner::new(Config {
        cases: cases(700),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(0..all.len(), prop::collection::vec(mutation(), 1..4)),
            |(which, muts)| {
                let p = dir.path().join(all[which].0);
                std::fs::write(&p, mutated(&all, which, &muts)).expect("write");
                match load(std::slice::from_ref(&p)) {
                    Ok(e) => {
                        let s = &e.sources[0];
                        let skipped: u64 = s.skipped.iter().map(|k| k.count).sum();
                        prop_assert_eq!(s.records, s.used + skipped);
                        TALLY.accepted.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(m) => {
                        let m = m.to_string();
                        if std::env::var_os("FUZZ_SHOW").is_some() {
                            eprintln!("REFUSED {}", m.chars().take(300).collect::<String>());
                        }
                        prop_assert!(m.contains(all[which].0), "not naming the file: {}", m);
                        prop_assert!(m.len() < 4096, "{}", m);
                        TALLY.refused.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(())
            },
        )
        .expect("no mutated export panics");
    report_tally("exports, load", &TALLY);
}

#[test]
fn evtx_records_damaged_byte_by_byte_are_read_or_counted() {
    static TALLY: Tally = Tally {
        accepted: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
    };
    static DAMAGED: AtomicUsize = AtomicUsize::new(0);
    let all = samples();
    let log = &all
        .iter()
        .find(|s| s.0 == "log.evtx")
        .expect("the .evtx sample")
        .1;
    // The chunk's header, string and template tables and records lie in its first few
    // KiB (the rest is free space): the flips go there, with the checksums not checked,
    // so the damage reaches the parser of the records themselves.
    let used = 4096usize..4096 + 6 * 1024;
    let mut runner = TestRunner::new(Config {
        cases: cases(400),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec((used, 1..=255u8), 1..8), |flips| {
            let mut bytes = log.clone();
            for (at, x) in flips {
                bytes[at] ^= x;
            }
            let size = bytes.len() as u64;
            match whfb_sim::exports::evtx_logs::read(std::io::Cursor::new(bytes), size) {
                Ok(r) => {
                    prop_assert!(!r.events.is_empty() || !r.skipped.is_empty());
                    if r.skipped.values().map(|c| c.0).sum::<u64>() > 1 {
                        DAMAGED.fetch_add(1, Ordering::Relaxed);
                    }
                    TALLY.accepted.fetch_add(1, Ordering::Relaxed);
                }
                Err(m) => {
                    let m = m.to_string();
                    prop_assert!(!m.is_empty() && m.len() < 4096, "{}", m);
                    TALLY.refused.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(())
        })
        .expect("no damaged record panics");
    report_tally("evtx records", &TALLY);
    eprintln!(
        "fuzz evtx records: {} read with more records skipped than the intact log's one",
        DAMAGED.load(Ordering::Relaxed)
    );
}

#[test]
fn mutated_exports_fit_whole_or_exit_2_leaving_nothing() {
    static TALLY: Tally = Tally {
        accepted: AtomicUsize::new(0),
        refused: AtomicUsize::new(0),
    };
    let all = samples();
    let mut runner = TestRunner::new(Config {
        cases: cases(10),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            // Events (so that there is something to fit) and one other export, mutated.
            &(
                0..all.len(),
                prop::collection::vec(mutation(), 1..3),
                prop::bool::ANY,
            ),
            |(which, muts, events_too)| {
                let tmp = tempfile::tempdir().expect("temp dir");
                let exports = tmp.path().join("exports");
                std::fs::create_dir(&exports).expect("mkdir");
                if events_too {
                    std::fs::write(exports.join("base-events.xml"), events()).expect("write");
                }
                std::fs::write(exports.join(all[which].0), mutated(&all, which, &muts))
                    .expect("write");
                let out = tmp.path().join("fitted");
                let args = [
                    "fit",
                    exports.to_str().expect("utf-8"),
                    "--out",
                    out.to_str().expect("utf-8"),
                    "--bootstrap",
                    "0",
                    "--quiet",
                ];
                let mut child = Command::new(crate::common::BIN)
                    .args(args)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(std::fs::File::create(tmp.path().join("stderr")).expect("stderr"))
                    .spawn()
                    .expect("the binary starts");
                let (status, _) = child::wait_or_kill(&mut child, &args, Duration::from_secs(60));
                let err = std::fs::read_to_string(tmp.path().join("stderr")).unwrap_or_default();
                match status.code() {
                    Some(0) => {
                        prop_assert!(out.join("fit.json").is_file());
                        TALLY.accepted.fetch_add(1, Ordering::Relaxed);
                    }
                    Some(2) => {
                        prop_assert!(!err.is_empty() && !err.contains("panicked"), "{}", err);
                        prop_assert!(!out.exists(), "a refused fit wrote {}", out.display());
                        TALLY.refused.fetch_add(1, Ordering::Relaxed);
                    }
                    other => prop_assert!(false, "exit {:?}: {}", other, err),
                }
                let left: Vec<String> = std::fs::read_dir(tmp.path())
                    .expect("list")
                    .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with('.'))
                    .collect();
                prop_assert!(left.is_empty(), "left behind: {:?}", left);
                Ok(())
            },
        )
        .expect("no mutated export panics or fails otherwise");
    report_tally("exports, whole fit", &TALLY);
}
