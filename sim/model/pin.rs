//! PIN creation (docs/model.md §4): the user enters and confirms a PIN; the complexity
//! policy may reject it and the user enters another.

use super::events::Event;
use super::user::first;
use super::Model;
use rand::Rng;

impl Model<'_> {
    /// The user enters and confirms a PIN.
    pub(super) fn pin_begin(&mut self, u: u32) {
        let spec = self.spec;
        let t = self.ui_draw(u, &spec.pin.entry);
        let accepted = self.users[u as usize].streams.ui.random::<f64>() >= self.spec.pin.p_reject;
        self.q
            .schedule_in(t, Event::PinEntered { user: u, accepted });
    }

    /// The PIN was accepted (key pair next) or rejected (enter again).
    pub(super) fn on_pin_entered(&mut self, u: u32, accepted: bool) {
        let now = self.now();
        if accepted {
            first(&mut self.user(u).milestones.pin_set, now);
            self.trace.log(now, u, "pin", None, || "PIN created".into());
            self.key_begin(u);
        } else {
            self.trace.log(now, u, "pin", None, || {
                "PIN does not meet the complexity policy; user enters another".into()
            });
            self.pin_begin(u);
        }
    }
}
