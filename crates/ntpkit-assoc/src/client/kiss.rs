//! Kiss-o'-Death handling for a client, reached only after the origin (and MAC) checks
//! (CVE-2015-7704, CVE-2015-7705, RFC 5905 erratum 3007).

use core::time::Duration;

use ntpkit_wire::KissCode;

use super::config::DENY_KISS_LIMIT;
use super::poll::PollState;
use super::reply::KissAction;

/// Kiss bookkeeping that survives between replies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KissState {
    /// Consecutive DENY/RSTR kisses on an unauthenticated association.
    pub(crate) denies: u8,
    /// An authenticated DENY/RSTR stopped the association.
    pub(crate) stopped: bool,
}

impl KissState {
    /// Applies a verified kiss.
    pub(crate) fn honour(
        &mut self,
        poll: &mut PollState,
        now: Duration,
        code: KissCode,
        server_poll: i8,
        authenticated: bool,
    ) -> KissAction {
        match code {
            KissCode::Rate => KissAction::PollRaised(poll.on_rate_kiss(now, server_poll)),
            c if c.is_access_denied() && authenticated => {
                self.stopped = true;
                poll.next = None;
                poll.due = false;
                KissAction::Stopped
            }
            c if c.is_access_denied() => {
                self.denies = self.denies.saturating_add(1);
                let unreachable = self.denies >= DENY_KISS_LIMIT;
                if unreachable {
                    poll.mark_unreachable();
                }
                KissAction::DenyCounted {
                    count: self.denies,
                    unreachable,
                }
            }
            _ => KissAction::Ignored,
        }
    }
}
