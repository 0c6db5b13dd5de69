//! Hybrid cloud Kerberos trust (docs/model.md §11): Microsoft Entra Kerberos issues the user a
//! partial TGT (the "Cloud TGT"), which a domain controller exchanges for a full one. There
//! is no sync wait and no certificate: the PIN works on-prem as soon as provisioning ends,
//! provided a domain controller is in reach (`dc_reach`). The prerequisite check gains the
//! line "User account has Cloud TGT".

use super::Model;

/// The prerequisite line cloud Kerberos trust adds to events 358 and 360. Entra Kerberos
/// is assumed configured (the `AzureADKerberos` object exists), so the check passes.
pub(crate) const CLOUD_TGT_LINE: &str = "User account has Cloud TGT: Yes";

impl Model<'_> {
    /// DRS registered the key: provisioning ends and the PIN is ready for on-prem use.
    pub(super) fn cloud_kerberos_registered(&mut self, u: u32) {
        let now = self.now();
        self.trace.log(now, u, "provisioned", None, || {
            "Windows Hello for Business is set up; with the Cloud TGT from Microsoft Entra Kerberos the PIN works on-prem without waiting for a sync".into()
        });
        self.end_ui(u);
        self.first_use(u);
    }
}
