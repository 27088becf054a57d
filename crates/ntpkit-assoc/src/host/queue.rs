//! A bounded FIFO of host events: a driver that never drains them must not make the host
//! grow without bound, so the oldest is dropped when full.

use std::collections::VecDeque;

use super::{HostEvent, MAX_QUEUED_EVENTS};

#[derive(Debug, Default)]
pub(super) struct EventQueue(VecDeque<HostEvent>);

impl EventQueue {
    pub(super) fn push(&mut self, event: HostEvent) {
        if self.0.len() >= MAX_QUEUED_EVENTS {
            self.0.pop_front();
        }
        self.0.push_back(event);
    }

    pub(super) fn pop(&mut self) -> Option<HostEvent> {
        self.0.pop_front()
    }
}
