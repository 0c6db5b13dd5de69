//! The shard result on disk (documented in docs/shards.md): a folder with `shard.json`,
//! the manifest, written last, and `units/<unit>.json.gz`, one gzip-compressed JSON file
//! per unit of work. Nothing in it names a folder, a host or a time.

use super::job::{hex, Job};
use super::select::ShardSpec;
use crate::error::UsageError;
use crate::run::unit::{UnitId, UnitOutput};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The manifest's `format`: bumped whenever a reader of the old one would misread.
pub(crate) const FORMAT: &str = "whfb-sim-shard/1";
/// A unit file's `format`.
pub(crate) const UNIT_FORMAT: &str = "whfb-sim-unit/1";
/// The manifest's file name inside a shard folder.
pub const MANIFEST: &str = "shard.json";
/// The folder of unit files inside a shard folder.
pub(crate) const UNITS_DIR: &str = "units";
const UNIT_EXT: &str = ".json.gz";

/// Which simulator wrote a shard: the crate version and a hash of the sources it was
/// built from (`build.rs`), so a merge never mixes simulators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binary {
    /// `CARGO_PKG_VERSION`.
    pub version: String,
    /// Hash of every source file compiled or embedded into the binary.
    pub sources: String,
}

impl Binary {
    /// This binary.
    pub fn this() -> Binary {
        Binary {
            version: env!("CARGO_PKG_VERSION").to_string(),
            sources: env!("WHFB_SIM_SOURCES").to_string(),
        }
    }
}

impl std::fmt::Display for Binary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "whfb-sim {} (sources {})", self.version, self.sources)
    }
}

/// One unit file listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitEntry {
    /// Which unit.
    pub id: UnitId,
    /// Path of its file relative to the shard folder (`units/p0-v1-r2.json.gz`).
    pub file: String,
    /// The file's size in bytes.
    pub bytes: u64,
    /// The size of the JSON inside it.
    pub json_bytes: u64,
    /// SHA-256 (hex) of the file.
    pub sha256: String,
}

/// `shard.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// `FORMAT`.
    pub format: String,
    /// The simulator that wrote it.
    pub binary: Binary,
    /// [`Job::fingerprint`] of `job`.
    pub fingerprint: String,
    /// The command's inputs.
    pub job: Job,
    /// Which shard of how many.
    pub shard: ShardSpec,
    /// Units of the whole job (every shard together).
    pub units_total: usize,
    /// The estimated cost of this shard's units, as a share of the job's (0 to 1).
    pub cost_share: f64,
    /// This shard's units, in plan order (possibly none).
    pub units: Vec<UnitEntry>,
}

#[derive(Serialize)]
struct UnitFileOut<'a> {
    format: &'a str,
    unit: &'a UnitOutput,
}

#[derive(Deserialize)]
struct UnitFileIn {
    format: String,
    unit: UnitOutput,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename,
/// so a reader never sees half a file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    crate::interrupt::writing(|| write_now(path, bytes))
}

fn write_now(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    // Readable by whoever may merge (the umask still applies), like the reports.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The unit file's name for `id`, relative to the shard folder.
pub(crate) fn unit_file(id: &UnitId) -> String {
    format!("{UNITS_DIR}/{}{UNIT_EXT}", id.name())
}

/// Encodes `unit` as its file's JSON and checks that it decodes to exactly `unit`: a
/// value JSON cannot hold (a NaN) or one that would not come back bit for bit would make
/// the merged outputs differ from the unsharded ones, so it stops the shard instead.
pub(crate) fn encode_unit(unit: &UnitOutput) -> anyhow::Result<Vec<u8>> {
    let json = serde_json::to_vec(&UnitFileOut {
        format: UNIT_FORMAT,
        unit,
    })?;
    let back = decode_unit(&json)
        .map_err(|m| anyhow::anyhow!("unit {} cannot be stored exactly: {m}", unit.id))?;
    if &back != unit {
        anyhow::bail!(
            "unit {} does not read back equal to what ran; it cannot be merged exactly",
            unit.id
        );
    }
    Ok(json)
}

/// `e` cut to a few hundred characters: a decoding error quotes the value it choked on, and
/// a message quotes what a manifest says, which in a damaged file may be megabytes long.
pub(crate) fn short(e: impl std::fmt::Display) -> String {
    const MAX: usize = 300;
    let text = e.to_string();
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// Decodes a unit file's JSON.
pub(crate) fn decode_unit(json: &[u8]) -> Result<UnitOutput, UsageError> {
    let f: UnitFileIn =
        serde_json::from_slice(json).map_err(|e| format!("not a unit file: {}", short(e)))?;
    if f.format != UNIT_FORMAT {
        return Err(format!(
            "format `{}`, this whfb-sim reads `{UNIT_FORMAT}`",
            short(&f.format)
        )
        .into());
    }
    Ok(f.unit)
}

fn gzip(json: &[u8]) -> anyhow::Result<Vec<u8>> {
    // The fastest level: a third of level 6's time for a fifth more bytes (20,000 users:
    // 8.2 MB of JSON, 1.7 MB compressed).
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(json.len() / 4),
        flate2::Compression::fast(),
    );
    gz.write_all(json)?;
    Ok(gz.finish()?)
}

/// Decompresses `bytes`, which must hold exactly `limit` bytes (the size the manifest
/// gives, already held to what the job can produce), reading no more than one byte past it.
fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    // Room for what JSON compresses to at most, not for what a damaged manifest claims;
    // the vector grows as the data really comes.
    let mut out = Vec::with_capacity(limit.min(bytes.len() as u64 * 8) as usize);
    flate2::read::GzDecoder::new(bytes)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| format!("not gzip: {e}"))?;
    if out.len() as u64 != limit {
        return Err(format!(
            "holds {}{} bytes of JSON, {MANIFEST} says {limit}",
            out.len(),
            if out.len() as u64 > limit { "+" } else { "" }
        ));
    }
    Ok(out)
}

/// Writes `unit`'s file into shard folder `dir` and returns its manifest entry.
pub(crate) fn write_unit(dir: &Path, unit: &UnitOutput) -> anyhow::Result<UnitEntry> {
    let json = encode_unit(unit)?;
    let bytes = gzip(&json)?;
    let file = unit_file(&unit.id);
    write_atomic(&dir.join(&file), &bytes)?;
    Ok(UnitEntry {
        id: unit.id,
        file,
        bytes: bytes.len() as u64,
        json_bytes: json.len() as u64,
        sha256: sha256_hex(&bytes),
    })
}

/// Prepares `dir` for a new shard result: removes an earlier manifest first, so a
/// shard that stops half-way leaves no manifest and merge calls it unfinished.
pub fn start(dir: &Path) -> anyhow::Result<()> {
    crate::interrupt::writing(|| std::fs::create_dir_all(dir.join(UNITS_DIR)))
        .with_context(|| format!("cannot create {}", dir.join(UNITS_DIR).display()))?;
    match std::fs::remove_file(dir.join(MANIFEST)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot replace {}", dir.join(MANIFEST).display()))
        }
        _ => Ok(()),
    }
}

/// Writes the manifest (the shard is complete once it is there), then removes unit
/// files of an earlier shard result in the same folder that this one does not list.
pub fn finish(dir: &Path, manifest: &Manifest) -> anyhow::Result<PathBuf> {
    let mut json = serde_json::to_vec_pretty(manifest)?;
    json.push(b'\n');
    let path = dir.join(MANIFEST);
    write_atomic(&path, &json)?;
    let keep: std::collections::HashSet<&str> =
        manifest.units.iter().map(|u| u.file.as_str()).collect();
    if let Ok(entries) = std::fs::read_dir(dir.join(UNITS_DIR)) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = format!("{UNITS_DIR}/{name}");
            if name.starts_with('p') && name.ends_with(UNIT_EXT) && !keep.contains(rel.as_str()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(path)
}

/// Largest `shard.json` read: the scenario text (at most 1 MiB, escaped), the overrides
/// and about 200,000 unit entries. A larger one is refused before it is read.
pub(crate) const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// Reads `dir/shard.json`; the error says what is wrong, for merge to name the folder.
/// Only a regular file of at most [`MAX_MANIFEST_BYTES`] is read.
pub(crate) fn read_manifest(dir: &Path) -> Result<Manifest, UsageError> {
    use crate::fsread::{read_regular, Follow, ReadError};
    if !dir.is_dir() {
        return Err("not a folder".into());
    }
    let path = dir.join(MANIFEST);
    let bytes = match read_regular(&path, MAX_MANIFEST_BYTES, Follow::Yes) {
        Ok(b) => b,
        Err(ReadError::NotFound) => {
            return Err(if dir.join(UNITS_DIR).is_dir() {
                format!("no {MANIFEST}: the shard did not finish (run it again)").into()
            } else {
                format!("no {MANIFEST}: not a shard result (written by `whfb-sim run|sweep|sensitivity --shard K/N --out DIR`)").into()
            })
        }
        Err(e) => return Err(format!("{MANIFEST} {e}").into()),
    };
    // The format first, without building the rest: a reader of another format would
    // only misread it.
    #[derive(Deserialize)]
    struct Probe {
        format: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{MANIFEST} is not JSON: {}", short(e)))?;
    match probe.format.as_ref().and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            let shown: String = other.chars().take(40).collect();
            return Err(
                format!("{MANIFEST} has format `{shown}`; this whfb-sim reads `{FORMAT}`").into(),
            );
        }
        None => return Err(format!("{MANIFEST} has no `format`: not a shard manifest").into()),
    }
    let m: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{MANIFEST} is damaged: {}", short(e)))?;
    ShardSpec::new(m.shard.index, m.shard.count)
        .map_err(|e| format!("{MANIFEST} is damaged: {e}"))?;
    Ok(m)
}

/// Reads the unit `entry` of the shard in `dir`, checking its type, size, checksum and id
/// before decoding it. `json_cap` is the most JSON a unit of its job can hold
/// ([`super::check::unit_json_cap`]): a manifest claiming more is refused before anything
/// is read, the file is read only up to the size the manifest gives, and decompressed
/// only up to the JSON size it gives.
pub(crate) fn read_unit(
    dir: &Path,
    entry: &UnitEntry,
    json_cap: u64,
) -> Result<UnitOutput, UsageError> {
    use crate::fsread::{open_regular, read_capped, Follow, ReadError};
    let rel = Path::new(&entry.file);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(format!("unit file `{}` is not inside the shard", entry.file).into());
    }
    if entry.json_bytes > json_cap || entry.bytes > super::check::gzip_cap(entry.json_bytes) {
        return Err(format!(
            "{}: {MANIFEST} gives {} bytes holding {} bytes of JSON; a unit of this job holds at most {json_cap} bytes of JSON (damaged or altered)",
            entry.file, entry.bytes, entry.json_bytes
        ).into());
    }
    let damaged = || {
        format!(
            "{}: size or checksum differs from {MANIFEST} (damaged or replaced)",
            entry.file
        )
    };
    let (file, meta) = match open_regular(&dir.join(rel), entry.bytes, Follow::Yes) {
        Ok(f) => f,
        Err(ReadError::TooLarge { .. }) => return Err(damaged().into()),
        Err(e) => return Err(format!("{}: {e}", entry.file).into()),
    };
    if meta.len() != entry.bytes {
        return Err(damaged().into());
    }
    let bytes = read_capped(file, entry.bytes).map_err(|e| format!("{}: {e}", entry.file))?;
    if bytes.len() as u64 != entry.bytes || sha256_hex(&bytes) != entry.sha256 {
        return Err(damaged().into());
    }
    let json = gunzip(&bytes, entry.json_bytes).map_err(|m| format!("{}: {m}", entry.file))?;
    drop(bytes);
    let unit = decode_unit(&json).map_err(|m| format!("{}: {m}", entry.file))?;
    if unit.id != entry.id {
        return Err(format!(
            "{} holds unit {}, {MANIFEST} says {}",
            entry.file, unit.id, entry.id
        )
        .into());
    }
    Ok(unit)
}
