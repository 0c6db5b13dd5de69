//! The CA's request log as `certutil -view -gmt -seconds -restrict "…" -out
//! "RequestID,Request.SubmittedWhen,Request.ResolvedWhen,NotBefore,CertificateTemplate,Request.RequesterName"
//! csv` writes it: a header of localised display names (so columns are taken by
//! position, never by header text), every value quoted, and a last line
//! `CertUtil: -view command completed successfully.` (localised too), which is ignored.
//!
//! Dates are in the CA's locale: ISO (`2025-12-04 08:19:41`), year first with slashes
//! (`2025/12/04 8:19:41`), month first with AM/PM (`12/4/2025 8:19:41 AM`, US English),
//! or day first in 24-hour time (`04.12.2025 08:19:41`, `04/12/2025 08:19:41`). `-gmt`
//! makes them UTC (a trailing `GMT` is dropped) and `-seconds` gives the seconds; without
//! seconds a row is refused, since the CA's time per request is what is read.

use super::csv_rows;
use super::time::{parse_utc, UnixMicros};
use crate::error::UsageError;
use std::collections::BTreeMap;

/// The longest row read, bytes.
pub(crate) const MAX_ROW_BYTES: usize = 64 * 1024;

/// One request the CA resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaRequest {
    /// The CA's request id.
    pub id: u64,
    /// When the request reached the CA, UTC (one-second resolution).
    pub submitted: UnixMicros,
    /// When the CA resolved it (issued or denied), UTC.
    pub resolved: UnixMicros,
    /// The certificate template.
    pub template: String,
    /// Who submitted it (the AD FS service account for enrollments on behalf of users).
    pub requester: String,
}

/// What a read found.
#[derive(Debug, Default)]
pub struct Read {
    /// The requests, in file order.
    pub requests: Vec<CaRequest>,
    /// Refused rows: reason → (count, first row number, from 1 after the header).
    pub skipped: BTreeMap<String, (u64, u64)>,
}

/// A certutil date in one of the locale forms above, UTC.
pub(crate) fn parse_certutil_time(text: &str) -> Result<UnixMicros, UsageError> {
    let t = text.trim().trim_end_matches("GMT").trim();
    if let Ok(x) = parse_utc(t) {
        return Ok(x);
    }
    let bad = || {
        format!(
            "`{text}` is not a date certutil writes with -gmt -seconds (ISO, YYYY/MM/DD, M/D/YYYY with AM/PM, or D.M.YYYY / D/M/YYYY in 24-hour time)"
        )
    };
    let mut parts = t.split_whitespace();
    let (date, time) = (parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?);
    let ampm = parts.next().map(|s| s.to_ascii_uppercase());
    if parts.next().is_some() {
        return Err(bad().into());
    }
    let sep = if date.contains('.') { '.' } else { '/' };
    let d: Vec<u32> = date
        .split(sep)
        .map(|x| x.parse().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let [a, b, c] = d[..] else {
        return Err(bad().into());
    };
    let (y, m, day) = if a > 31 {
        (a, b, c)
    } else if ampm.is_some() && sep == '/' {
        (c, a, b)
    } else {
        (c, b, a)
    };
    let hms: Vec<u32> = time
        .split(':')
        .map(|x| x.parse().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let [mut h, mi, s] = hms[..] else {
        return Err(bad().into());
    };
    match ampm.as_deref() {
        None => {}
        Some("AM") if (1..=12).contains(&h) => h %= 12,
        Some("PM") if (1..=12).contains(&h) => h = h % 12 + 12,
        _ => return Err(bad().into()),
    }
    parse_utc(&format!("{y:04}-{m:02}-{day:02}T{h:02}:{mi:02}:{s:02}Z")).map_err(|_| bad().into())
}

/// Reads the request log.
pub fn read<R: std::io::Read>(input: R) -> Result<Read, UsageError> {
    let mut rdr = csv_rows::reader(input, MAX_ROW_BYTES);
    let width = rdr
        .headers()
        .map_err(|e| format!("not a certutil CSV: {e}"))?
        .len();
    if width < 6 {
        return Err(format!(
            "not the certutil view this reads: {width} columns; allowed: the six of -out \"RequestID,Request.SubmittedWhen,Request.ResolvedWhen,NotBefore,CertificateTemplate,Request.RequesterName\", in that order"
        ).into());
    }
    let mut out = Read::default();
    csv_rows::for_each(&mut rdr, MAX_ROW_BYTES, "", |row, record| {
        // certutil's closing line (`CertUtil: …`, localised) has one field.
        if record.len() == 1 {
            return;
        }
        let f = |i: usize| record.get(i).unwrap_or_default().trim();
        let parsed = (|| -> Result<CaRequest, String> {
            let id = f(0)
                .parse()
                .map_err(|_| format!("RequestID `{}` is not a number", f(0)))?;
            let submitted = parse_certutil_time(f(1)).map_err(|e| e.to_string())?;
            let resolved = parse_certutil_time(f(2)).map_err(|e| e.to_string())?;
            if resolved < submitted {
                return Err("resolved before it was submitted".into());
            }
            Ok(CaRequest {
                id,
                submitted,
                resolved,
                template: f(4).to_string(),
                requester: f(5).to_string(),
            })
        })();
        match parsed {
            Ok(r) => out.requests.push(r),
            Err(why) => out.skipped.entry(why).or_insert((0, row)).0 += 1,
        }
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_localised_view_by_position() {
        let csv = "\"ID de demande\",\"Date de soumission\",\"Date de résolution\",\"Date d'effet\",\"Modèle\",\"Nom du demandeur\"\n\
\"12\",\"04/12/2025 08:19:41\",\"04/12/2025 08:19:42\",\"04/12/2025 08:09:42\",\"WHFBAuthentication\",\"CONTOSO\\\\adfssvc\"\n\
\"13\",\"12/4/2025 8:19:41 AM GMT\",\"12/4/2025 8:19:41 AM GMT\",\"\",\"WHFBAuthentication\",\"CONTOSO\\\\adfssvc\"\n\
\"14\",\"bad\",\"12/4/2025 8:19:41 AM\",\"\",\"WHFBAuthentication\",\"x\"\n\
CertUtil: -view command completed successfully.\n";
        let r = read(csv.as_bytes()).unwrap();
        assert_eq!(r.requests.len(), 2);
        assert_eq!(r.requests[0].resolved - r.requests[0].submitted, 1_000_000);
        assert_eq!(r.requests[0].submitted, r.requests[1].submitted);
        assert_eq!(r.requests[0].template, "WHFBAuthentication");
        assert_eq!(r.skipped.values().map(|c| c.0).sum::<u64>(), 1);
    }

    #[test]
    fn reads_each_locale_form() {
        let at = parse_certutil_time("2025-12-04 08:19:41").unwrap();
        for t in [
            "2025/12/04 8:19:41",
            "12/4/2025 8:19:41 AM",
            "04.12.2025 08:19:41",
            "4/12/2025 08:19:41",
            "2025-12-04T08:19:41Z",
        ] {
            assert_eq!(parse_certutil_time(t), Ok(at), "{t}");
        }
        assert_eq!(
            parse_certutil_time("12/4/2025 8:19:41 PM").unwrap() - at,
            12 * 3_600 * 1_000_000
        );
        assert_eq!(
            parse_certutil_time("12/4/2025 12:00:00 AM").unwrap() % 86_400_000_000,
            0
        );
        for t in [
            "12/4/2025 8:19 AM",
            "13/13/2025 08:19:41",
            "yesterday",
            "12/4/2025 13:00:00 PM",
        ] {
            assert!(parse_certutil_time(t).is_err(), "{t}");
        }
        assert!(read(&b"\"a\",\"b\"\n\"1\",\"2\"\n"[..])
            .unwrap_err()
            .to_string()
            .contains("six"));
    }
}
