//! Which shared resource a report is about. The model names its resources with this enum
//! and the reports match on it; the name (`adfs-1`, `ca`, `drs`, `aad_connect`) exists only
//! where it is written out: `summary.json`'s keys, `resources.csv`, chart captions and
//! shard results, which read it back. (The engine's `Resource` is the domain-free queue
//! these are built on.)

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A shared resource of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceId {
    /// AD FS server `n` of the farm (1-based): its workers and queue.
    AdfsServer(u32),
    /// The issuing CA: its workers and queue.
    Ca,
    /// The Device Registration Service: latency only, no servers modelled.
    Drs,
    /// Azure AD Connect's sync scheduler: one cycle at a time, keys waiting for it.
    AadConnect,
}

impl ResourceId {
    /// Whether it is one of the AD FS servers.
    pub(crate) fn is_adfs_server(self) -> bool {
        match self {
            ResourceId::AdfsServer(_) => true,
            ResourceId::Ca | ResourceId::Drs | ResourceId::AadConnect => false,
        }
    }
}

/// The name the outputs use: `adfs-1`, …, `ca`, `drs`, `aad_connect`.
impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceId::AdfsServer(n) => write!(f, "adfs-{n}"),
            ResourceId::Ca => f.write_str("ca"),
            ResourceId::Drs => f.write_str("drs"),
            ResourceId::AadConnect => f.write_str("aad_connect"),
        }
    }
}

/// Reads back what [`Display`](fmt::Display) writes (a shard result's resources,
/// `summary.json`'s keys), and nothing else.
impl FromStr for ResourceId {
    type Err = crate::error::UsageError;

    fn from_str(s: &str) -> Result<ResourceId, Self::Err> {
        let server = s
            .strip_prefix("adfs-")
            .filter(|n| !n.starts_with(['0', '+']))
            .and_then(|n| n.parse::<u32>().ok());
        match (s, server) {
            (_, Some(n)) => Ok(ResourceId::AdfsServer(n)),
            ("ca", _) => Ok(ResourceId::Ca),
            ("drs", _) => Ok(ResourceId::Drs),
            ("aad_connect", _) => Ok(ResourceId::AadConnect),
            _ => {
                // A name read from a file may be anything, a megabyte long: never echo it
                // whole.
                let shown: String = s.chars().take(40).collect();
                let more = if shown.len() < s.len() { "…" } else { "" };
                Err(format!(
                    "`{shown}{more}` is not a resource; allowed: adfs-N (N from 1), ca, drs, aad_connect"
                )
                .into())
            }
        }
    }
}

// As its name, so a shard result carries the same strings as before the enum.
impl Serialize for ResourceId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ResourceId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_nothing_else_parses() {
        for r in [
            ResourceId::AdfsServer(1),
            ResourceId::AdfsServer(12),
            ResourceId::Ca,
            ResourceId::Drs,
            ResourceId::AadConnect,
        ] {
            assert_eq!(r.to_string().parse::<ResourceId>().ok(), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{r}\""));
            assert_eq!(serde_json::from_str::<ResourceId>(&json).unwrap(), r);
        }
        assert_eq!(ResourceId::AdfsServer(2).to_string(), "adfs-2");
        assert_eq!(ResourceId::AadConnect.to_string(), "aad_connect");
        for bad in [
            "", "adfs", "adfs-", "adfs-0", "adfs-01", "adfs-+1", "adfs-x", "CA", "dc",
        ] {
            assert!(bad.parse::<ResourceId>().is_err(), "{bad:?}");
        }
        let long = "r"
            .repeat(1 << 20)
            .parse::<ResourceId>()
            .unwrap_err()
            .to_string();
        assert!(long.len() < 200 && long.contains('…'), "{long}");
    }
}
