//! Reading a file the user (or another host, or an attacker) put in our way: its type and
//! size are checked on the open file before a byte is read, and no more than the limit is
//! ever read. A FIFO, a device or a socket would block or never end (`/dev/zero`), and a
//! huge or sparse file would be read whole; all are refused instead, with what the path
//! turned out to be.
//!
//! The file is opened non-blocking, so that opening a FIFO with no writer returns at once
//! (a blocking open waits for a writer for ever), then typed with `fstat` on the open
//! descriptor: no other process can swap the path between the check and the read.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// Why a file was not read. [`std::fmt::Display`] says it without the path, for the caller
/// to put its own name for the file in front.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Nothing at that path.
    NotFound,
    /// A symbolic link where [`Follow::No`] asked for the file itself.
    Link,
    /// Not a regular file: what it is instead (`a FIFO (named pipe)`, `a folder`, ...).
    NotRegular(&'static str),
    /// Larger than the limit.
    TooLarge {
        /// Its size as the file system gives it.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The open or the read failed.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("not found"),
            ReadError::Link => f.write_str("is a symbolic link, not a regular file"),
            ReadError::NotRegular(what) => {
                write!(
                    f,
                    "is {what}, not a regular file; only regular files are read"
                )
            }
            ReadError::TooLarge { size, limit } => write!(
                f,
                "is {} bytes, larger than the limit of {}",
                size,
                show_limit(*limit)
            ),
            ReadError::Io(e) => write!(f, "cannot read it: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// A limit for messages: `64 MiB`, `1024 KiB`, or bytes.
pub(crate) fn show_limit(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Whether a symbolic link at the path itself is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follow {
    /// Follow it (what it leads to is typed and sized like any file).
    Yes,
    /// Refuse it ([`ReadError::Link`]): for folders the program fills itself, where a
    /// link can only have been planted.
    No,
}

/// What a file system object is, for messages.
fn kind(m: &Metadata) -> &'static str {
    let t = m.file_type();
    if t.is_dir() {
        return "a folder";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Opens `path` for reading without blocking and without following a final link unless
/// `follow`, and checks on the open file that it is a regular file of at most `limit`
/// bytes. Returns the file and its metadata (owner, mode, size).
pub(crate) fn open_regular(
    path: &Path,
    limit: u64,
    follow: Follow,
) -> Result<(File, Metadata), ReadError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = OFlags::NONBLOCK | OFlags::NOCTTY;
        if follow == Follow::No {
            flags |= OFlags::NOFOLLOW;
        }
        opts.custom_flags(flags.bits() as i32);
    }
    let file = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::NotFound),
        Err(e) => {
            // O_NOFOLLOW on a link fails with ELOOP: say what it is.
            if follow == Follow::No
                && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
            {
                return Err(ReadError::Link);
            }
            return Err(ReadError::Io(e));
        }
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(&meta)));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    Ok((file, meta))
}

/// Reads at most `limit` bytes from `file` (a file that grew since it was sized is cut
/// off there and refused).
pub(crate) fn read_capped(file: File, limit: u64) -> Result<Vec<u8>, ReadError> {
    let size_hint = file.metadata().map(|m| m.len()).unwrap_or(0).min(limit);
    let mut bytes = Vec::with_capacity(size_hint as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// The whole of `path`, a regular file of at most `limit` bytes (see [`open_regular`]).
pub(crate) fn read_regular(path: &Path, limit: u64, follow: Follow) -> Result<Vec<u8>, ReadError> {
    let (file, _) = open_regular(path, limit, follow)?;
    read_capped(file, limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello").unwrap();
        assert_eq!(read_regular(&p, 5, Follow::No).unwrap(), b"hello");
        let e = read_regular(&p, 4, Follow::No).unwrap_err();
        assert!(
            matches!(e, ReadError::TooLarge { size: 5, limit: 4 }),
            "{e}"
        );
        assert!(matches!(
            read_regular(&dir.path().join("none"), 4, Follow::Yes),
            Err(ReadError::NotFound)
        ));
        let e = read_regular(dir.path(), 4, Follow::Yes).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn fifos_devices_and_links_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let e = read_regular(&fifo, 1 << 20, Follow::Yes).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        let e = read_regular(Path::new("/dev/zero"), 1 << 20, Follow::Yes).unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let e = read_regular(&link, 1 << 20, Follow::Yes).unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        let e = read_regular(&link, 1 << 20, Follow::No).unwrap_err();
        assert!(matches!(e, ReadError::Link), "{e}");
        // A sparse file is sized, not read.
        let sparse = dir.path().join("sparse");
        let f = std::fs::File::create(&sparse).unwrap();
        f.set_len(3 << 30).unwrap();
        let e = read_regular(&sparse, 1 << 20, Follow::Yes).unwrap_err();
        assert!(matches!(e, ReadError::TooLarge { .. }), "{e}");
        assert!(e.to_string().contains("1 MiB"), "{e}");
    }
}
