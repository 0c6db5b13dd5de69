//! Any figure of a run's summary by a dotted path: `VARIANT.FIELD.FIELD...`, the same
//! names as in `summary.json` under the variant, e.g. `post-kb.time_to_usable_s.p95`,
//! `post-kb.resources.ca.peak.utilization`, `ca-1-worker.bottleneck.share`,
//! `post-kb.faults.0.delay_s.p95`. A field written without its unit suffix
//! (`time_to_usable`) finds the one with `_s`. What targets and searches (`plan`) read.

use super::summary::Summary;
use crate::error::UsageError;
use serde_json::Value;

/// The figure at `path` in `summary`: `Ok(None)` when it, or what it is inside, is null
/// (e.g. a percentile with no usable user, or the share of an absent bottleneck), an
/// error naming what is allowed
/// when the variant or a field does not exist or is not a number.
pub fn figure(summary: &Summary, path: &str) -> Result<Option<f64>, UsageError> {
    let mut parts = path.split('.');
    let name = parts.next().unwrap_or_default();
    let Some(v) = summary.variants.iter().find(|v| v.name == name) else {
        let names: Vec<&str> = summary.variants.iter().map(|v| v.name.as_str()).collect();
        return Err(format!(
            "`{path}`: no variant `{name}`; the scenario has: {}",
            names.join(", ")
        )
        .into());
    };
    let mut cur = serde_json::to_value(v).map_err(|e| e.to_string())?;
    let mut walked = name.to_string();
    for part in parts {
        let next = match &cur {
            Value::Object(m) => m
                .get(part)
                .or_else(|| m.get(&format!("{part}_s")))
                .cloned()
                .ok_or_else(|| {
                    let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                    format!(
                        "`{path}`: `{walked}` has no `{part}`; it has: {}",
                        keys.join(", ")
                    )
                })?,
            Value::Array(a) => part
                .parse::<usize>()
                .ok()
                .and_then(|i| a.get(i).cloned())
                .ok_or_else(|| {
                    format!(
                        "`{path}`: `{walked}` is a list of {}; `{part}` is not an index in it",
                        a.len()
                    )
                })?,
            // Inside something absent (no bottleneck, a percentile of nobody): absent too.
            Value::Null => return Ok(None),
            _ => return Err(format!("`{path}`: `{walked}` is a figure, not a table").into()),
        };
        walked = format!("{walked}.{part}");
        cur = next;
    }
    match cur {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        _ => Err(format!("`{path}` is not a number; name a figure inside it").into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Model, TraceFilter};
    use crate::pki::OffPki;
    use crate::run::{ScenarioResult, VariantResult};
    use crate::scenario::Scenario;

    #[test]
    fn dotted_paths_reach_every_figure() {
        let sc = Scenario::load_str(
            "users = 100\npki.mode = \"off\"\n[variants.post-kb]\nadfs.patched = \"all\"\n[[variants.post-kb.faults]]\nkind = \"drs_down\"\nstart = \"08:00\"\nend = \"08:30\"\n",
            "t.toml",
            "t",
            &[],
        )
        .unwrap();
        let spec = &sc.variants[0].spec;
        let mut pki = OffPki::new(&Default::default(), spec.users as usize);
        let out = Model::new(spec, 0, &mut pki, &TraceFilter::Off).run();
        let faults = (0..spec.faults.len())
            .map(|i| {
                crate::run::shadow::fault_outcome(
                    spec,
                    i,
                    std::slice::from_ref(&out),
                    &[crate::run::shadow::usable_times(&out)],
                )
            })
            .collect();
        let result = ScenarioResult {
            scenario: "t".into(),
            seed: 1,
            users: 100,
            replications: 1,
            pki_real: false,
            variants: vec![VariantResult {
                name: "post-kb".into(),
                trust: crate::scenario::schema::Trust::Certificate,
                replications: vec![out],
                faults,
            }],
        };
        let s = crate::report::summary::summarize(&result, 86_400.0);
        let v = &s.variants[0];
        assert_eq!(
            figure(&s, "post-kb.time_to_usable.p95"),
            Ok(v.time_to_usable_s.p95)
        );
        assert_eq!(
            figure(&s, "post-kb.resources.ca.peak.utilization"),
            Ok(v.resources["ca"].peak.utilization)
        );
        assert_eq!(
            figure(&s, "post-kb.resources.adfs-1.holding.ca_share"),
            Ok(v.resources["adfs-1"].holding.as_ref().map(|h| h.ca_share))
        );
        // 100 users: no bottleneck, so no share either.
        assert_eq!(figure(&s, "post-kb.bottleneck.share"), Ok(None));
        assert_eq!(figure(&s, "post-kb.bottleneck"), Ok(None));
        assert!(figure(&s, "post-kb.users.x")
            .unwrap_err()
            .to_string()
            .contains("has no `users`"));
        assert!(figure(&s, "post-kb.sync_cycles.x")
            .unwrap_err()
            .to_string()
            .contains("is a figure, not a table"));
        assert_eq!(
            figure(&s, "post-kb.faults.0.users_hit"),
            Ok(Some(v.faults[0].users_hit as f64))
        );
        assert!(figure(&s, "pre-kb.time_to_usable.p95")
            .unwrap_err()
            .to_string()
            .contains("no variant `pre-kb`"));
        assert!(figure(&s, "post-kb.resources.nope.peak")
            .unwrap_err()
            .to_string()
            .contains("has no `nope`"));
        assert!(figure(&s, "post-kb.resources.ca")
            .unwrap_err()
            .to_string()
            .contains("not a number"));
    }
}
