//! A run's traced steps as the Windows events a pilot device logs (the event ids `fit`
//! reads), and those events as XML.

use super::identity;
use crate::exports::time::{format_utc_fraction, UnixMicros};
use crate::exports::windows_events::WinEvent;
use crate::model::RunOutput;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The device-registration channel and its provider.
const UDR: (&str, &str, &str) = (
    "Microsoft-Windows-User Device Registration/Admin",
    "Microsoft-Windows-User Device Registration",
    "23b8d46b-67dd-40a3-b636-d43e50552c6d",
);
/// The Windows Hello for Business channel and its provider.
const HELLO: (&str, &str, &str) = (
    "Microsoft-Windows-HelloForBusiness/Operational",
    "Microsoft-Windows-HelloForBusiness",
    "906b8a99-63ce-58d7-86ab-10989bbd5567",
);
/// The certificate-lifecycle channel and its provider.
const CERT: (&str, &str, &str) = (
    "Microsoft-Windows-CertificateServicesClient-Lifecycle-User/Operational",
    "Microsoft-Windows-CertificateServicesClient-Lifecycle-User",
    "bea18b89-126f-4155-9ee4-d36038b02680",
);

/// The events a device logs for the run's traced steps, device by device in user order,
/// each device's in time order, with record numbers counted per channel.
pub(crate) fn win_events(run: &RunOutput, origin: UnixMicros) -> Vec<WinEvent> {
    let mut by_user: BTreeMap<u32, Vec<WinEvent>> = BTreeMap::new();
    let mut records: BTreeMap<(u32, &'static str), u64> = BTreeMap::new();
    // When each user's key creation and enrollment attempt began: 8225 and 8066 carry
    // the processing time since then, in whole seconds as Windows writes it.
    let mut began: BTreeMap<(u32, u16), u64> = BTreeMap::new();
    for r in &run.trace {
        let Some(id) = r.event_id else { continue };
        let who = identity(r.user);
        let t = origin + r.t as i64;
        let mut push = |(channel, provider, guid): (&'static str, &str, &str),
                        id: u32,
                        data: Vec<(&str, String)>| {
            let n = records.entry((r.user, channel)).or_insert(0);
            *n += 1;
            by_user.entry(r.user).or_default().push(WinEvent {
                provider: provider.into(),
                provider_guid: guid.into(),
                id,
                time: t,
                record_id: Some(*n),
                channel: channel.into(),
                computer: who.computer.clone(),
                user_sid: who.sid.clone(),
                data: data.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            });
        };
        let since = |began: &BTreeMap<(u32, u16), u64>, start: u16| {
            let s = began.get(&(r.user, start)).copied().unwrap_or(r.t);
            ((r.t - s) as f64 / 1e6).round().to_string()
        };
        match id {
            358 | 360 => push(
                UDR,
                id.into(),
                vec![(
                    "Message",
                    if id == 358 {
                        "Windows Hello for Business provisioning will be launched.".into()
                    } else {
                        "Windows Hello for Business provisioning will not be launched.".into()
                    },
                )],
            ),
            3225 | 3510 | 3066 => {
                began.insert((r.user, id), r.t);
                push(HELLO, id.into(), Vec::new());
            }
            8225 => {
                let p = since(&began, 3225);
                push(HELLO, 8225, vec![("ProcessingTime", p)]);
            }
            300 => {
                push(HELLO, 8510, Vec::new());
                push(UDR, 300, vec![("UPN", who.upn.clone())]);
            }
            301 => push(UDR, 301, vec![("ErrorCode", "0x801c03f2".into())]),
            6066 | 7066 => {
                let p = since(&began, 3066);
                push(HELLO, id.into(), vec![("ProcessingTime", p)]);
            }
            1006 => {
                let p = since(&began, 3066);
                push(HELLO, 8066, vec![("ProcessingTime", p)]);
                push(CERT, 1006, vec![("Template", "WHFBAuthentication".into())]);
            }
            _ => {}
        }
    }
    by_user.into_values().flatten().collect()
}

/// Escapes text for XML content or an attribute.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One event as `ToXml()` writes it, on one line.
pub(crate) fn to_xml(e: &WinEvent) -> String {
    let mut s = String::with_capacity(900);
    let _ = write!(
        s,
        r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="{}" Guid="{{{}}}" /><EventID>{}</EventID><Version>0</Version><Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="{}" /><EventRecordID>{}</EventRecordID><Correlation /><Execution ProcessID="1204" ThreadID="5580" /><Channel>{}</Channel><Computer>{}</Computer><Security UserID="{}" /></System>"#,
        esc(&e.provider),
        e.provider_guid.to_ascii_uppercase(),
        e.id,
        system_time(e.time),
        e.record_id.unwrap_or(0),
        esc(&e.channel),
        esc(&e.computer),
        esc(&e.user_sid),
    );
    if e.id == 1006 {
        // The certificate lifecycle event carries its payload in <UserData>.
        let _ = write!(
            s,
            r#"<UserData><CertNotificationData xmlns="http://www.microsoft.com/Windows/CertificateServicesClient-Lifecycle-User"><Context>User</Context><Action>Installed</Action><CertificateDetails Thumbprint="0000000000000000000000000000000000000000"><Template Name="{}" /></CertificateDetails></CertNotificationData></UserData>"#,
            esc(e.data.get("Template").map_or("", |s| s.as_str()))
        );
    } else {
        s.push_str("<EventData>");
        for (k, v) in &e.data {
            let _ = write!(s, r#"<Data Name="{}">{}</Data>"#, esc(k), esc(v));
        }
        s.push_str("</EventData>");
    }
    s.push_str("</Event>");
    s
}

/// `SystemTime` with the 7 fractional digits `Get-WinEvent` writes.
fn system_time(t: UnixMicros) -> String {
    format!("{}0Z", format_utc_fraction(t, 6))
}

/// Every device's events as one XML text (events one per line, no root element, as
/// `wevtutil qe /f:xml` writes them), by device name.
pub(crate) fn by_device_xml(events: &[WinEvent]) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for e in events {
        let text = out.entry(e.computer.clone()).or_default();
        text.push_str(&to_xml(e));
        text.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exports::windows_events::read;

    #[test]
    fn written_events_read_back_as_they_were() {
        let mut data = BTreeMap::new();
        data.insert("ProcessingTime".to_string(), "6".to_string());
        let e = WinEvent {
            provider: HELLO.1.into(),
            provider_guid: HELLO.2.into(),
            id: 8225,
            time: 1_767_600_000_123_456,
            record_id: Some(7),
            channel: HELLO.0.into(),
            computer: "DESKTOP-00001".into(),
            user_sid: "S-1-5-21-1-2-3-1001".into(),
            data,
        };
        let xml = to_xml(&e);
        assert!(
            xml.contains(r#"SystemTime="2026-01-05T08:00:00.1234560Z""#),
            "{xml}"
        );
        let got = read(xml.as_bytes()).unwrap();
        assert_eq!(got.events, [e]);
    }
}
