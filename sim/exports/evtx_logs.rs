//! Binary Windows event logs (`.evtx`), as a device keeps them under
//! `C:\Windows\System32\winevt\Logs` or `wevtutil epl` saves them, read with the `evtx`
//! crate (a pure-Rust parser of the format). Records are rendered to XML one at a time,
//! in record order (one parsing thread), and go through the XML reader's own handling
//! (`windows_events::read_record`): a log and its `wevtutil qe /f:xml` export give the
//! same events. Memory stays bounded: the parser holds one 64 KiB chunk at a time.
//!
//! A file that is not an event log as a whole (a bad header, or a length that stops
//! inside a chunk: a copy cut short) is an error naming what is wrong; a chunk or record
//! inside a sound file that cannot be decoded is counted as skipped, with the parser's
//! reason, and the rest is still read.

use super::windows_events::{self, Read};
use crate::error::UsageError;
use evtx::{EvtxParser, ParserSettings};
use std::io::{Read as _, Seek};

/// The first bytes of every `.evtx` file.
pub(crate) const MAGIC: &[u8] = b"ElfFile\0";

/// The size of the file header block.
const HEADER_BYTES: u64 = 4096;

/// The size of a chunk, the unit a log grows by.
const CHUNK_BYTES: u64 = 64 * 1024;

/// An error and its sources on one line (the parser's top-level messages alone, "Failed
/// to parse chunk number 3", do not say what was wrong).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s.replace(['\n', '\r'], " ")
}

/// Reads every record of the `.evtx` log `input` (positioned anywhere; it is read from
/// its start), `size` bytes long.
pub fn read<R: std::io::Read + Seek>(mut input: R, size: u64) -> Result<Read, UsageError> {
    input.rewind().map_err(|e| format!("cannot read it: {e}"))?;
    let mut header = [0u8; 8];
    (&mut input)
        .take(8)
        .read_exact(&mut header)
        .map_err(|_| "shorter than an .evtx file header: truncated".to_string())?;
    if header != MAGIC {
        return Err("not an .evtx file: it does not start with `ElfFile`".into());
    }
    input.rewind().map_err(|e| format!("cannot read it: {e}"))?;
    let parser = EvtxParser::from_read_seek(input)
        .map_err(|e| format!("not a readable .evtx file: {}", chain(&e)))?;
    let h = parser.header();
    // Every log Windows writes has these; a file with the magic and anything else (zeros
    // after it, say) is not one, and is not walked chunk by chunk to find that out.
    if (h.header_size, h.header_block_size, h.major_version) != (128, HEADER_BYTES as u16, 3) {
        return Err(format!(
            "not an .evtx file header: header size {}, block size {}, version {}.{} (a Windows log has 128, 4096, 3.x)",
            h.header_size, h.header_block_size, h.major_version, h.minor_version
        )
        .into());
    }
    // Windows grows a log by whole chunks, so any other length is a copy cut short; the
    // parser would drop the partial chunk without a word.
    if size < HEADER_BYTES || !(size - HEADER_BYTES).is_multiple_of(CHUNK_BYTES) {
        return Err(format!(
            "{size} bytes is not the {HEADER_BYTES}-byte header plus whole 64 KiB chunks: the file is truncated (copy the log again, or export it with `wevtutil epl`)"
        )
        .into());
    }
    let mut parser =
        parser.with_configuration(ParserSettings::default().num_threads(1).indent(false));
    let mut out = Read::default();
    for record in parser.records() {
        match record {
            Ok(r) => windows_events::read_record(r.data.as_bytes(), &mut out),
            Err(e) => out.skip_unread(format!("not decoded by the .evtx parser: {}", chain(&e))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> Vec<u8> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/evtx")
            .join(name);
        std::fs::read(p).expect("fixture")
    }

    fn read_bytes(bytes: Vec<u8>) -> Result<Read, String> {
        let size = bytes.len() as u64;
        read(std::io::Cursor::new(bytes), size).map_err(|e| e.to_string())
    }

    fn skipped(r: &Read) -> u64 {
        r.skipped.values().map(|c| c.0).sum()
    }

    #[test]
    fn a_real_hello_for_business_log_is_read_record_by_record() {
        let r = read_bytes(fixture("HelloForBusiness-Operational.evtx")).unwrap();
        let ids: Vec<u32> = r.events.iter().map(|e| e.id).collect();
        assert_eq!(ids, [5520, 3054, 7210, 7054, 8025]);
        let e = &r.events[3];
        assert_eq!(e.provider, "Microsoft-Windows-HelloForBusiness");
        assert_eq!(e.provider_guid, "906b8a99-63ce-58d7-86ab-10989bbd5567");
        assert_eq!(e.channel, "Microsoft-Windows-HelloForBusiness/Operational");
        assert_eq!(e.computer, "DESKTOP-1N4R894");
        assert_eq!(e.user_sid, "S-1-5-21-1769714682-2803786108-491265710-500");
        assert_eq!(e.record_id, Some(4));
        assert_eq!(e.data["Error"], "0x1");
        // 2018-07-06T18:45:46.9666279Z, cut to the microsecond.
        assert_eq!(r.events[0].time, 1_530_902_746_966_627);
        // The log's sixth record is an empty one (no provider, the year 1601): counted,
        // and said why.
        assert_eq!(skipped(&r), 1, "{:?}", r.skipped);
        let (why, (_, first)) = r.skipped.iter().next().unwrap();
        assert!(why.contains("not one of the logs fit reads"), "{why}");
        assert_eq!(*first, 6);
    }

    #[test]
    fn events_of_other_logs_are_counted_as_skipped_with_the_reason() {
        let r = read_bytes(fixture("Security-short.evtx")).unwrap();
        assert!(r.events.is_empty());
        assert_eq!(skipped(&r), 7, "{:?}", r.skipped);
        let why = r.skipped.keys().next().unwrap();
        assert!(
            why.contains("channel `Security`") && why.contains("HelloForBusiness"),
            "{why}"
        );
    }

    #[test]
    fn truncated_or_foreign_files_are_refused_naming_what_is_wrong() {
        let log = fixture("HelloForBusiness-Operational.evtx");
        let half = log[..4096 + 30_000].to_vec();
        let e = read_bytes(half).unwrap_err().to_string();
        assert!(e.contains("truncated") && e.contains("34096 bytes"), "{e}");
        let e = read_bytes(log[..100].to_vec()).unwrap_err().to_string();
        assert!(e.contains("not a readable .evtx file"), "{e}");
        // The magic and zeros: refused from the header, not walked chunk by chunk.
        let mut zeros = vec![0u8; 4096 + 65536];
        zeros[..8].copy_from_slice(MAGIC);
        let e = read_bytes(zeros).unwrap_err().to_string();
        assert!(e.contains("not an .evtx file header"), "{e}");
        let e = read_bytes(log[..5].to_vec()).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
        let e = read_bytes(b"<Event/>".to_vec()).unwrap_err().to_string();
        assert!(e.contains("ElfFile"), "{e}");
        // The header alone: a log with no chunk holds nothing, which is not an error.
        let r = read_bytes(log[..4096].to_vec()).unwrap();
        assert!(r.events.is_empty() && r.skipped.is_empty());
    }

    #[test]
    fn a_damaged_chunk_is_skipped_with_the_reason_not_a_panic() {
        let log = fixture("HelloForBusiness-Operational.evtx");
        // The chunk's magic overwritten: the whole chunk is one counted skip.
        let mut bad_magic = log.clone();
        bad_magic[4096..4104].copy_from_slice(b"XXXXXXXX");
        let r = read_bytes(bad_magic).unwrap();
        assert!(r.events.is_empty());
        assert_eq!(skipped(&r), 1, "{:?}", r.skipped);
        assert!(
            r.skipped.keys().next().unwrap().contains("chunk"),
            "{:?}",
            r.skipped
        );
        // The records' bytes overwritten, a stretch at a time, everywhere in the chunk:
        // whatever the parser makes of them is read or counted, never a panic or an error
        // of the whole file.
        for at in (4096 + 512..log.len() - 64).step_by(997) {
            let mut bad = log.clone();
            for b in &mut bad[at..at + 64] {
                *b ^= 0xa5;
            }
            let r = read_bytes(bad).unwrap_or_else(|e| panic!("at {at}: {e}"));
            assert!(
                !r.events.is_empty() || skipped(&r) > 0,
                "at {at}: nothing read or counted"
            );
        }
    }
}
