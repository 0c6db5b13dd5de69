//! Prerequisite checks before provisioning launches (docs/model.md §1, §11): the device
//! must be hybrid joined and, for certificate trust, written back to on-prem AD (the
//! device object reaches AD on the first sync cycle whose cut-off follows the join); key
//! and cloud Kerberos trust need no device writeback. A device whose join or writeback
//! still waits for a sync cycle fails the check (event 360) and provisioning launches at a
//! later sign-in. Cloud Kerberos trust adds the line "User account has Cloud TGT".

use super::aad_connect::SyncObject;
use super::cloud_kerberos::CLOUD_TGT_LINE;
use super::events::Event;
use super::user::Device;
use super::Model;
use crate::scenario::schema::{JoinMode, Trust};

impl Model<'_> {
    /// Runs at sign-in. Starts the Automatic-Device-Join task where the device needs it and
    /// returns whether provisioning may launch now.
    pub(super) fn prerequisites_pass(&mut self, u: u32) -> bool {
        let now = self.now();
        let device = self.user(u).device;
        let trust = self.spec.trust;
        if device == Device::Ready {
            self.trace.log(now, u, "prerequisites", Some(358), || {
                let lines = match trust {
                    Trust::Certificate => "Device is AAD joined (DJ++): Yes; device writeback: Yes",
                    Trust::Key => "Device is AAD joined (DJ++): Yes",
                    Trust::CloudKerberos => {
                        "Device is AAD joined (DJ++): Yes; User account has Cloud TGT: Yes"
                    }
                };
                format!("Windows Hello for Business provisioning will be launched. {lines}")
            });
            return true;
        }
        let why = match device {
            Device::Unjoined | Device::ComputerSynced | Device::Registering => {
                "Device is AAD joined (DJ++): No"
            }
            Device::ComputerSyncing => {
                "Device is AAD joined (DJ++): No (computer object not yet synced to Azure AD)"
            }
            Device::AwaitingWriteback | Device::Ready => {
                "Device is AAD joined (DJ++): Yes; device writeback: No (waiting for a sync cycle)"
            }
        };
        self.trace.log(now, u, "prerequisites", Some(360), || {
            let tgt = if trust == Trust::CloudKerberos {
                format!("; {CLOUD_TGT_LINE}")
            } else {
                String::new()
            };
            format!("Windows Hello for Business provisioning will not be launched. {why}{tgt}")
        });
        let session = self.user(u).session;
        self.q
            .schedule_at(now, Event::JoinAttempt { user: u, session });
        false
    }

    /// The join task runs (at sign-in, then every `join_retry` while signed in).
    pub(super) fn on_join_attempt(&mut self, u: u32, session: u32) {
        let now = self.now();
        let spec = self.spec;
        let user = self.user(u);
        if !user.signed_in || user.session != session {
            return;
        }
        let device = user.device;
        match (device, spec.prerequisites.join) {
            (Device::Unjoined, JoinMode::Sync) => {
                // The join task publishes the device's certificate on the computer object;
                // Azure AD only learns of the device when a sync cycle carries it.
                self.user(u).device = Device::ComputerSyncing;
                self.sync_enqueue(SyncObject::Computer(u));
                self.trace.log(now, u, "device_join", None, || {
                    "Automatic-Device-Join: computer object waits for Azure AD Connect".into()
                });
                // Nothing to retry until a cycle carries it: `device_synced` re-arms the task.
                return;
            }
            (Device::Unjoined, JoinMode::Federated) | (Device::ComputerSynced, _) => {
                if self.drs.down > 0 {
                    self.trace.log(now, u, "device_join", None, || {
                        "Automatic-Device-Join: device registration failed (DRS unreachable)".into()
                    });
                } else {
                    self.user(u).device = Device::Registering;
                    let d = self.drs.scaled(&spec.prerequisites.device_registration);
                    let t = self.net_draw(u, &d);
                    self.q.schedule_in(t, Event::JoinDone(u));
                    return;
                }
            }
            _ => return,
        }
        let retry = spec.prerequisites.join_retry.0;
        self.q
            .schedule_in(retry, Event::JoinAttempt { user: u, session });
    }

    /// Device registration returned: the device is joined; certificate trust waits for
    /// device writeback, the other models need none.
    pub(super) fn on_join_done(&mut self, u: u32) {
        let now = self.now();
        if self.spec.trust != Trust::Certificate {
            self.user(u).device = Device::Ready;
            self.trace.log(now, u, "device_join", None, || {
                "Device registered with Azure AD: provisioning will launch at the next sign-in (no device writeback needed)".into()
            });
            return;
        }
        self.user(u).device = Device::AwaitingWriteback;
        self.sync_enqueue(SyncObject::Device(u));
        self.trace.log(now, u, "device_join", None, || {
            "Device registered with Azure AD; waiting for device writeback".into()
        });
    }

    /// A sync cycle carried this user's computer or device object.
    pub(super) fn device_synced(&mut self, u: u32) {
        let now = self.now();
        let user = self.user(u);
        match user.device {
            Device::ComputerSyncing => {
                user.device = Device::ComputerSynced;
                let (signed_in, session) = (user.signed_in, user.session);
                if signed_in {
                    // The hourly task picks it up; a sign-in would too.
                    let retry = self.spec.prerequisites.join_retry.0;
                    self.q
                        .schedule_in(retry, Event::JoinAttempt { user: u, session });
                }
                self.trace.log(now, u, "device_sync", None, || {
                    "Computer object synced to Azure AD: the device can register".into()
                });
            }
            Device::AwaitingWriteback => {
                user.device = Device::Ready;
                self.trace.log(now, u, "device_sync", None, || {
                    "Device written back to AD: provisioning will launch at the next sign-in (PreReqResult = WillProvision)".into()
                });
            }
            _ => {}
        }
    }
}
