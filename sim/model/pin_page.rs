//! The full-screen "Set up a PIN" page (docs/model.md §2): provisioning has launched and
//! waits for the user to click.

use super::events::Event;
use super::user::first;
use super::Model;

impl Model<'_> {
    /// Provisioning launches at sign-in, before the desktop appears.
    pub(super) fn launch_provisioning(&mut self, u: u32) {
        let now = self.now();
        let user = self.user(u);
        user.in_ui = true;
        user.mfa_attempts = 0;
        first(&mut user.milestones.launched, now);
        self.trace.log(now, u, "pin_page", None, || {
            "\"Set up a PIN\" page shown".into()
        });
        let spec = self.spec;
        let t = self.ui_draw(u, &spec.pin_page.think);
        self.q.schedule_in(t, Event::PinPageDone(u));
    }

    /// The user clicked through: MFA comes next.
    pub(super) fn on_pin_page_done(&mut self, u: u32) {
        self.mfa_begin(u);
    }

    /// Provisioning leaves the screen (done, abandoned or failed): the desktop session
    /// starts.
    pub(super) fn end_ui(&mut self, u: u32) {
        let user = self.user(u);
        if user.in_ui {
            user.in_ui = false;
            self.start_desktop(u);
        }
    }
}
