//! Reading the CSV exports row by row, in bounded memory: a reader that refuses a line
//! longer than a cap before the CSV parser has buffered it (the csv crate holds a whole
//! record in memory, so without the cap one 100 MB line of a hostile or damaged export
//! would be read whole before any row check could refuse it), and the one row loop the
//! CSV readers share.

use crate::error::UsageError;
use std::io::{self, Read};

/// The error message a too-long line gives, for callers to recognise.
pub(crate) const TOO_LONG: &str = "a line is longer than the limit";

/// `inner`, failing with [`TOO_LONG`] once `cap` bytes pass without a newline.
pub(crate) struct LineCap<R> {
    inner: R,
    cap: usize,
    since_newline: usize,
}

impl<R: Read> LineCap<R> {
    /// Wraps `inner`.
    pub fn new(inner: R, cap: usize) -> LineCap<R> {
        LineCap {
            inner,
            cap,
            since_newline: 0,
        }
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > self.cap {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, TOO_LONG));
                }
            }
        }
        Ok(n)
    }
}

/// A CSV reader over `input` (flexible rows, a header first), every line capped at `cap`
/// bytes.
pub(crate) fn reader<R: Read>(input: R, cap: usize) -> csv::Reader<LineCap<R>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(LineCap::new(input, cap))
}

/// Calls `each(row, record)` for every record after the header, rows numbered from 1. A
/// record that cannot be read, or one longer than `cap` (a quoted field may hold
/// newlines), ends the read with an error naming its row; `hint` follows the size
/// message.
pub fn for_each<R: Read>(
    rdr: &mut csv::Reader<R>,
    cap: usize,
    hint: &str,
    mut each: impl FnMut(u64, &csv::StringRecord),
) -> Result<(), UsageError> {
    let mut record = csv::StringRecord::new();
    let mut row = 0u64;
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => return Err(format!("row {}: {e}", row + 1).into()),
        }
        row += 1;
        if record.as_slice().len() > cap {
            return Err(format!("row {row} is longer than {} KiB{hint}", cap / 1024).into());
        }
        each(row, &record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_refused_before_it_is_held() {
        let mut ok = String::new();
        LineCap::new("a\nbb\nccc\n".as_bytes(), 3)
            .read_to_string(&mut ok)
            .unwrap();
        assert_eq!(ok, "a\nbb\nccc\n");
        // An endless line: the reader stops at the cap, not at the end.
        let endless = std::io::repeat(b'x');
        let mut sink = Vec::new();
        let e = LineCap::new(endless, 1 << 16)
            .read_to_end(&mut sink)
            .unwrap_err();
        assert!(e.to_string().contains(TOO_LONG));
        assert!(sink.len() < 1 << 17);
    }
}
