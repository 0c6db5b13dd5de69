//! Windows event logs exported as XML: `wevtutil qe <channel> /f:xml` writes bare
//! `<Event>` elements one after another (inside `<Events>` with `/e:Events`), and
//! `Get-WinEvent … | % { $_.ToXml() }` writes the same elements one per line. The reader
//! streams: one event is held at a time, and an event larger than `MAX_EVENT_BYTES` is
//! refused, so a multi-gigabyte export is read in bounded memory. A binary `.evtx` log's
//! records, rendered to XML one at a time, go through the same handling
//! (`read_record`), so both forms give the same events and the same skips.
//!
//! Only the three logs WHfB provisioning writes to are kept (`WHFB_LOGS`); an event of
//! any other log (an administrator exported `System` too) is counted as skipped, since
//! `fit` tells events apart by id alone and other logs reuse the same ids.
//!
//! A document type declaration is refused and no entity but XML's five and character
//! references is expanded (an unknown `&name;` is an error), so a "billion laughs" or an
//! external entity is never expanded or fetched. `<Data>` is looked up by its `Name`,
//! never by position, and the provider's GUID in any case.

use super::clip;
use super::time::{parse_utc, UnixMicros};
use crate::error::UsageError;
use quick_xml::events::{BytesStart, Event as Xml};
use quick_xml::Reader;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::rc::Rc;

/// The largest event (its XML) read; real WHfB events are under 4 KiB.
pub(crate) const MAX_EVENT_BYTES: usize = 1 << 20;

/// One Windows event, with what the provisioning analysis needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WinEvent {
    /// The provider's name (`Microsoft-Windows-User Device Registration`).
    pub provider: String,
    /// The provider's GUID in lower case, without braces; empty when absent.
    pub provider_guid: String,
    /// The event id (358, 8225, 1006, …).
    pub id: u32,
    /// When it was written, UTC.
    pub time: UnixMicros,
    /// Its record number in its channel on its device (for deduplication).
    pub record_id: Option<u64>,
    /// The channel (`Microsoft-Windows-User Device Registration/Admin`).
    pub channel: String,
    /// The device (`<Computer>`).
    pub computer: String,
    /// The user's SID (`<Security UserID>`), empty when the event has none.
    pub user_sid: String,
    /// `<EventData>`'s `<Data Name=…>` values, and `<UserData>`'s leaf elements by
    /// name.
    pub data: BTreeMap<String, String>,
}

/// Where the reader is inside an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum In {
    Nothing,
    EventId,
    TimeCreated,
    RecordId,
    Channel,
    Computer,
    Data,
    UserData,
}

/// An event under construction.
#[derive(Default)]
struct Partial {
    provider: String,
    guid: String,
    id: String,
    time: String,
    record: String,
    channel: String,
    computer: String,
    sid: String,
    data: BTreeMap<String, String>,
}

impl Partial {
    fn finish(self) -> Result<WinEvent, String> {
        let id = self
            .id
            .trim()
            .parse()
            .map_err(|_| format!("EventID `{}` is not a number", self.id.trim()))?;
        if self.time.is_empty() {
            return Err("the event has no TimeCreated SystemTime".into());
        }
        Ok(WinEvent {
            provider: self.provider,
            provider_guid: self
                .guid
                .trim_matches(|c| c == '{' || c == '}')
                .to_ascii_lowercase(),
            id,
            time: parse_utc(&self.time).map_err(|e| e.to_string())?,
            record_id: self.record.trim().parse().ok(),
            channel: self.channel.trim().to_string(),
            computer: self.computer.trim().to_string(),
            user_sid: self.sid,
            data: self.data,
        })
    }
}

fn attr(e: &BytesStart, name: &[u8]) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|x| clip(&format!("bad attribute: {x}")))?;
        if a.key.local_name().as_ref() == name {
            return a
                .unescape_value()
                .map(|v| Some(v.into_owned()))
                .map_err(|x| clip(&format!("bad attribute value: {x}")));
        }
    }
    Ok(None)
}

/// The input, refused once it is read past `limit`: quick-xml buffers a whole element or
/// text node, so without a cap a single 2 GB text would be held in memory.
struct Bounded<R> {
    inner: R,
    consumed: u64,
    limit: Rc<Cell<u64>>,
}

const TOO_LARGE: &str = "an event (or the text between two) is larger than the limit";

impl<R: BufRead> std::io::Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.consumed > self.limit.get() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                TOO_LARGE,
            ));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.consumed += n as u64;
        self.inner.consume(n);
    }
}

/// The logs whose events `fit` reads: (channel, provider name, provider GUID). An event
/// is one of theirs when its channel, its provider's name or its provider's GUID is one
/// of these (a renamed channel or a forwarded event still names its provider).
pub(crate) const WHFB_LOGS: [(&str, &str, &str); 3] = [
    (
        "Microsoft-Windows-User Device Registration/Admin",
        "Microsoft-Windows-User Device Registration",
        "23b8d46b-67dd-40a3-b636-d43e50552c6d",
    ),
    (
        "Microsoft-Windows-HelloForBusiness/Operational",
        "Microsoft-Windows-HelloForBusiness",
        "906b8a99-63ce-58d7-86ab-10989bbd5567",
    ),
    (
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-User/Operational",
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-User",
        "bea18b89-126f-4155-9ee4-d36038b02680",
    ),
];

/// Whether `e` comes from one of [`WHFB_LOGS`]. An event that names neither a channel nor
/// a provider (a hand-written one) is given the benefit of the doubt.
fn from_whfb_log(e: &WinEvent) -> bool {
    if e.channel.is_empty() && e.provider.is_empty() && e.provider_guid.is_empty() {
        return true;
    }
    WHFB_LOGS.iter().any(|(channel, name, guid)| {
        e.channel.eq_ignore_ascii_case(channel)
            || e.provider.trim().eq_ignore_ascii_case(name)
            || e.provider_guid == *guid
    })
}

/// What one call of [`read`] (or a run of `read_record`) found: the events, and how
/// many `<Event>` elements were refused and why (counted, so one damaged record does not
/// sink a whole export).
#[derive(Debug, Default)]
pub struct Read {
    /// The events, in file order.
    pub events: Vec<WinEvent>,
    /// Refused events by reason, with the first one's record number in the file.
    pub skipped: BTreeMap<String, (u64, u64)>,
    /// `<Event>` elements (or records) met so far: the next one's number less one.
    seen: u64,
}

impl Read {
    /// Counts the current record (number `self.seen`) as refused for `why`.
    fn skip(&mut self, why: String) {
        let at = self.seen;
        self.skipped.entry(clip(&why)).or_insert((0, at)).0 += 1;
    }

    /// Counts one more record, met but not read as XML (an `.evtx` record the parser
    /// could not decode), as refused for `why`.
    pub(crate) fn skip_unread(&mut self, why: String) {
        self.seen += 1;
        self.skip(why);
    }

    /// The one place an event's fields become a kept event or a counted skip, whichever
    /// form the event came in.
    fn take(&mut self, p: Partial) {
        match p.finish() {
            Ok(ev) if from_whfb_log(&ev) => self.events.push(ev),
            Ok(ev) => {
                let log = if !ev.channel.is_empty() {
                    format!("channel `{}`", ev.channel)
                } else if !ev.provider.is_empty() {
                    format!("provider `{}`", ev.provider)
                } else {
                    format!("provider {{{}}}", ev.provider_guid)
                };
                self.skip(format!(
                    "{log}: not one of the logs fit reads (User Device Registration/Admin, HelloForBusiness/Operational, CertificateServicesClient-Lifecycle-User/Operational)"
                ));
            }
            Err(why) => self.skip(why),
        }
    }
}

/// Streams every `<Event>` of `input`; an error of the document itself (not well-formed
/// XML, a DTD, an oversize event) ends the read with a message naming the event's
/// position. Events that are well-formed but unusable (no id, a bad time, another log)
/// are counted in the result instead.
pub fn read<R: BufRead>(input: R) -> Result<Read, UsageError> {
    let mut out = Read::default();
    stream(input, &mut out)?;
    Ok(out)
}

/// Reads one record's XML — one `<Event>` element, as the `evtx` crate renders an
/// `.evtx` record — into `out` through the same handling as [`read`]. A record that is
/// not exactly one well-formed event is counted as skipped, never an error: the rest of
/// the log is still read.
pub(crate) fn read_record(xml: &[u8], out: &mut Read) {
    let mut one = Read {
        seen: out.seen,
        ..Read::default()
    };
    let result = stream(xml, &mut one).and_then(|()| match one.seen - out.seen {
        1 => Ok(()),
        0 => Err("no <Event> element".to_string()),
        k => Err(format!("{k} <Event> elements where one was expected")),
    });
    match result {
        Ok(()) => {
            out.seen = one.seen;
            out.events.append(&mut one.events);
            for (why, (count, first)) in one.skipped {
                out.skipped.entry(why).or_insert((0, first)).0 += count;
            }
        }
        Err(why) => out.skip_unread(format!("the record's XML is not an event: {why}")),
    }
}

/// The one streaming pass over `<Event>` elements that [`read`] and [`read_record`]
/// share: fields are gathered per event and handed to [`Read::take`].
fn stream<R: BufRead>(input: R, out: &mut Read) -> Result<(), String> {
    let limit = Rc::new(Cell::new(MAX_EVENT_BYTES as u64));
    let mut reader = Reader::from_reader(Bounded {
        inner: input,
        consumed: 0,
        limit: Rc::clone(&limit),
    });
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut current: Option<Partial> = None;
    let mut at = In::Nothing;
    let mut data_name = String::new();
    let mut text = String::new();
    let mut in_userdata = 0usize;
    let mut event_start = 0u64;
    loop {
        let n = out.seen;
        let pos = reader.buffer_position();
        // Any one event, or any stretch between two, may take at most the limit.
        let from = if current.is_some() { event_start } else { pos };
        limit.set(from + MAX_EVENT_BYTES as u64);
        let ev = reader.read_event_into(&mut buf).map_err(|e| {
            if e.to_string().contains(TOO_LARGE) {
                format!(
                    "near byte {pos}: {TOO_LARGE} of {} KiB (a Windows event is a few KiB)",
                    MAX_EVENT_BYTES / 1024
                )
            } else {
                clip(&format!("not well-formed XML near byte {pos}: {e}"))
            }
        })?;
        match ev {
            Xml::DocType(_) => {
                return Err(
                    "the file declares a document type (<!DOCTYPE>); exported events never do, and its entities are not expanded".into(),
                )
            }
            Xml::Start(e) | Xml::Empty(e) if e.local_name().as_ref() == b"Event" => {
                // `Empty` events carry nothing; a new `<Event>` restarts.
                out.seen += 1;
                event_start = pos;
                current = Some(Partial::default());
                at = In::Nothing;
            }
            Xml::Start(e) | Xml::Empty(e) => {
                let Some(p) = current.as_mut() else {
                    continue;
                };
                let name = e.local_name();
                text.clear();
                at = match name.as_ref() {
                    b"Provider" => {
                        p.provider = attr(&e, b"Name")?.unwrap_or_default();
                        p.guid = attr(&e, b"Guid")?.unwrap_or_default();
                        In::Nothing
                    }
                    b"TimeCreated" => {
                        p.time = attr(&e, b"SystemTime")?.unwrap_or_default();
                        In::TimeCreated
                    }
                    b"Security" => {
                        p.sid = attr(&e, b"UserID")?.unwrap_or_default();
                        In::Nothing
                    }
                    b"EventID" => In::EventId,
                    b"EventRecordID" => In::RecordId,
                    b"Channel" => In::Channel,
                    b"Computer" => In::Computer,
                    b"Data" => {
                        data_name = attr(&e, b"Name")?.unwrap_or_default();
                        In::Data
                    }
                    b"UserData" => {
                        in_userdata += 1;
                        In::Nothing
                    }
                    _ if in_userdata > 0 => {
                        // Attributes of UserData elements (a certificate's Thumbprint)
                        // are kept under the element's name.
                        for a in e.attributes().flatten() {
                            if let Ok(v) = a.unescape_value() {
                                let key = format!(
                                    "{}.{}",
                                    String::from_utf8_lossy(name.as_ref()),
                                    String::from_utf8_lossy(a.key.local_name().as_ref())
                                );
                                p.data.insert(key, v.into_owned());
                            }
                        }
                        data_name = String::from_utf8_lossy(name.as_ref()).into_owned();
                        In::UserData
                    }
                    _ => In::Nothing,
                };
            }
            Xml::Text(t) if current.is_some() && at != In::Nothing => {
                let s = t
                    .decode()
                    .map_err(|e| format!("bad text near byte {pos}: {e}"))?;
                text.push_str(&s);
            }
            Xml::CData(t) if current.is_some() && at != In::Nothing => {
                text.push_str(&String::from_utf8_lossy(&t));
            }
            Xml::GeneralRef(r) if current.is_some() && at != In::Nothing => {
                {
                    if let Some(c) = r.resolve_char_ref().map_err(|e| format!("near byte {pos}: {e}"))? {
                        text.push(c);
                    } else {
                        let name = r.decode().map_err(|e| format!("near byte {pos}: {e}"))?;
                        text.push(match name.as_ref() {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            "quot" => '"',
                            other => {
                                return Err(clip(&format!(
                                    "event {n}: the entity `&{other};` is not XML's own and is never expanded"
                                )))
                            }
                        });
                    }
                }
            }
            Xml::End(e) => {
                let name = e.local_name();
                if name.as_ref() == b"Event" {
                    if let Some(p) = current.take() {
                        out.take(p);
                    }
                    at = In::Nothing;
                    continue;
                }
                if name.as_ref() == b"UserData" {
                    in_userdata = in_userdata.saturating_sub(1);
                }
                if let Some(p) = current.as_mut() {
                    let value = std::mem::take(&mut text);
                    match at {
                        In::EventId => p.id = value,
                        In::RecordId => p.record = value,
                        In::Channel => p.channel = value,
                        In::Computer => p.computer = value,
                        In::Data if !data_name.is_empty() => {
                            p.data.insert(std::mem::take(&mut data_name), value);
                        }
                        In::UserData if !data_name.is_empty() && !value.trim().is_empty() => {
                            p.data
                                .insert(std::mem::take(&mut data_name), value.trim().to_string());
                        }
                        _ => {}
                    }
                }
                at = In::Nothing;
            }
            Xml::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if current.is_some() {
        return Err(format!(
            "the file ends inside event {} (at byte {event_start}): truncated",
            out.seen
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real event 360, as `wevtutil qe … /f:xml` exported it.
    const REAL_360: &str = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
 <System>
  <Provider Name="Microsoft-Windows-User Device Registration" Guid="{23B8D46B-67DD-40A3-B636-D43E50552C6D}" />
  <EventID>360</EventID><Version>0</Version><Level>3</Level><Task>0</Task><Opcode>0</Opcode>
  <Keywords>0x8000000000000000</Keywords>
  <TimeCreated SystemTime="2017-05-02T03:07:16.642559000Z" />
  <EventRecordID>20</EventRecordID><Correlation />
  <Execution ProcessID="4728" ThreadID="5580" />
  <Channel>Microsoft-Windows-User Device Registration/Admin</Channel>
  <Computer>DESKTOP-TM5QNT2</Computer>
  <Security UserID="S-1-5-21-540844313-1553702921-2153240346-1001" />
 </System>
 <EventData>
  <Data Name="Message">Windows Hello for Business provisioning will not be launched.</Data>
  <Data Name="DeviceIsJoined">Not Tested</Data><Data Name="AADPrt">No</Data>
  <Data Name="NgcPolicyEnabled">Not Tested</Data><Data Name="NgcHardwarePolicyMet">Not Tested</Data>
  <Data Name="UserIsRemote">Yes</Data><Data Name="LogonCertRequired">Not Tested</Data>
  <Data Name="MachinePolicySource">none</Data>
 </EventData></Event>"#;

    fn all(text: &str) -> Result<Read, String> {
        read(text.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_a_real_event_by_field_name() {
        let r = all(REAL_360).unwrap();
        assert_eq!(r.events.len(), 1);
        let e = &r.events[0];
        assert_eq!(e.id, 360);
        assert_eq!(e.provider_guid, "23b8d46b-67dd-40a3-b636-d43e50552c6d");
        assert_eq!(e.computer, "DESKTOP-TM5QNT2");
        assert_eq!(e.user_sid, "S-1-5-21-540844313-1553702921-2153240346-1001");
        assert_eq!(e.record_id, Some(20));
        assert_eq!(e.time, 1_493_694_436_642_559);
        assert_eq!(e.data["AADPrt"], "No");
        assert_eq!(e.data["UserIsRemote"], "Yes");
        assert_eq!(
            e.channel,
            "Microsoft-Windows-User Device Registration/Admin"
        );
    }

    #[test]
    fn reads_events_bare_wrapped_and_one_per_line() {
        let lower = REAL_360
            .replace(
                "23B8D46B-67DD-40A3-B636-D43E50552C6D",
                "23b8d46b-67dd-40a3-b636-d43e50552c6d",
            )
            .replace(".642559000Z", ".6425591Z");
        let bare = format!("{REAL_360}\n{lower}\n");
        let wrapped = format!("<Events>{REAL_360}{lower}</Events>");
        let lines = format!(
            "{}\n{}\n",
            REAL_360.replace('\n', ""),
            lower.replace('\n', "")
        );
        for text in [bare, wrapped, lines] {
            let r = all(&text).unwrap();
            assert_eq!(r.events.len(), 2, "{text}");
            assert_eq!(r.events[0].provider_guid, r.events[1].provider_guid);
            assert_eq!(r.events[0].time, r.events[1].time);
        }
    }

    #[test]
    fn keeps_user_data_and_escaped_text() {
        let ev = r#"<Event><System><Provider Name="Microsoft-Windows-CertificateServicesClient-Lifecycle-User" Guid="{bea18b89-126f-4155-9ee4-d36038b02680}"/><EventID>1006</EventID><TimeCreated SystemTime="2025-12-04T08:19:41.1234567Z"/><Computer>PC1</Computer><Security UserID="S-1-5-21-1"/></System><UserData><CertNotificationData><Context>User</Context><CertificateDetails Thumbprint="AB12"><Template Name="WHFB &amp; co"/></CertificateDetails></CertNotificationData></UserData></Event>"#;
        let r = all(ev).unwrap();
        let e = &r.events[0];
        assert_eq!(e.id, 1006);
        assert_eq!(e.data["Context"], "User");
        assert_eq!(e.data["CertificateDetails.Thumbprint"], "AB12");
        assert_eq!(e.data["Template.Name"], "WHFB & co");
        let msg = r#"<Event><System><EventID>8225</EventID><TimeCreated SystemTime="2025-12-04T08:19:41Z"/></System><EventData><Data Name="ProcessingTime">6 &lt;s&gt; &#x41;</Data></EventData></Event>"#;
        assert_eq!(
            all(msg).unwrap().events[0].data["ProcessingTime"],
            "6 <s> A"
        );
    }

    /// Event 8225 as the `evtx` crate (0.15) renders a record with `indent(false)`: no
    /// declaration, self-closed empty elements, the GUID in braces.
    const EVTX_8225: &str = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-HelloForBusiness" Guid="{906b8a99-63ce-58d7-86ab-10989bbd5567}"/><EventID>8225</EventID><Version>0</Version><Level>4</Level><Task>12</Task><Opcode>11</Opcode><Keywords>0x8000000000000001</Keywords><TimeCreated SystemTime="2025-12-01T08:01:13.2222352Z"/><EventRecordID>4</EventRecordID><Correlation/><Execution ProcessID="3448" ThreadID="4332"/><Channel>Microsoft-Windows-HelloForBusiness/Operational</Channel><Computer>PC0001</Computer><Security UserID="S-1-5-21-1-500"/></System><EventData><Data Name="ProcessingTime">3</Data></EventData></Event>"#;

    /// Event 1006, UserData, in the indented shape of the crate's own test snapshots (its
    /// default `indent(true)`; older versions): a declaration, indentation, and empty
    /// elements opened and closed around whitespace; the GUID without braces in capitals,
    /// as some providers register it.
    const EVTX_1006: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\n  <System>\n    <Provider Name=\"Microsoft-Windows-CertificateServicesClient-Lifecycle-User\" Guid=\"BEA18B89-126F-4155-9EE4-D36038B02680\">\n    </Provider>\n    <EventID>1006</EventID>\n    <TimeCreated SystemTime=\"2025-12-01T08:01:20.000000Z\">\n    </TimeCreated>\n    <EventRecordID>17</EventRecordID>\n    <Correlation>\n    </Correlation>\n    <Channel>Microsoft-Windows-CertificateServicesClient-Lifecycle-User/Operational</Channel>\n    <Computer>PC0001</Computer>\n    <Security UserID=\"S-1-5-21-1-500\">\n    </Security>\n  </System>\n  <UserData>\n    <CertNotificationData>\n      <Context>User</Context>\n      <CertificateDetails Thumbprint=\"AB12\">\n        <Template Name=\"WHFB\">\n        </Template>\n      </CertificateDetails>\n    </CertNotificationData>\n  </UserData>\n</Event>";

    #[test]
    fn the_evtx_crates_rendering_of_whfb_records_is_routed_like_wevtutil_s() {
        let mut out = Read::default();
        read_record(EVTX_8225.as_bytes(), &mut out);
        read_record(EVTX_1006.as_bytes(), &mut out);
        let security = EVTX_8225
            .replace("Microsoft-Windows-HelloForBusiness/Operational", "Security")
            .replace(
                "Microsoft-Windows-HelloForBusiness",
                "Microsoft-Windows-Security-Auditing",
            )
            .replace(
                "906b8a99-63ce-58d7-86ab-10989bbd5567",
                "54849625-5478-4994-a5ba-3e3b0328c30d",
            );
        read_record(security.as_bytes(), &mut out);
        read_record(b"<Event><System>", &mut out);
        read_record(b"", &mut out);
        assert_eq!(out.events.len(), 2, "{:?}", out.skipped);
        let (key, cert) = (&out.events[0], &out.events[1]);
        assert_eq!(key.id, 8225);
        assert_eq!(key.data["ProcessingTime"], "3");
        assert_eq!(key.user_sid, "S-1-5-21-1-500");
        assert_eq!(key.time, parse_utc("2025-12-01T08:01:13.222235Z").unwrap());
        assert_eq!(cert.id, 1006);
        assert_eq!(cert.provider_guid, "bea18b89-126f-4155-9ee4-d36038b02680");
        assert_eq!(cert.record_id, Some(17));
        assert_eq!(cert.data["Context"], "User");
        assert_eq!(cert.data["CertificateDetails.Thumbprint"], "AB12");
        assert_eq!(cert.data["Template.Name"], "WHFB");
        // Whitespace-only UserData elements are not values.
        assert!(!cert.data.contains_key("Template"), "{:?}", cert.data);
        // The Security event, the truncated record and the empty one: three skips, each
        // with its record number and reason.
        let firsts: Vec<(u64, u64)> = out.skipped.values().copied().collect();
        assert_eq!(
            firsts.iter().map(|c| c.0).sum::<u64>(),
            3,
            "{:?}",
            out.skipped
        );
        assert!(out.skipped.keys().any(|k| k.contains("channel `Security`")));
        assert!(out.skipped.keys().any(|k| k.contains("truncated")));
        assert!(out.skipped.keys().any(|k| k.contains("no <Event> element")));
        let mut at: Vec<u64> = firsts.iter().map(|c| c.1).collect();
        at.sort_unstable();
        assert_eq!(at, [3, 4, 5]);
        // The same events through the stream reader: the one handling gives the same.
        let streamed = read(format!("{EVTX_8225}\n{}", &EVTX_1006[39..]).as_bytes()).unwrap();
        assert_eq!(streamed.events, out.events);
    }

    #[test]
    fn hostile_or_damaged_xml_is_refused_or_counted() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Event><System><EventID>&lol2;</EventID></System></Event>"#;
        assert!(all(laughs)
            .unwrap_err()
            .to_string()
            .contains("document type"));
        let external = r#"<Event><System><EventID>1</EventID><Computer>&xxe;</Computer><TimeCreated SystemTime="2025-12-04T08:19:41Z"/></System></Event>"#;
        assert!(all(external)
            .unwrap_err()
            .to_string()
            .contains("never expanded"));
        let truncated = &REAL_360[..REAL_360.len() / 2];
        assert!(all(truncated).is_err());
        let no_id = REAL_360.replace("<EventID>360</EventID>", "<EventID>x</EventID>");
        let r = all(&format!("{REAL_360}{no_id}")).unwrap();
        assert_eq!(r.events.len(), 1);
        assert_eq!(r.skipped.values().map(|c| c.0).sum::<u64>(), 1);
        let huge = format!(
            "<Event><System><EventID>1</EventID></System><EventData><Data Name=\"M\">{}</Data></EventData></Event>",
            "x".repeat(MAX_EVENT_BYTES + 10)
        );
        assert!(all(&huge).unwrap_err().to_string().contains("larger than"));
    }
}
