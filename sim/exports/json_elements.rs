//! The byte cap the JSON readers put on each element of an export. serde_json reads one
//! element (a run, a sign-in) at a time, but holds the whole of it — its strings, its
//! nested objects — before handing it over, so without a cap one hostile gigabyte-long
//! string would be held in memory. `Capped` counts the bytes read since the current
//! element began (`Element::begin`) and fails the read past the limit, while the
//! element is still being read. (Nesting is capped by serde_json's own recursion limit,
//! 128 levels, which fails the read with `recursion limit exceeded`.)

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

/// A reader that fails once more than its limit has been read since the current element
/// began.
pub(crate) struct Capped<R> {
    inner: R,
    read: Rc<Cell<u64>>,
    limit: u64,
    what: &'static str,
}

/// The handle a visitor uses to say where each element begins.
#[derive(Clone)]
pub(crate) struct Element(Rc<Cell<u64>>);

impl Element {
    /// The next bytes belong to a new element.
    pub(crate) fn begin(&self) {
        self.0.set(0);
    }
}

/// `inner` capped at `limit` bytes per element; `what` names an element in the error
/// (`a run`, `a sign-in`).
pub(crate) fn capped<R: Read>(inner: R, limit: u64, what: &'static str) -> (Capped<R>, Element) {
    let read = Rc::new(Cell::new(0));
    (
        Capped {
            inner,
            read: Rc::clone(&read),
            limit,
            what,
        },
        Element(read),
    )
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let used = self.read.get();
        if used > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} larger than the limit of {} KiB (a real one is a few KiB)",
                    self.what,
                    self.limit / 1024
                ),
            ));
        }
        let room = (self.limit + 1 - used).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..room])?;
        self.read.set(used + n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_element_may_take_the_limit_and_no_more() {
        let (mut r, element) = capped(&b"0123456789"[..], 4, "a thing");
        let mut buf = [0u8; 3];
        assert_eq!(r.read(&mut buf).unwrap(), 3);
        element.begin();
        let mut rest = Vec::new();
        let e = r.read_to_end(&mut rest).unwrap_err();
        assert!(e.to_string().contains("a thing larger than"), "{e}");
        assert_eq!(
            rest.len(),
            5,
            "the limit, and one byte to tell it was passed"
        );
    }
}
