//! The run's sign-ins as the Entra portal's CSV download of interactive sign-ins (the
//! columns `fit` and `compare-pilot` read, among the portal's many; one header ends with a
//! space as the portal's does).

use super::identity;
use crate::exports::time::{format_utc, UnixMicros};
use crate::model::RunOutput;
use std::fmt::Write;

/// Every traced sign-in as a `Windows Sign In` row, in time order.
pub fn csv(run: &RunOutput, origin: UnixMicros) -> String {
    let mut out = String::from(
        "Date (UTC),Request ID,User ID,User,Username,Application,Application ID ,Status,Device ID,Operating System,Join Type\n",
    );
    let mut n = 0u64;
    for r in run.trace.iter().filter(|r| r.step == "sign_in") {
        n += 1;
        let who = identity(r.user);
        let _ = writeln!(
            out,
            "{},{:08x}-0000-4000-a000-000000000000,{},User {:05},{},Windows Sign In,38aa3b87-a06d-4817-b275-7a316988d93b,Success,{:08x}-1111-4000-8000-000000000000,Windows10,Hybrid Azure AD joined",
            format_utc(origin + r.t as i64),
            n,
            who.object_id,
            r.user,
            who.upn,
            r.user
        );
    }
    out
}
