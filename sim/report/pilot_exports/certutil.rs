//! The CA's issued requests as `certutil -view -gmt -seconds -out
//! "RequestID,Request.SubmittedWhen,Request.ResolvedWhen,NotBefore,CertificateTemplate,Request.RequesterName"
//! csv` writes them: quoted display names, every value quoted, times to the second, and
//! certutil's closing line.

use super::identity;
use crate::exports::time::UnixMicros;
use crate::model::RunOutput;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A time as certutil writes it in an en-US locale with `-gmt -seconds`.
fn certutil_time(t: UnixMicros) -> String {
    let iso = crate::exports::time::format_utc(t.div_euclid(1_000_000) * 1_000_000);
    // YYYY-MM-DDTHH:MM:SSZ → M/D/YYYY h:MM:SS AM
    let (y, m, d) = (&iso[0..4], &iso[5..7], &iso[8..10]);
    let (h, rest) = (iso[11..13].parse::<u32>().unwrap_or(0), &iso[13..19]);
    let (h12, ampm) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!(
        "{}/{}/{y} {h12}:{} {ampm} GMT",
        m.trim_start_matches('0'),
        d.trim_start_matches('0'),
        rest.trim_start_matches(':')
    )
}

/// The request log: one row per request the CA issued, in submission order.
pub fn csv(run: &RunOutput, origin: UnixMicros) -> String {
    let mut out = String::from(
        "\"Request ID\",\"Request Submission Date\",\"Request Resolution Date\",\"Certificate Effective Date\",\"Certificate Template\",\"Requester Name\"\n",
    );
    let mut submitted: BTreeMap<u32, u64> = BTreeMap::new();
    let mut id = 0u64;
    for r in &run.trace {
        match r.step.as_ref() {
            "ca_submitted" => {
                submitted.insert(r.user, r.t);
            }
            "certificate_issued" => {
                let Some(s) = submitted.remove(&r.user) else {
                    continue;
                };
                id += 1;
                let who = identity(r.user);
                let at = |t: u64| certutil_time(origin + t as i64);
                let _ = writeln!(
                    out,
                    "\"{id}\",\"{}\",\"{}\",\"{}\",\"WHFBAuthentication\",\"CONTOSO\\{}\"",
                    at(s),
                    at(r.t),
                    at(r.t),
                    who.upn.split('@').next().unwrap_or_default()
                );
            }
            _ => {}
        }
    }
    out.push_str("CertUtil: -view command completed successfully.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::certutil::parse_certutil_time;

    #[test]
    fn times_read_back_to_the_second() {
        for t in [
            1_767_600_000_900_000i64,
            1_767_571_200_000_000,
            1_767_614_400_000_000,
        ] {
            let text = certutil_time(t);
            assert_eq!(
                parse_certutil_time(&text).unwrap(),
                t / 1_000_000 * 1_000_000,
                "{text}"
            );
        }
    }
}
