use super::schema::{FaultKind, Patched};
use super::*;

fn load(text: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    Scenario::load_str(text, "t.toml", "t", &sets)
}

fn err(text: &str, sets: &[&str]) -> String {
    load(text, sets).unwrap_err().to_string()
}

const TWO: &str = "users = 10\n[adfs]\nservers = 3\n[variants.pre-kb]\nadfs.patched = 0\n[variants.post-kb]\nadfs.patched = 3\n";

#[test]
fn embedded_default_loads_with_pre_and_post_kb() {
    let s = Scenario::load_default(&[]).unwrap();
    let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["pre-kb", "post-kb"]);
    assert!(s.base.users >= 2000);
    assert_eq!(s.name(), "default");
}

#[test]
fn variants_keep_file_order_and_override_the_base() {
    let s = load(TWO, &[]).unwrap();
    assert_eq!(s.variants[0].name, "pre-kb");
    assert_eq!(s.variants[0].spec.adfs.patched, Patched::Count(0));
    assert_eq!(s.variants[1].spec.adfs.patched, Patched::Count(3));
    assert_eq!(s.variants[1].spec.adfs.servers, 3);
    assert_eq!(s.name(), "t");
}

#[test]
fn set_wins_over_variants_and_can_target_one() {
    let s = load(
        TWO,
        &[
            "adfs.servers=5",
            "variants.pre-kb.adfs.patched=1",
            "aad_connect.interval=3h",
        ],
    )
    .unwrap();
    assert!(s.variants.iter().all(|v| v.spec.adfs.servers == 5));
    assert_eq!(s.variants[0].spec.adfs.patched, Patched::Count(1));
    assert_eq!(
        s.variants[1].spec.aad_connect.interval.0,
        3 * crate::engine::time::HOUR
    );
}

#[test]
fn no_variants_means_one_called_base() {
    let s = load("users = 5\n", &[]).unwrap();
    assert_eq!(s.variants.len(), 1);
    assert_eq!(s.variants[0].name, "base");
}

#[test]
fn errors_name_file_line_column_and_key() {
    assert_eq!(
        err("users = 10\n[mfa]\np_fail = 1.5\n", &[]),
        "t.toml:3:1: key `mfa.p_fail`: 1.5 is not a probability; allowed: a number from 0 to 1"
    );
    let e = err("users = 10\n[mfa]\np_fial = 0.1\n", &[]);
    assert!(
        e.starts_with("t.toml:3:1: key `mfa.p_fial`: unknown key `p_fial`, expected one of"),
        "{e}"
    );
    let e = err("[adfs]\nservers = \"many\"\n", &[]);
    assert!(e.starts_with("t.toml:2:1: key `adfs.servers`: invalid type: string \"many\", expected a whole number"), "{e}");
    let e = err("[aad_connect]\ninterval = \"10m\"\n", &[]);
    assert!(
        e.contains("t.toml:2:1: key `aad_connect.interval`") && e.contains("allow_below_minimum"),
        "{e}"
    );
    let e = err(
        "[pin]\nentry = { dist = \"lognormal\", median = \"20s\", p95 = \"5s\" }\n",
        &[],
    );
    assert!(
        e.starts_with(
            "t.toml:2:1: key `pin.entry`: lognormal `p95` (5s) must be above `median` (20s)"
        ),
        "{e}"
    );
    let e = err(
        "[signin]\nwaves = [{ start = \"8h\", end = \"7h\", share = 1.0 }]\n",
        &[],
    );
    assert!(
        e.starts_with("t.toml:2:26: key `signin.waves[0].end`: window ends"),
        "{e}"
    );
    let e = err("horizon = 5\n", &[]);
    assert!(
        e.contains("key `horizon`") && e.contains("has no unit"),
        "{e}"
    );
}

#[test]
fn variant_errors_point_into_the_variant() {
    let e = err(
        "[adfs]\nservers = 2\n[variants.post-kb]\nadfs.patched = 3\n",
        &[],
    );
    assert!(
        e.starts_with("t.toml:4:6: key `variants.post-kb.adfs.patched`: 3 patched servers"),
        "{e}"
    );
    let e = err("[variants.x]\nusers = 3\n", &[]);
    assert!(
        e.contains("key `variants.x.users`") && e.contains("cannot change"),
        "{e}"
    );
    let e = err("[variants.x]\nadfs.bogus = 3\n", &[]);
    assert!(
        e.starts_with("t.toml:2:") && e.contains("variants.x.adfs.bogus"),
        "{e}"
    );
}

#[test]
fn flag_errors_name_the_flag() {
    let e = err(TWO, &["adfs.patched=9"]);
    assert!(
        e.starts_with("--set adfs.patched=9: key `adfs.patched`"),
        "{e}"
    );
    let e = err(TWO, &["variants.nope.adfs.patched=1"]);
    assert!(
        e.contains("no variant `nope`") && e.contains("pre-kb, post-kb"),
        "{e}"
    );
    let e = err(TWO, &["adfs.servers"]);
    assert!(e.contains("is not KEY=VALUE"), "{e}");
    let e = err(TWO, &["mfa.bogus=1"]);
    assert!(
        e.starts_with("--set mfa.bogus=1: key `mfa.bogus`: unknown key"),
        "{e}"
    );
}

#[test]
fn toml_syntax_errors_have_a_position() {
    let e = err("users = 10\n[adfs\nservers = 2\n", &[]);
    assert!(e.starts_with("t.toml:2:"), "{e}");
    assert!(e.contains("not valid TOML"), "{e}");
}

#[test]
fn sweep_table_is_read() {
    let s = load(
        "[sweep]\n\"aad_connect.interval\" = [\"30m\", \"1h\"]\n",
        &[],
    )
    .unwrap();
    assert_eq!(s.sweep.len(), 1);
    assert_eq!(s.sweep[0].values.len(), 2);
    let e = err("[sweep]\n\"adfs.servers\" = 3\n", &[]);
    assert!(e.contains("non-empty array"), "{e}");
}

#[test]
fn with_overrides_revalidates() {
    let s = load(TWO, &[]).unwrap();
    let o = Override::parse("adfs.servers=1").unwrap();
    let e = s.with_overrides(&[o]).unwrap_err().to_string();
    assert!(e.contains("adfs.patched"), "{e}");
}

#[test]
fn variants_cannot_mix_pki_modes() {
    let e = err(
        "[variants.a]\nadfs.patched = 0\n[variants.b]\npki.mode = \"off\"\n",
        &[],
    );
    assert!(
        e.contains("`variants.b.pki.mode`") && e.contains("same pki.mode"),
        "{e}"
    );
}

#[test]
fn patched_takes_all_none_or_a_number() {
    let s = load(
        "users = 10\n[adfs]\nservers = 3\n[variants.a]\nadfs.patched = \"all\"\n[variants.b]\nadfs.patched = \"none\"\n[variants.c]\nadfs.patched = 2\n",
        &[],
    )
    .unwrap();
    let got: Vec<(Patched, u32)> = s
        .variants
        .iter()
        .map(|v| (v.spec.adfs.patched, v.spec.adfs.patched_servers()))
        .collect();
    assert_eq!(
        got,
        [
            (Patched::All, 3),
            (Patched::None, 0),
            (Patched::Count(2), 2)
        ]
    );
    // "all" follows the farm when the servers change.
    let s = load(
        "users = 10\n[variants.a]\nadfs.patched = \"all\"\n",
        &["adfs.servers=5"],
    )
    .unwrap();
    assert_eq!(s.variants[0].spec.adfs.patched_servers(), 5);
    let e = err("users = 10\n[adfs]\npatched = \"some\"\n", &[]);
    assert!(
        e.starts_with("t.toml:3:1: key `adfs.patched`") && e.contains("\"all\", \"none\""),
        "{e}"
    );
}

#[test]
fn a_variant_replaces_or_clears_the_fault_list() {
    let s = load(
        "users = 10\n[[faults]]\nkind = \"drs_down\"\nstart = \"08:00\"\nend = \"08:20\"\n\
         [variants.keeps]\nadfs.patched = 0\n\
         [variants.clears]\nfaults = []\n\
         [variants.own]\n[[variants.own.faults]]\nkind = \"ca_down\"\nstart = \"09:00\"\nend = \"09:10\"\n",
        &[],
    )
    .unwrap();
    let kinds: Vec<Vec<FaultKind>> = s
        .variants
        .iter()
        .map(|v| v.spec.faults.iter().map(|f| f.effect.kind()).collect())
        .collect();
    assert_eq!(
        kinds,
        [vec![FaultKind::DrsDown], vec![], vec![FaultKind::CaDown]]
    );
    // `--set faults=[]` clears them everywhere.
    let s = load(
        "users = 10\n[[faults]]\nkind = \"drs_down\"\nstart = \"08:00\"\nend = \"08:20\"\n",
        &["faults=[]"],
    )
    .unwrap();
    assert!(s.variants[0].spec.faults.is_empty());
}

#[test]
fn peak_window_must_sit_on_the_bucket_grid_within_the_horizon() {
    for (v, ok) in [
        ("1h", true),
        ("5m", true),
        ("7m", false),
        ("1m", false),
        ("15d", false),
    ] {
        let r = load(
            &format!("users = 10\n[report]\npeak_window = \"{v}\"\n"),
            &[],
        );
        assert_eq!(r.is_ok(), ok, "{v}: {r:?}");
        if let Err(e) = r {
            assert_eq!(e.key.as_deref(), Some("report.peak_window"), "{v}");
        }
    }
}

#[test]
fn shares_that_do_not_sum_to_one_are_named_with_a_rounded_sum() {
    let e = err(
        "[signin]\nwaves = [{ start = \"8h\", end = \"9h\", share = 0.05 }, { start = \"9h\", end = \"10h\", share = 0.3 }, { start = \"10h\", end = \"11h\", share = 0.95 }]\n",
        &[],
    );
    // 0.05 + 0.3 + 0.95 is 1.2999999999999998 in floating point.
    assert!(
        e.contains("the shares sum to 1.3; they must sum to 1"),
        "{e}"
    );
}
