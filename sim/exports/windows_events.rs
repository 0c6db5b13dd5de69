//! Windows event logs exported as XML: `wevtutil qe <channel> /f:xml` writes bare
//! `<Event>` elements one after another (inside `<Events>` with `/e:Events`), and
//! `Get-WinEvent … | % { $_.ToXml() }` writes the same elements one per line. The reader
//! streams: one event is held at a time, and an event larger than [`MAX_EVENT_BYTES`] is
//! refused, so a multi-gigabyte export is read in bounded memory.
//!
//! A document type declaration is refused and no entity but XML's five and character
//! references is expanded (an unknown `&name;` is an error), so a "billion laughs" or an
//! external entity is never expanded or fetched. `<Data>` is looked up by its `Name`,
//! never by position, and the provider's GUID in any case.

use super::time::{parse_utc, UnixMicros};
use crate::error::UsageError;
use quick_xml::events::{BytesStart, Event as Xml};
use quick_xml::Reader;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::rc::Rc;

/// The largest event (its XML) read; real WHfB events are under 4 KiB.
pub const MAX_EVENT_BYTES: usize = 1 << 20;

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
        let a = a.map_err(|x| format!("bad attribute: {x}"))?;
        if a.key.local_name().as_ref() == name {
            return a
                .unescape_value()
                .map(|v| Some(v.into_owned()))
                .map_err(|x| format!("bad attribute value: {x}"));
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

/// What one call of [`read`] found: the events, and how many `<Event>` elements were
/// refused and why (counted, so one damaged record does not sink a whole export).
#[derive(Debug, Default)]
pub struct Read {
    /// The events, in file order.
    pub events: Vec<WinEvent>,
    /// Refused events by reason, with the first one's record number in the file.
    pub skipped: BTreeMap<String, (u64, u64)>,
}

/// Streams every `<Event>` of `input`, calling `keep` on each; an error of the document
/// itself (not well-formed XML, a DTD, an oversize event) ends the read with a message
/// naming the event's position. Events that are well-formed but unusable (no id, a bad
/// time) are counted in the result instead.
pub fn read<R: BufRead>(input: R, mut keep: impl FnMut(WinEvent)) -> Result<Read, UsageError> {
    let limit = Rc::new(Cell::new(MAX_EVENT_BYTES as u64));
    let mut reader = Reader::from_reader(Bounded {
        inner: input,
        consumed: 0,
        limit: Rc::clone(&limit),
    });
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut out = Read::default();
    let mut current: Option<Partial> = None;
    let mut at = In::Nothing;
    let mut data_name = String::new();
    let mut text = String::new();
    let mut in_userdata = 0usize;
    let mut event_start = 0u64;
    let mut n = 0u64;
    loop {
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
                format!("not well-formed XML near byte {pos}: {e}")
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
                n += 1;
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
                                return Err(format!(
                                    "event {n}: the entity `&{other};` is not XML's own and is never expanded"
                                ).into())
                            }
                        });
                    }
                }
            }
            Xml::End(e) => {
                let name = e.local_name();
                if name.as_ref() == b"Event" {
                    if let Some(p) = current.take() {
                        match p.finish() {
                            Ok(ev) => {
                                keep(ev.clone());
                                out.events.push(ev);
                            }
                            Err(why) => {
                                let entry = out.skipped.entry(why).or_insert((0, n));
                                entry.0 += 1;
                            }
                        }
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
        return Err(
            format!("the file ends inside event {n} (at byte {event_start}): truncated").into(),
        );
    }
    Ok(out)
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
        read(text.as_bytes(), |_| {}).map_err(|e| e.to_string())
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

    #[test]
    fn hostile_or_damaged_xml_is_refused_or_counted() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Event><System><EventID>&lol2;</EventID></System></Event>"#;
        assert!(all(laughs).unwrap_err().contains("document type"));
        let external = r#"<Event><System><EventID>1</EventID><Computer>&xxe;</Computer><TimeCreated SystemTime="2025-12-04T08:19:41Z"/></System></Event>"#;
        assert!(all(external).unwrap_err().contains("never expanded"));
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
        assert!(all(&huge).unwrap_err().contains("larger than"));
    }
}
