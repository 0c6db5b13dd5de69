//! `[adfs]` and `[ca]`: the sizes of the AD FS farm and the CA, and the two timeouts of a
//! request through them: AD FS's wait for the CA (`adfs.ca_timeout`) and the client's
//! wait for AD FS (`enrollment.request_timeout`).

use super::checker::Checker;
use crate::scenario::schema::{Patched, Spec};

/// Most AD FS servers: every server is a resource with its own time series, table row
/// and chart line.
pub const MAX_ADFS_SERVERS: u32 = 1_000;
/// Most concurrent requests per AD FS server or CA.
pub const MAX_WORKERS: u32 = 100_000;

/// Servers, workers and patched servers in range, positive timeouts, CA workers in range.
pub(super) fn farm(c: &mut Checker, spec: &Spec) {
    let f = &spec.adfs;
    c.between("adfs.servers", f.servers, 1, MAX_ADFS_SERVERS);
    c.between("adfs.workers", f.workers, 1, MAX_WORKERS);
    if let Patched::Count(n) = f.patched {
        if n > f.servers {
            c.fail(
                "adfs.patched",
                format!(
                    "{n} patched servers but adfs.servers = {}; allowed: 0 to adfs.servers, \"all\" or \"none\"",
                    f.servers
                ),
            );
        }
    }
    c.positive("adfs.ca_timeout", f.ca_timeout.0);
    c.positive(
        "enrollment.request_timeout",
        spec.enrollment.request_timeout.0,
    );
    c.between("ca.workers", spec.ca.workers, 1, MAX_WORKERS);
}
