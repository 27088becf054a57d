//! One manycast group a client solicits (one ntp.conf `manycastclient` line): its settings,
//! its own expanding ring and the solicitations it has in flight. ntpd runs every
//! `manycastclient` line as an association of its own, each with its own TTL, all feeding one
//! selection; a [`super::ManycastClient`] holds up to [`MAX_RINGS`] of them over one host.

use core::time::Duration;

use super::config::ManycastConfig;
use super::search::RingSearch;
use super::solicit::SolicitWindow;

/// Groups (`manycastclient` lines) one client solicits at most: each holds a bounded window
/// of solicitations, so the client's memory stays bounded whatever the configuration says.
pub const MAX_RINGS: usize = 8;

/// Which group a solicitation went to, or which group's solicitation a server answered: the
/// order the groups were given in (0 for [`super::ManycastClient::new`]'s, then one per
/// [`super::ManycastClient::add_ring`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RingId(pub(super) u8);

impl RingId {
    /// The position of the group: 0 for the first, less than [`MAX_RINGS`].
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// A group's settings, search and solicitations in flight.
#[derive(Clone, Debug)]
pub(super) struct Ring {
    pub(super) config: ManycastConfig,
    pub(super) search: RingSearch,
    pub(super) window: SolicitWindow,
}

impl Ring {
    /// A ring whose first solicitation is due at `now`.
    pub(super) fn new(config: ManycastConfig, now: Duration) -> Self {
        Self {
            config,
            search: RingSearch::new(now),
            window: SolicitWindow::default(),
        }
    }
}
