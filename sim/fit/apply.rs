//! From what was fitted to the keys of a scenario: each informed key's new value (as TOML
//! text) and the comment that goes next to it — its files, n, censored, family,
//! parameters with intervals and goodness of fit — and, for every estimate the exports
//! could not inform, why it stays an estimate. The scenario text itself is edited with
//! toml_edit, so the base's other keys and comments stay as they were.

use super::family::{Family, Fitted};
use super::quantities::{Analysis, Quantity};
use crate::scenario::duration::compact;
use toml_edit::{DocumentMut, Item, Table, Value};

/// One key the fit sets.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Setting {
    /// The dotted key.
    pub key: String,
    /// Its new value, as TOML.
    pub value: String,
    /// What the comment beside it says.
    pub comment: String,
}

/// µs as the shortest exact duration, rounded to a millisecond above a second and to a
/// microsecond below.
fn dur(seconds: f64) -> String {
    let us = (seconds * 1e6).max(1.0);
    let us = if us >= 1e6 {
        (us / 1e3).round() * 1e3
    } else {
        us.round()
    };
    format!("\"{}\"", compact(us as u64))
}

/// The data's own distribution as a scenario `empirical`: its Kaplan–Meier quantiles at
/// 2.5 %, 7.5 %, …, 97.5 % (equal weights); `None` when the censored units keep the
/// upper ones out of reach.
fn empirical_text(q: &Quantity) -> Option<String> {
    let km = super::gof::kaplan_meier(&q.units);
    let values: Option<Vec<String>> = (0..20)
        .map(|i| {
            let p = 0.025 + 0.05 * i as f64;
            km.iter().find(|(_, f)| *f >= p).map(|(t, _)| dur(*t))
        })
        .collect();
    Some(format!(
        "{{ dist = \"empirical\", values = [{}] }}",
        values?.join(", ")
    ))
}

/// A fitted family as a scenario distribution.
pub(crate) fn dist_text(f: &Fitted) -> String {
    let p = &f.params;
    match f.family {
        Family::Lognormal => {
            let (m, p95) = f.median_p95();
            // Data without spread (every device took the same whole seconds) fits σ = 0,
            // whose p95 is its median: a scenario lognormal needs p95 above it.
            if dur(p95) == dur(m) {
                return format!("{{ dist = \"fixed\", value = {} }}", dur(m));
            }
            format!(
                "{{ dist = \"lognormal\", median = {}, p95 = {} }}",
                dur(m),
                dur(p95)
            )
        }
        Family::Gamma => format!(
            "{{ dist = \"gamma\", shape = {:.4}, scale = {} }}",
            p[0],
            dur(p[1])
        ),
        Family::Weibull => format!(
            "{{ dist = \"weibull\", shape = {:.4}, scale = {} }}",
            p[0],
            dur(p[1])
        ),
        Family::Exponential => format!("{{ dist = \"exponential\", mean = {} }}", dur(p[0])),
    }
}

fn describe(q: &Quantity) -> String {
    let Some(c) = &q.chosen else {
        return format!("{}: {}", q.quantity, q.note);
    };
    format!(
        "fitted {}: n {} ({} censored), {} {}, {} {:.3} p {}",
        q.quantity,
        q.n,
        q.censored,
        c.family.as_str(),
        c.params_text(),
        c.statistic,
        c.value,
        c.p_value.map_or("—".into(), |p| format!("{p:.3}"))
    )
}

/// The settings the analysis supports. `base_quantile(key, p)` gives a key's current
/// quantile in seconds (for the keys a sum is split over).
pub fn settings(
    a: &Analysis,
    base_quantile: impl Fn(&str, f64) -> Option<f64>,
    base_steps_median: Option<f64>,
    import_ad_s: f64,
) -> Vec<Setting> {
    let mut out = Vec::new();
    for q in &a.quantities {
        if q.keys.is_empty() {
            continue;
        }
        if q.family == Some("empirical") {
            if let Some(values) = empirical_text(q) {
                for k in q.keys.iter().filter(|k| !k.ends_with("_share")) {
                    out.push(Setting {
                        key: k.to_string(),
                        value: values.clone(),
                        comment: format!("{}: no family fits, the data's own distribution in 20 equal-probability values (Kaplan–Meier)", q.quantity),
                    });
                }
            }
            continue;
        }
        let Some(c) = &q.chosen else { continue };
        let fitted = c.fitted();
        let comment = describe(q);
        match q.quantity {
            "user_steps" => {
                let medians: Vec<Option<f64>> =
                    q.keys.iter().map(|k| base_quantile(k, 0.5)).collect();
                // Scaling every step by one factor scales their sum by it, so the factor
                // that puts the sum's median on the fitted one is the ratio of the two
                // medians (the median of a sum is not the sum of the medians).
                let total = base_steps_median.unwrap_or_else(|| medians.iter().flatten().sum());
                if total <= 0.0 || medians.iter().any(|m| m.is_none()) {
                    continue;
                }
                let factor = fitted.quantile(0.5) / total;
                for k in &q.keys {
                    let (Some(m), Some(p95)) = (base_quantile(k, 0.5), base_quantile(k, 0.95))
                    else {
                        continue;
                    };
                    out.push(Setting {
                        key: k.to_string(),
                        value: format!(
                            "{{ dist = \"lognormal\", median = {}, p95 = {} }}",
                            dur(m * factor),
                            dur((p95 * factor).max(m * factor * 1.001))
                        ),
                        comment: format!("{comment}; one sum split by the base's shapes ×{factor:.3} (the split stays an estimate)"),
                    });
                }
            }
            "key_creation" => {
                for k in ["key.firmware", "key.discrete", "key.software"] {
                    out.push(Setting {
                        key: k.into(),
                        value: dist_text(&fitted),
                        comment: comment.clone(),
                    });
                }
                out.push(Setting {
                    key: "key.pregen_share".into(),
                    value: "0.0".into(),
                    comment: "the events do not tell pool keys apart: every key takes the fitted creation time".into(),
                });
            }
            _ => {
                for k in &q.keys {
                    out.push(Setting {
                        key: k.to_string(),
                        value: dist_text(&fitted),
                        comment: comment.clone(),
                    });
                }
            }
        }
    }
    for s in &a.shares {
        out.push(Setting {
            key: s.key.into(),
            value: format!("{:.4}", s.value),
            comment: format!(
                "fitted {}: {} devices, Wilson 95 % [{:.4}, {:.4}]",
                s.quantity, s.n, s.ci95[0], s.ci95[1]
            ),
        });
    }
    if let Some(s) = &a.sync {
        let from = format!("{} sync cycles in the run history", s.cycles);
        out.push(Setting {
            key: "aad_connect.interval".into(),
            value: dur(s.interval_s.round()),
            comment: format!("measured: median time between cycle starts over {from}"),
        });
        if s.interval_s < 1_800.0 {
            out.push(Setting {
                key: "aad_connect.allow_below_minimum".into(),
                value: "true".into(),
                comment: "the pilot's scheduler ran cycles closer than 30 minutes".into(),
            });
        }
        if let Some(ph) = s.phase_s {
            out.push(Setting {
                key: "aad_connect.phase".into(),
                value: dur((ph % s.interval_s.max(1.0)).max(0.0)),
                comment: "measured: the first cycle after the policy start".into(),
            });
        }
        out.push(Setting {
            key: "aad_connect.overhead".into(),
            value: dur((s.overhead_s - import_ad_s).max(0.0)),
            comment: format!(
                "fitted: cycle duration = import_ad + overhead + per_object × changes, least squares over {from}: intercept 95 % [{:.1} s, {:.1} s] less the base's aad_connect.import_ad ({import_ad_s:.0} s, still an estimate)",
                s.overhead_ci95[0], s.overhead_ci95[1]
            ),
        });
        out.push(Setting {
            key: "aad_connect.per_object".into(),
            value: dur(s.per_object_s.max(1e-6)),
            comment: format!(
                "fitted with the overhead: 95 % [{:.4} s, {:.4} s] per object",
                s.per_object_ci95[0], s.per_object_ci95[1]
            ),
        });
        out.push(Setting {
            key: "aad_connect.background_changes".into(),
            value: format!("{}", s.median_changes.round() as u64),
            comment: format!("measured: median changes per cycle over {from}"),
        });
    }
    out
}

/// The base scenario's text with `settings` applied (each with its comment) and its
/// variants replaced by one, `pilot`, with `adfs.patched` as the pilot's farm was. The
/// base has loaded and the settings are the fit's own, so a failure is a bug (exit 1).
pub fn scenario_text(
    base: &str,
    settings: &[Setting],
    patched: &str,
    header: &str,
) -> anyhow::Result<String> {
    let mut doc: DocumentMut = base
        .parse()
        .map_err(|e| anyhow::anyhow!("the base scenario: {e}"))?;
    for s in settings {
        let value: Value = s
            .value
            .parse()
            .map_err(|e| anyhow::anyhow!("{} = {}: {e}", s.key, s.value))?;
        let parts: Vec<&str> = s.key.split('.').collect();
        let (last, tables) = parts
            .split_last()
            .ok_or_else(|| anyhow::anyhow!("an empty key"))?;
        let mut t: &mut Table = doc.as_table_mut();
        for name in tables {
            let entry = t.entry(name).or_insert_with(|| Item::Table(Table::new()));
            t = entry
                .as_table_mut()
                .ok_or_else(|| anyhow::anyhow!("{}: `{name}` is not a table in the base", s.key))?;
        }
        let mut v = value;
        v.decor_mut()
            .set_suffix(format!("  # {}", s.comment.replace('\n', " ")));
        t.insert(last, Item::Value(v));
    }
    doc.remove("variants");
    doc.remove("sweep");
    let mut pilot = Table::new();
    let mut adfs = Table::new();
    adfs.set_dotted(true);
    adfs.insert("patched", toml_edit::value(patched));
    pilot.insert("adfs", Item::Table(adfs));
    let mut variants = Table::new();
    variants.set_implicit(true);
    variants.insert("pilot", Item::Table(pilot));
    doc.insert("variants", Item::Table(variants));
    Ok(format!("{header}{doc}"))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_fit_without_spread_is_written_as_a_fixed_value_that_loads() {
        let f = Fitted {
            family: Family::Lognormal,
            params: vec![5f64.ln(), 1e-9],
        };
        let text = dist_text(&f);
        assert_eq!(text, "{ dist = \"fixed\", value = \"5s\" }");
        let toml = format!("[key]\nfirmware = {text}\n");
        crate::scenario::Scenario::load_str(&toml, "t.toml", "t", &[]).unwrap();
    }

    use super::*;

    #[test]
    fn settings_are_written_beside_their_comments_and_the_rest_stays() {
        let base = "name = \"x\"\n[drs]\nlatency = \"1s\"  # old\np_throttle = 0.005  # kept\n[variants.pre-kb]\nadfs.patched = \"none\"\n";
        let s = vec![Setting {
            key: "drs.latency".into(),
            value: dist_text(&Fitted {
                family: Family::Lognormal,
                params: vec![1.2f64.ln(), 0.4],
            }),
            comment: "fitted key_registration".into(),
        }];
        let out = scenario_text(base, &s, "none", "# fitted\n").unwrap();
        assert!(out.starts_with("# fitted\n"));
        assert!(
            out.contains("latency = { dist = \"lognormal\", median = \"1200ms\", p95 = "),
            "{out}"
        );
        assert!(out.contains("# fitted key_registration"), "{out}");
        assert!(out.contains("p_throttle = 0.005  # kept"), "{out}");
        assert!(
            !out.contains("pre-kb") && out.contains("[variants.pilot]"),
            "{out}"
        );
        let sc = crate::scenario::Scenario::load_str(&out, "fitted.toml", "fitted", &[]).unwrap();
        assert_eq!(sc.variants.len(), 1);
        assert_eq!(sc.variants[0].name, "pilot");
    }

    #[test]
    fn each_family_is_a_distribution_the_scenario_reads() {
        for f in [
            Fitted {
                family: Family::Gamma,
                params: vec![2.5, 30.0],
            },
            Fitted {
                family: Family::Weibull,
                params: vec![1.7, 120.0],
            },
            Fitted {
                family: Family::Exponential,
                params: vec![0.043],
            },
        ] {
            let text = format!("[pin]\nentry = {}\n", dist_text(&f));
            let sc = crate::scenario::Scenario::load_str(&text, "t.toml", "t", &[]).unwrap();
            let got = sc.base.pin.entry.mean() / 1e6;
            let want = match f.family {
                Family::Gamma => 75.0,
                Family::Weibull => 120.0 * statrs::function::gamma::gamma(1.0 + 1.0 / 1.7),
                _ => 0.043,
            };
            assert!((got / want - 1.0).abs() < 0.01, "{text}: {got} vs {want}");
        }
    }
}
