//! Entra sign-in logs as the portal downloads them: CSV (`Date (UTC)`, `User ID`,
//! `Username`, `Application`, `Device ID`, `Status`, … among some fifty columns, headers
//! sometimes ending with a space) or JSON (`createdDateTime`, `userPrincipalName`,
//! `userId`, `appDisplayName`, `deviceDetail`, `status`). Columns are found by their
//! header, trimmed and case-folded; the rows are streamed, and a row longer than
//! `MAX_ROW_BYTES` is refused.

use super::csv_rows;
use super::json_elements::{capped, Element};
use super::time::{parse_utc, UnixMicros};
use crate::error::UsageError;
use serde::de::{self, Deserializer as _, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;

/// The longest CSV row or JSON sign-in read, bytes: a real one is a few KiB.
pub(crate) const MAX_ROW_BYTES: usize = 1 << 20;

/// One sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// When, UTC.
    pub time: UnixMicros,
    /// The user's UPN (`Username`, `userPrincipalName`), lower case.
    pub upn: String,
    /// The user's object id, lower case.
    pub user_id: String,
    /// The application (`Windows Sign In` for a Windows logon).
    pub application: String,
    /// The device id, lower case; empty when the log has none.
    pub device_id: String,
    /// Whether it succeeded (`Success`, or error code 0).
    pub success: bool,
}

/// What a read found: the sign-ins and the rows refused, by reason.
#[derive(Debug, Default)]
pub struct Read {
    /// Usable sign-ins, in file order.
    pub signins: Vec<SignIn>,
    /// Refused rows: reason → (count, first row number, from 1 after the header).
    pub skipped: BTreeMap<String, (u64, u64)>,
}

fn skip(out: &mut Read, why: String, row: u64) {
    out.skipped.entry(why).or_insert((0, row)).0 += 1;
}

/// Reads the portal's CSV download.
pub(crate) fn read_csv<R: std::io::Read>(input: R) -> Result<Read, UsageError> {
    let mut rdr = csv_rows::reader(input, MAX_ROW_BYTES);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("not a sign-in CSV: {e}"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let time = col(&["date (utc)", "date"]).ok_or(
        "not a sign-in CSV: no `Date (UTC)` column (the portal's interactive sign-ins download has one)",
    )?;
    let upn = col(&["username", "user principal name"]);
    let user_id = col(&["user id"]);
    if upn.is_none() && user_id.is_none() {
        return Err("not a sign-in CSV: no `Username` or `User ID` column".into());
    }
    let app = col(&["application"]);
    let device = col(&["device id"]);
    let status = col(&["status"]);
    let mut out = Read::default();
    let hint = "; a sign-in row is a few KiB";
    csv_rows::for_each(&mut rdr, MAX_ROW_BYTES, hint, |row, record| {
        let get = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        match parse_utc(&get(Some(time))) {
            Ok(t) => out.signins.push(SignIn {
                time: t,
                upn: get(upn).to_ascii_lowercase(),
                user_id: get(user_id).to_ascii_lowercase(),
                application: get(app),
                device_id: get(device).to_ascii_lowercase(),
                success: get(status).eq_ignore_ascii_case("success"),
            }),
            Err(why) => skip(&mut out, why.to_string(), row),
        }
    })?;
    Ok(out)
}

/// Reads the portal's JSON download (an array of sign-ins, or Graph's `{ "value": [...] }`),
/// one sign-in at a time: each is capped at [`MAX_ROW_BYTES`] while it is read.
pub(crate) fn read_json<R: std::io::Read>(input: R) -> Result<Read, UsageError> {
    /// Streams an array of sign-ins into `out`, the top level's or Graph's `value`.
    struct Rows<'a> {
        out: &'a mut Read,
        element: &'a Element,
        n: &'a mut u64,
    }
    impl<'de> de::DeserializeSeed<'de> for Rows<'_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Rows<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of sign-ins as the Entra portal's JSON download writes it")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            loop {
                self.element.begin();
                let Some(v) = seq.next_element::<serde_json::Value>()? else {
                    return Ok(());
                };
                *self.n += 1;
                take(&v, *self.n, self.out);
            }
        }
    }
    struct Download(Element);
    impl<'de> Visitor<'de> for Download {
        type Value = Read;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of sign-ins as the Entra portal's JSON download writes it")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Read, A::Error> {
            let (mut out, mut n) = (Read::default(), 0u64);
            Rows {
                out: &mut out,
                element: &self.0,
                n: &mut n,
            }
            .visit_seq(seq)?;
            Ok(out)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
            let (mut out, mut n) = (Read::default(), 0u64);
            loop {
                self.0.begin();
                let Some(key) = map.next_key::<String>()? else {
                    break;
                };
                if key == "value" {
                    map.next_value_seed(Rows {
                        out: &mut out,
                        element: &self.0,
                        n: &mut n,
                    })?;
                } else {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
            Ok(out)
        }
    }
    fn take(v: &serde_json::Value, n: u64, out: &mut Read) {
        let s = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let Some(time) = v.get("createdDateTime").and_then(|x| x.as_str()) else {
            return skip(out, "no createdDateTime".into(), n);
        };
        match parse_utc(time) {
            Ok(t) => out.signins.push(SignIn {
                time: t,
                upn: s("userPrincipalName").to_ascii_lowercase(),
                user_id: s("userId").to_ascii_lowercase(),
                application: s("appDisplayName"),
                device_id: v
                    .pointer("/deviceDetail/deviceId")
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
                success: v.pointer("/status/errorCode").and_then(|x| x.as_i64()) == Some(0),
            }),
            Err(why) => skip(out, why.to_string(), n),
        }
    }
    let (input, element) = capped(input, MAX_ROW_BYTES as u64, "a sign-in");
    let mut de = serde_json::Deserializer::from_reader(input);
    let out = de
        .deserialize_any(Download(element))
        .map_err(|e| format!("not a sign-in JSON download: {e}"))?;
    de.end()
        .map_err(|e| format!("not a sign-in JSON download: trailing data: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_portal_csv_by_header_with_trailing_spaces() {
        let csv = "\u{feff}Date (UTC),Request ID,User ID,User,Username,Application ,Application ID ,Status,Device ID,Operating System,Join Type\n\
2025-12-04T08:19:41Z,1f0c,8D2E-11,Ann Lee,Ann@Contoso.com,Windows Sign In,38aa3b87,Success,AB-12,Windows10,Hybrid Azure AD joined\n\
not a date,1f0d,8d2e-12,Bob,bob@contoso.com,Windows Sign In,38aa3b87,Failure,,Windows10,\n";
        let r = read_csv(csv.as_bytes()).unwrap();
        assert_eq!(r.signins.len(), 1);
        let s = &r.signins[0];
        assert_eq!(s.upn, "ann@contoso.com");
        assert_eq!(s.user_id, "8d2e-11");
        assert_eq!(s.application, "Windows Sign In");
        assert_eq!(s.device_id, "ab-12");
        assert!(s.success);
        assert_eq!(r.skipped.values().map(|c| c.0).sum::<u64>(), 1);
        assert!(read_csv(&b"a,b\n1,2\n"[..])
            .unwrap_err()
            .to_string()
            .contains("Date (UTC)"));
        // A row longer than the cap is refused while it is read, not after.
        let long = format!(
            "Date (UTC),User ID\n2025-12-04T08:19:41Z,{}\n",
            "x".repeat(2 * MAX_ROW_BYTES)
        );
        assert!(read_csv(long.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("longer than the limit"));
    }

    #[test]
    fn reads_the_json_download_and_graph_pages() {
        let row = r#"{"createdDateTime":"2025-12-04T08:19:41Z","userPrincipalName":"ann@contoso.com","userId":"8d2e-11","appDisplayName":"Windows Sign In","deviceDetail":{"deviceId":"AB-12","operatingSystem":"Windows10"},"status":{"errorCode":0}}"#;
        let r = read_json(format!("[{row},{row}]").as_bytes()).unwrap();
        assert_eq!(r.signins.len(), 2);
        assert_eq!(r.signins[0].device_id, "ab-12");
        assert!(r.signins[0].success);
        let r =
            read_json(format!(r#"{{"@odata.context":"x","value":[{row}]}}"#).as_bytes()).unwrap();
        assert_eq!(r.signins.len(), 1);
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(read_json(deep.as_bytes())
            .unwrap_err()
            .to_string()
            .contains("recursion limit exceeded"));
        // A sign-in that never ends is refused once it passes the cap, in either shape.
        for head in [
            &br#"[{"createdDateTime":""#[..],
            br#"{"value":[{"userId":""#,
        ] {
            let e = read_json(std::io::Read::chain(head, std::io::repeat(b'x')))
                .unwrap_err()
                .to_string();
            assert!(e.contains("a sign-in larger than the limit"), "{e}");
        }
        let e = read_json(std::io::Read::chain(
            &br#"{"@odata.nextLink":""#[..],
            std::io::repeat(b'x'),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("larger than the limit"), "{e}");
        assert!(read_json(&b"{\"createdDateTime\": 5"[..]).is_err());
    }
}
