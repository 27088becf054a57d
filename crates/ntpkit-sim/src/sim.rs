//! The event loop: virtual true time jumps from one event to the next (the host's timers,
//! packet arrivals, once-a-second measurements), quinn-proto style. Nothing sleeps; a
//! simulated day takes milliseconds.
//!
//! The client is a real [`ntpkit_assoc::host::Host`]: its client associations write the
//! request bytes, simulated servers answer them with real mode 4 packets after the path's
//! delays, and the host's [`HostEvent::Adjust`] values steer the [`SimClock`]. The host's
//! monotonic time is the simulated clock without its steps (Linux's CLOCK_MONOTONIC
//! follows the disciplined frequency), so its once-a-second adjustment lasts one second of
//! the clock it adjusts (RFC 5905 A.5.6.1).

use core::time::Duration;
use std::collections::BinaryHeap;

use ntpkit_assoc::client::ClientConfig;
use ntpkit_assoc::host::{Host, HostEvent, SourceConfig, Tally};
use ntpkit_assoc::symmetric::{SymmetricAssociation, SymmetricConfig, SymmetricEvent};
use ntpkit_auth::KeyStore;
use ntpkit_clock::leap::{LeapControl, LeapMode};
use ntpkit_clock::{DisciplineOutcome, SourceId};
use ntpkit_wire::{KissCode, LeapIndicator, NtpDuration, NtpTimestamp, ReferenceId};

use crate::clock::SimClock;
use crate::event::{Event, EventKind};
use crate::network::{REORDER_HOLD, ServerKind, ServerSpec};
use crate::peer::{self, PeerNode};
use crate::rng::SimRng;
use crate::scenario::{LoopRecord, PeerRecord, PoolTally, Report, Scenario, ServerTally};
use crate::server::{self, PACKET_LEN};

/// Precision of every simulated clock (log2 s): about 1 us.
const PRECISION: i8 = -20;
/// Server hold time between receive and transmit, seconds.
const HOLD: f64 = 20e-6;
/// Smallest step of the host's timer, so a timer already due still moves time on.
const TIMER_GRAIN: Duration = Duration::from_micros(1);

/// Where a source came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// `Scenario::servers[i]`.
    Server(usize),
    /// `PoolSpec::members[i]`.
    Pool(usize),
}

/// One source the host was given, with the server behind it.
#[derive(Debug, Clone)]
struct Slot {
    id: SourceId,
    origin: Origin,
    spec: ServerSpec,
    /// True time the server last saw a request (rate limiting).
    last_request: Option<f64>,
    live: bool,
    tally: ServerTally,
}

/// A running simulation of one scenario.
#[derive(Debug)]
pub struct Simulation {
    scenario: Scenario,
    rng: SimRng,
    clock: SimClock,
    host: Host<SimRng>,
    /// The client's `peer` association with the peer node, and the node.
    client_peer: Option<SymmetricAssociation<SimRng>>,
    peer: Option<PeerNode>,
    peer_generation: u64,
    keys: KeyStore,
    slots: Vec<Slot>,
    next_pool_member: usize,
    queue: BinaryHeap<Event>,
    seq: u64,
    now: f64,
    /// Latest monotonic time handed to the host.
    host_now: Duration,
    /// Only the latest scheduled wake-up counts; earlier ones are stale.
    wake_generation: u64,
    /// The host refused a panic-sized offset and stopped (ntpd exits).
    exited: bool,
    report: Report,
    sum_sq: f64,
    samples: u64,
    last_bad: Option<f64>,
    next_trace: f64,
    debug: bool,
}

impl Simulation {
    /// Sets a scenario up at true time zero.
    ///
    /// # Errors
    /// The scenario's clock options are out of range.
    pub fn new(scenario: Scenario) -> Result<Self, ntpkit_clock::ClockError> {
        let epoch = NtpTimestamp::from_unix(
            scenario.start_ntp as i64 - ntpkit_wire::UNIX_EPOCH_OFFSET,
            0,
        );
        let clock = SimClock::new(epoch, scenario.clock);
        let mut host = Host::new(
            scenario.options,
            PRECISION,
            scenario.restored_frequency,
            Duration::ZERO,
        )?;
        let system = host.system_mut();
        *system.leap_mut() = LeapControl::new(LeapMode::Step);
        if let Some(table) = scenario.leap_file.clone() {
            system.leap_mut().set_table(table);
        }
        system.set_local_refid(ReferenceId([192, 0, 2, 1]));
        let mut rng = SimRng::new(scenario.seed);
        let (client_peer, peer) = match &scenario.peer {
            Some(spec) => {
                let mut config = SymmetricConfig::default();
                config.local_precision = PRECISION;
                let ours =
                    SymmetricAssociation::new(config, Duration::ZERO, SimRng::new(rng.next_u64()));
                let node =
                    PeerNode::new(spec, epoch, scenario.options, SimRng::new(rng.next_u64()))?;
                (Some(ours), Some(node))
            }
            None => (None, None),
        };
        let mut sim = Self {
            rng,
            client_peer,
            peer,
            peer_generation: 0,
            scenario,
            clock,
            host,
            keys: KeyStore::new(),
            slots: Vec::new(),
            next_pool_member: 0,
            queue: BinaryHeap::new(),
            seq: 0,
            now: 0.0,
            host_now: Duration::ZERO,
            wake_generation: 0,
            exited: false,
            report: Report::default(),
            sum_sq: 0.0,
            samples: 0,
            last_bad: None,
            next_trace: 0.0,
            debug: false,
        };
        for i in 0..sim.scenario.servers.len() {
            let spec = sim.scenario.servers[i].clone();
            sim.mobilize(Origin::Server(i), spec, false);
        }
        let initial = sim.scenario.pool.as_ref().map_or(0, |p| p.maxclock);
        for _ in 0..initial {
            sim.mobilize_pool_member();
        }
        sim.schedule(0.0, EventKind::Measure);
        Ok(sim)
    }

    /// Prints every discipline update to stderr (a debugging aid).
    pub fn set_debug(&mut self, on: bool) {
        self.debug = on;
    }

    /// Runs to the end of the scenario and returns its figures.
    pub fn run(mut self) -> Report {
        self.drive(None);
        self.drive_peer(None);
        while let Some(event) = self.queue.pop() {
            if event.at > self.scenario.duration {
                break;
            }
            self.now = event.at;
            self.clock.advance(event.at, &mut self.rng);
            if let Some(node) = &mut self.peer {
                node.clock.advance(event.at, &mut self.rng);
            }
            self.report.events += 1;
            match event.kind {
                EventKind::Wake {
                    generation,
                    deadline,
                } => {
                    if generation == self.wake_generation {
                        self.drive(Some(deadline));
                    }
                }
                EventKind::PeerWake {
                    generation,
                    deadline,
                } => {
                    if generation == self.peer_generation {
                        self.drive_peer(Some(deadline));
                    }
                }
                EventKind::Symmetric { to_peer, bytes } => {
                    if to_peer {
                        self.peer_receives(&bytes);
                        self.drive_peer(None);
                    } else {
                        self.client_receives_from_peer(&bytes);
                        self.drive(None);
                    }
                }
                EventKind::Measure => {
                    self.measure();
                    self.schedule(self.now + 1.0, EventKind::Measure);
                }
                EventKind::Reply {
                    slot,
                    bytes,
                    held_back,
                } => {
                    self.deliver(slot, &bytes, held_back);
                    self.drive(None);
                }
            }
        }
        self.finish()
    }

    fn schedule(&mut self, at: f64, kind: EventKind) {
        self.seq += 1;
        self.queue.push(Event {
            at,
            seq: self.seq,
            kind,
        });
    }

    /// UTC at true time `t`, seconds since the epoch (NTP time repeats a second at a leap).
    fn utc(&self, t: f64) -> f64 {
        match self.scenario.leap_insert_at {
            Some(at) if t >= at => t - 1.0,
            _ => t,
        }
    }

    fn offset_now(&self) -> f64 {
        self.clock.reading() - self.utc(self.now)
    }

    fn wall(&self) -> NtpTimestamp {
        self.clock.to_timestamp(self.clock.reading())
    }

    /// The host's monotonic time now: the clock's step-free reading, never going back,
    /// and at least the timer deadline being served (float rounding must not leave a due
    /// timer undue).
    fn monotonic(&mut self, deadline: Option<Duration>) -> Duration {
        let reading = Duration::from_secs_f64(self.clock.monotonic().max(0.0));
        self.host_now = self.host_now.max(reading).max(deadline.unwrap_or_default());
        self.host_now
    }

    /// Gives the host a source for this server.
    fn mobilize(&mut self, origin: Origin, spec: ServerSpec, ephemeral: bool) {
        let index = self.slots.len();
        let mut client = ClientConfig::default();
        client.iburst = self.scenario.iburst;
        client.burst = self.scenario.burst;
        client.local_precision = PRECISION;
        // `server ... minpoll M maxpoll N` on every line: the scenario's poll bounds.
        let tinker = &self.scenario.options.tinker;
        let (minpoll, maxpoll) = self
            .scenario
            .server_poll
            .unwrap_or((tinker.minpoll, tinker.maxpoll));
        client.minpoll = minpoll;
        client.maxpoll = maxpoll;
        // The address we would advertise as reference id: 10.0.x.y for source x*256+y.
        let refid = ReferenceId([10, 0, (index >> 8) as u8, index as u8]);
        let mut config = SourceConfig::new(client, refid);
        config.ephemeral = ephemeral;
        let rng = SimRng::new(self.rng.next_u64());
        let now = self.host_now;
        let id = self.host.add_source(config, now, rng);
        self.slots.push(Slot {
            id,
            origin,
            spec,
            last_request: None,
            live: true,
            tally: ServerTally::default(),
        });
    }

    /// Mobilises the pool's next member, if the pool has one left.
    fn mobilize_pool_member(&mut self) {
        let Some(pool) = &self.scenario.pool else {
            return;
        };
        let Some(spec) = pool.members.get(self.next_pool_member).cloned() else {
            return;
        };
        let member = self.next_pool_member;
        self.next_pool_member += 1;
        self.mobilize(Origin::Pool(member), spec, true);
    }

    fn slot_of(&self, id: SourceId) -> Option<usize> {
        self.slots.iter().position(|s| s.id == id)
    }

    /// Runs the host's timers, sends what it wants sent, and sets the next wake-up.
    fn drive(&mut self, deadline: Option<Duration>) {
        if self.exited {
            return;
        }
        let now = self.monotonic(deadline);
        self.host.handle_timeout(now, self.wall());
        self.drain();
        let mut buf = [0u8; PACKET_LEN];
        while !self.exited {
            // Read the clock for each packet: an adjustment may have moved it.
            let t1 = self.wall();
            match self.host.poll_transmit(now, t1, &self.keys, &mut buf) {
                Ok(Some(sent)) => {
                    let len = sent.len.min(PACKET_LEN);
                    if let Some(request) = buf.get(..len) {
                        let request: Vec<u8> = request.to_vec();
                        self.send(sent.id, &request);
                    }
                    self.drain();
                }
                // No keys are configured, so no source can fail to sign.
                Ok(None) | Err(_) => break,
            }
        }
        let t1 = self.wall();
        let ours = self.host.server_state(t1);
        if let Some(assoc) = &mut self.client_peer {
            let _ = assoc.handle_timeout(now);
            if let Ok(Some(len)) = assoc.poll_transmit(now, t1, &ours, &self.keys, &mut buf)
                && let Some(bytes) = buf.get(..len)
            {
                let bytes = bytes.to_vec();
                self.send_symmetric(true, &bytes);
            }
        }
        self.schedule_wake();
    }

    /// The peer node's timers and transmissions.
    fn drive_peer(&mut self, deadline: Option<Duration>) {
        let Some(node) = &mut self.peer else {
            return;
        };
        let now = node.monotonic(deadline);
        node.handle_timeout(now);
        let ours = node.server_state();
        let t1 = node.wall();
        let mut buf = [0u8; PACKET_LEN];
        let sent = match node
            .assoc
            .poll_transmit(now, t1, &ours, &self.keys, &mut buf)
        {
            Ok(Some(len)) => buf.get(..len).map(<[u8]>::to_vec),
            _ => None,
        };
        let wake = node.poll_timeout().max(now + TIMER_GRAIN);
        let at = self.now + node.clock.true_seconds_until(wake.as_secs_f64());
        if let Some(bytes) = sent {
            self.send_symmetric(false, &bytes);
        }
        self.peer_generation += 1;
        let generation = self.peer_generation;
        self.schedule(
            at,
            EventKind::PeerWake {
                generation,
                deadline: wake,
            },
        );
    }

    /// A symmetric packet leaves the client (`to_peer`) or the peer node.
    fn send_symmetric(&mut self, to_peer: bool, bytes: &[u8]) {
        let client = self.clock.reading();
        let Some(node) = &mut self.peer else {
            return;
        };
        let theta = node.clock.reading() - client;
        if to_peer {
            peer::remember(&mut node.sent.0, bytes, theta);
        } else {
            peer::remember(&mut node.sent.1, bytes, -theta);
        }
        let Some(delay) = node.path.transit(self.now, !to_peer, &mut self.rng) else {
            return;
        };
        let mut packet = [0u8; PACKET_LEN];
        let Some(dst) = packet.get_mut(..bytes.len()) else {
            return;
        };
        dst.copy_from_slice(bytes);
        self.schedule(
            self.now + delay,
            EventKind::Symmetric {
                to_peer,
                bytes: packet,
            },
        );
    }

    /// The peer node takes a sample of the client; checks it against the truth.
    fn peer_receives(&mut self, bytes: &[u8]) {
        let reading = self.clock.reading();
        let Some(node) = &mut self.peer else {
            return;
        };
        let echoed = peer::recall(&node.sent.1, bytes);
        if let Some((offset, delay)) = node.receive(bytes, &self.keys)
            && let Some(then) = echoed
        {
            let truth = (then + reading - node.clock.reading()) / 2.0;
            let report = &mut node.report;
            report.samples.1 += 1;
            let excess = (offset - truth).abs() - delay / 2.0;
            report.worst_excess_error = report.worst_excess_error.max(excess);
        }
    }

    /// The client's `peer` association takes a sample of the peer node. The host cannot
    /// use it (it takes client associations only); it is checked against the truth.
    fn client_receives_from_peer(&mut self, bytes: &[u8]) {
        let now = self.monotonic(None);
        let t4 = self.wall();
        let (Some(assoc), Some(node)) = (&mut self.client_peer, &mut self.peer) else {
            return;
        };
        let echoed = peer::recall(&node.sent.0, bytes);
        if let Ok(SymmetricEvent::Sample(sample)) = assoc.handle_packet(now, bytes, t4, &self.keys)
            && let Some(then) = echoed
        {
            let truth = (then + node.clock.reading() - self.clock.reading()) / 2.0;
            let report = &mut node.report;
            report.samples.0 += 1;
            let excess = (sample.sample.offset - truth).abs() - sample.sample.delay / 2.0;
            report.worst_excess_error = report.worst_excess_error.max(excess);
        }
    }

    fn schedule_wake(&mut self) {
        if self.exited {
            return;
        }
        let symmetric = self.client_peer.as_ref().and_then(|a| a.poll_timeout());
        let deadline = symmetric
            .map_or(self.host.poll_timeout(), |t| {
                t.min(self.host.poll_timeout())
            })
            .max(self.host_now + TIMER_GRAIN);
        let at = self.now + self.clock.true_seconds_until(deadline.as_secs_f64());
        self.wake_generation += 1;
        let generation = self.wake_generation;
        self.schedule(
            at,
            EventKind::Wake {
                generation,
                deadline,
            },
        );
    }

    /// A request leaves the client: the server (if alive, and if the path lets the packet
    /// through) answers it after the path's delays.
    fn send(&mut self, id: SourceId, request: &[u8]) {
        let Some(index) = self.slot_of(id) else {
            return;
        };
        self.slots[index].tally.requests += 1;
        let spec = self.slots[index].spec.clone();
        let false_offset = match spec.kind {
            ServerKind::Dead => return,
            ServerKind::False(o) => o,
            _ => 0.0,
        };
        let Some(forward) = spec.path.transit(self.now, false, &mut self.rng) else {
            return;
        };
        let arrival = self.now + forward;
        let previous = self.slots[index].last_request.replace(arrival);
        let limited = spec
            .rate_limit
            .zip(previous)
            .is_some_and(|(limit, last)| arrival - last < limit);
        let bytes = if limited {
            server::kiss(request, KissCode::Rate)
        } else {
            let server_time = self.utc(arrival) + false_offset + spec.noise * self.rng.normal();
            let rx = self.clock.to_timestamp(server_time);
            let tx = rx + NtpDuration::from_seconds_f64(HOLD);
            let leap_day = self
                .scenario
                .leap_insert_at
                .is_some_and(|at| arrival < at && arrival >= at - 86_400.0);
            let leap = if spec.announces_bogus_leap || (spec.announces_leap && leap_day) {
                LeapIndicator::InsertSecond
            } else {
                LeapIndicator::NoWarning
            };
            server::reply(request, rx, tx, leap)
        };
        let Some(bytes) = bytes else { return };
        let Some(backward) = spec.path.transit(arrival + HOLD, true, &mut self.rng) else {
            return;
        };
        let held_back = forward >= REORDER_HOLD || backward >= REORDER_HOLD;
        self.schedule(
            arrival + HOLD + backward,
            EventKind::Reply {
                slot: index,
                bytes,
                held_back,
            },
        );
    }

    /// A reply reaches the client.
    fn deliver(&mut self, index: usize, bytes: &[u8], held_back: bool) {
        if self.exited || !self.slots.get(index).is_some_and(|s| s.live) {
            return;
        }
        self.report.held_back += u64::from(held_back);
        let id = self.slots[index].id;
        let now = self.monotonic(None);
        // A failed packet test (a late reordered reply, say) changes nothing in the host.
        if let Err(why) = self
            .host
            .handle_packet(id, now, bytes, self.wall(), &self.keys)
        {
            match self.report.rejected.iter_mut().find(|(r, _)| *r == why) {
                Some((_, n)) => *n += 1,
                None => self.report.rejected.push((why, 1)),
            }
        }
        self.drain();
    }

    /// Acts on everything the host asked for, in order.
    fn drain(&mut self) {
        let mut selected = false;
        while let Some(event) = self.host.poll_event() {
            match event {
                // Once the host has given up (panic) nothing touches the clock.
                HostEvent::Adjust(adjust) if !self.exited => {
                    let _ = adjust.apply(&mut self.clock);
                }
                HostEvent::Sample { id, stats, .. } => {
                    if let Some(i) = self.slot_of(id) {
                        self.slots[i].tally.replies += 1;
                        if let (true, Some(stats)) = (self.scenario.record_stats, stats) {
                            let status = self
                                .host
                                .sources()
                                .find(|(s, _, _)| *s == id)
                                .map_or(0, |(_, config, st)| st.status_word(config));
                            self.report.peer_records.push(PeerRecord {
                                clock: self.clock_now(),
                                source: i,
                                status,
                                stats,
                            });
                        }
                    }
                    selected |= stats.is_some();
                }
                HostEvent::ClockUpdate {
                    offset,
                    outcome,
                    frequency,
                    jitter,
                    wander,
                    poll,
                } => {
                    if self.scenario.record_stats {
                        self.report.loop_records.push(LoopRecord {
                            clock: self.clock_now(),
                            offset,
                            frequency,
                            jitter,
                            wander,
                            poll,
                        });
                    }
                    self.clock_update(offset, outcome);
                }
                HostEvent::SystemPeer(peer) => {
                    let index = peer.and_then(|id| self.slot_of(id));
                    self.report.system_peer_changes.push((self.now, index));
                }
                HostEvent::Kiss { id, .. } => {
                    if let Some(i) = self.slot_of(id) {
                        self.slots[i].tally.kisses += 1;
                    }
                }
                HostEvent::Demobilized { id, reason } => {
                    if let Some(i) = self.slot_of(id) {
                        self.slots[i].live = false;
                        self.slots[i].tally.demobilized = Some(reason);
                    }
                    self.mobilize_pool_member();
                }
                _ => {}
            }
        }
        if selected {
            self.count_tallies();
        }
    }

    /// The client clock's reading (the time its statistics would carry).
    fn clock_now(&self) -> NtpTimestamp {
        self.clock.to_timestamp(self.clock.reading())
    }

    fn clock_update(&mut self, offset: f64, outcome: DisciplineOutcome) {
        if self.debug {
            let d = self.host.system().discipline();
            eprintln!(
                "{:8.0} true {:9.1}us meas {:9.1}us poll {} freq {:8.3}ppm jit {:7.1}us {:?}",
                self.now,
                self.offset_now() * 1e6,
                offset * 1e6,
                d.poll(),
                d.frequency() * 1e6,
                d.jitter() * 1e6,
                outcome
            );
        }
        self.report.count(outcome);
        if matches!(outcome, DisciplineOutcome::Panic { .. }) {
            // ntpd exits rather than touch a clock that far off; so does our daemon's host.
            self.exited = true;
        }
    }

    /// Records where the latest selection placed every live source.
    fn count_tallies(&mut self) {
        for (id, _, status) in self.host.sources() {
            let Some(slot) = self.slots.iter_mut().find(|s| s.id == id) else {
                continue;
            };
            let tally = &mut slot.tally;
            tally.final_poll = status.poll;
            match status.tally {
                Tally::SystemPeer => {
                    tally.system_peer += 1;
                    tally.survivor += 1;
                }
                Tally::Candidate => tally.survivor += 1,
                Tally::Falseticker => tally.falseticker += 1,
                _ => {}
            }
        }
    }

    fn measure(&mut self) {
        let utc = self.utc(self.now);
        let settled = self.now >= self.scenario.settle;
        if let Some(node) = &mut self.peer {
            let offset = node.clock.reading() - utc;
            if settled {
                node.sum_sq += offset * offset;
                node.measured += 1;
                node.report.max_offset = node.report.max_offset.max(offset.abs());
            }
        }
        let offset = self.offset_now();
        if self.now >= self.scenario.settle {
            self.sum_sq += offset * offset;
            self.samples += 1;
            self.report.max_offset = self.report.max_offset.max(offset.abs());
        }
        if offset.abs() >= 1e-3 {
            self.last_bad = Some(self.now);
        }
        if self.now >= self.next_trace {
            self.report.trace.push((self.now, offset));
            self.next_trace += self.scenario.trace_every;
        }
    }

    fn finish(mut self) -> Report {
        self.report.rms_offset = if self.samples > 0 {
            (self.sum_sq / self.samples as f64).sqrt()
        } else {
            0.0
        };
        self.report.final_offset = self.offset_now().abs();
        // The discipline's frequency estimate against the oscillator's true error (the
        // clock's momentary rate also carries the phase slew, which is not an error).
        self.report.frequency_error =
            self.clock.oscillator_error() + self.host.system().discipline().frequency();
        self.report.time_to_1ms = match self.last_bad {
            None => Some(0.0),
            Some(t) if self.report.final_offset < 1e-3 => Some(t),
            Some(_) => None,
        };
        self.report.steps = self.clock.steps().to_vec();
        let polls: Vec<(SourceId, i8)> =
            self.host.sources().map(|(id, _, s)| (id, s.poll)).collect();
        for slot in &mut self.slots {
            if let Some((_, poll)) = polls.iter().find(|(id, _)| *id == slot.id) {
                slot.tally.final_poll = *poll;
            }
            match slot.origin {
                Origin::Server(_) => self.report.servers.push(slot.tally),
                Origin::Pool(member) => self.report.pool.push(PoolTally {
                    member,
                    tally: slot.tally,
                }),
            }
        }
        if let Some(node) = self.peer.take() {
            let mut report = node.report.clone();
            report.rms_offset = if node.measured > 0 {
                (node.sum_sq / node.measured as f64).sqrt()
            } else {
                0.0
            };
            report.final_offset = (node.clock.reading() - self.utc(self.now)).abs();
            report.final_offset_from_client = (node.clock.reading() - self.clock.reading()).abs();
            report.steps = node.clock.steps().to_vec();
            report.stratum_at_end = node.stratum();
            self.report.peer = Some(report);
        }
        let wall = self.wall();
        self.report.synchronized_at_end =
            !self.exited && self.host.system().system_variables(wall).is_synchronized();
        self.report
    }
}
