//! The event loop: virtual true time jumps from one event to the next (client ticks, polls,
//! packet arrivals), quinn-proto style. Nothing sleeps; a simulated day takes milliseconds.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use ntpkit_clock::leap::LeapMode;
use ntpkit_clock::{
    Candidate, ClockAdjust, ClockFilter, FilterSample, FilterVerdict, Rejection, ServerInfo,
    SourceId, SystemProcess,
};
use ntpkit_wire::{LeapIndicator, NtpDuration, NtpTimestamp, ReferenceId, UNIX_EPOCH_OFFSET};

use crate::clock::SimClock;
use crate::network::ServerKind;
use crate::rng::SimRng;
use crate::scenario::{Report, Scenario, ServerTally};

/// Precision of every simulated clock (log2 s): about 1 us.
const PRECISION: i8 = -20;
/// Server hold time between receive and transmit, seconds.
const HOLD: f64 = 20e-6;
/// Packets in an iburst, and their spacing (RFC 5905 BCOUNT, BTIME).
const BURST: u8 = 8;
const BURST_SPACING: f64 = 2.0;

#[derive(Debug, Clone, Copy)]
enum EventKind {
    Tick,
    Poll(usize),
    Reply {
        server: usize,
        request: u64,
        t2: NtpTimestamp,
        t3: NtpTimestamp,
        leap: LeapIndicator,
    },
}

#[derive(Debug, Clone, Copy)]
struct Event {
    at: f64,
    seq: u64,
    kind: EventKind,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    // Reversed: BinaryHeap is a max-heap and we want the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.at.total_cmp(&self.at).then(other.seq.cmp(&self.seq))
    }
}

/// The client's view of one server (what ntpkit-assoc will own).
#[derive(Debug, Clone)]
struct Association {
    filter: ClockFilter,
    reach: u8,
    burst: u8,
    pending: Option<(u64, NtpTimestamp)>,
    server: Option<ServerInfo>,
}

/// A running simulation of one scenario.
#[derive(Debug)]
pub struct Simulation {
    scenario: Scenario,
    rng: SimRng,
    clock: SimClock,
    system: SystemProcess,
    associations: Vec<Association>,
    queue: BinaryHeap<Event>,
    seq: u64,
    next_request: u64,
    now: f64,
    report: Report,
    sum_sq: f64,
    samples: u64,
    last_bad: Option<f64>,
    next_trace: f64,
    debug: bool,
}

impl Simulation {
    /// Sets a scenario up at true time zero.
    pub fn new(scenario: Scenario) -> Result<Self, ntpkit_clock::ClockError> {
        let epoch = NtpTimestamp::from_unix(scenario.start_ntp as i64 - UNIX_EPOCH_OFFSET, 0);
        let clock = SimClock::new(epoch, scenario.clock);
        let mut system =
            SystemProcess::new(scenario.options, PRECISION, scenario.restored_frequency)?;
        *system.leap_mut() = ntpkit_clock::leap::LeapControl::new(LeapMode::Step);
        if let Some(table) = scenario.leap_file.clone() {
            system.leap_mut().set_table(table);
        }
        system.set_local_refid(ReferenceId([192, 0, 2, 1]));
        let associations = scenario
            .servers
            .iter()
            .map(|_| Association {
                filter: ClockFilter::new(PRECISION),
                reach: 0,
                burst: if scenario.iburst { BURST } else { 0 },
                pending: None,
                server: None,
            })
            .collect();
        let mut sim = Self {
            rng: SimRng::new(scenario.seed),
            report: Report {
                servers: vec![ServerTally::default(); scenario.servers.len()],
                ..Report::default()
            },
            scenario,
            clock,
            system,
            associations,
            queue: BinaryHeap::new(),
            seq: 0,
            next_request: 1,
            now: 0.0,
            sum_sq: 0.0,
            samples: 0,
            last_bad: None,
            next_trace: 0.0,
            debug: false,
        };
        sim.schedule(0.5, EventKind::Tick);
        for i in 0..sim.associations.len() {
            let start = 1.0 + sim.rng.uniform();
            sim.schedule(start, EventKind::Poll(i));
        }
        Ok(sim)
    }

    /// Prints every discipline update to stderr (a debugging aid).
    pub fn set_debug(&mut self, on: bool) {
        self.debug = on;
    }

    /// Runs to the end of the scenario and returns its figures.
    pub fn run(mut self) -> Report {
        while let Some(event) = self.queue.pop() {
            if event.at > self.scenario.duration {
                break;
            }
            self.now = event.at;
            self.clock.advance(event.at, &mut self.rng);
            self.report.events += 1;
            match event.kind {
                EventKind::Tick => self.tick(),
                EventKind::Poll(i) => self.poll(i),
                EventKind::Reply {
                    server,
                    request,
                    t2,
                    t3,
                    leap,
                } => self.reply(server, request, t2, t3, leap),
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

    fn tick(&mut self) {
        if !self.report.panicked {
            let tick = self
                .system
                .tick(self.clock.to_timestamp(self.clock.reading()));
            let _ = tick.frequency.apply(&mut self.clock);
            if let Some(leap) = tick.leap {
                let _ = leap.apply(&mut self.clock);
            }
        }
        self.measure();
        // Next tick one local second from now. The discipline slews one second's share of
        // the residual phase per tick (RFC 5905 A.5.6.1), so each tick must last one second
        // of the clock being adjusted. (Aiming at the next whole second of the reading made
        // rounding give ticks 1 ms apart now and then: each took a full second's share out
        // of the residual while the clock ran at that rate for a millisecond, so the loop
        // believed in phase corrections that never happened.)
        let until = 1.0 / (1.0 + self.clock.rate_error());
        self.schedule(self.now + until, EventKind::Tick);
    }

    fn measure(&mut self) {
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

    fn poll(&mut self, i: usize) {
        let now_ts = self.clock.to_timestamp(self.clock.reading());
        let assoc = &mut self.associations[i];
        assoc.reach <<= 1;
        if assoc.reach & 0x7 == 0 && assoc.server.is_some() {
            // Silent for three polls: stuff the filter so the dispersion grows.
            assoc.filter.add_empty(now_ts);
        }
        let interval = if assoc.burst > 0 {
            assoc.burst -= 1;
            BURST_SPACING
        } else {
            let poll = self.system.poll();
            2f64.powi(i32::from(poll)) * (1.0 + 0.05 * self.rng.uniform())
        };
        let request = self.next_request;
        self.next_request += 1;
        // The transmit timestamp carries random low bits, as the real client's would.
        let t1 = NtpTimestamp::from_bits(now_ts.to_bits() ^ (self.rng.next_u64() & 0xFF));
        self.associations[i].pending = Some((request, t1));
        self.schedule(self.now + interval, EventKind::Poll(i));

        let spec = &self.scenario.servers[i];
        let false_offset = match spec.kind {
            ServerKind::Dead => return,
            ServerKind::False(o) => o,
            _ => 0.0,
        };
        let (noise, announces, bogus) =
            (spec.noise, spec.announces_leap, spec.announces_bogus_leap);
        let path = spec.path.clone();
        let Some(forward) = path.transit(self.now, false, &mut self.rng) else {
            return;
        };
        let arrival = self.now + forward;
        let server_time = self.utc(arrival) + false_offset + noise * self.rng.normal();
        let t2 = self.clock.to_timestamp(server_time);
        let t3 = t2 + NtpDuration::from_seconds_f64(HOLD);
        let leap_day = self
            .scenario
            .leap_insert_at
            .is_some_and(|at| arrival < at && arrival >= at - 86_400.0);
        let leap = if bogus || (announces && leap_day) {
            LeapIndicator::InsertSecond
        } else {
            LeapIndicator::NoWarning
        };
        let Some(backward) = path.transit(arrival + HOLD, true, &mut self.rng) else {
            return;
        };
        self.schedule(
            arrival + HOLD + backward,
            EventKind::Reply {
                server: i,
                request,
                t2,
                t3,
                leap,
            },
        );
    }

    fn reply(
        &mut self,
        i: usize,
        request: u64,
        t2: NtpTimestamp,
        t3: NtpTimestamp,
        leap: LeapIndicator,
    ) {
        let assoc = &mut self.associations[i];
        // Origin check: only the reply to the outstanding request counts.
        let Some((expected, t1)) = assoc.pending.filter(|(id, _)| *id == request) else {
            return;
        };
        let _ = expected;
        assoc.pending = None;
        let t4 = self.clock.to_timestamp(self.clock.reading());
        assoc.reach |= 1;
        assoc.server = Some(ServerInfo {
            leap,
            stratum: 1,
            root_delay: 0.0,
            root_dispersion: 2f64.powi(-20),
            reference_id: ReferenceId(*b"GPS\0"),
            reference_time: t2,
        });
        self.report.servers[i].replies += 1;
        let mut sample = FilterSample::from_exchange(t1, t2, t3, t4, PRECISION, PRECISION);
        sample.phase = self.system.slewed_phase();
        let synced = self.system.is_synchronized();
        assoc.filter.set_newest_first(self.system.is_settling());
        let verdict = assoc.filter.add(sample, t4, self.system.poll(), synced);
        // RFC 5905 A.5.2: selection runs when a burst is over, so every association's
        // burst has filled its filter before the first choice is made.
        if !matches!(verdict, FilterVerdict::Updated(_)) || self.report.panicked || assoc.burst > 0
        {
            return;
        }
        self.select(t4);
    }

    fn candidates(&self) -> Vec<Candidate> {
        self.associations
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                Some(Candidate {
                    id: SourceId(i as u64),
                    stats: a.filter.statistics()?,
                    server: a.server?,
                    source_refid: ReferenceId([10, 0, 0, i as u8]),
                    reachable: a.reach != 0,
                    noselect: false,
                    prefer: false,
                })
            })
            .collect()
    }

    fn select(&mut self, now: NtpTimestamp) {
        let candidates = self.candidates();
        let update = self.system.update(now, &candidates);
        for (id, why) in &update.selection.rejected {
            if *why == Rejection::Falseticker {
                self.report.servers[id.0 as usize].falseticker += 1;
            }
        }
        for id in &update.selection.survivors {
            self.report.servers[id.0 as usize].survivor += 1;
        }
        if let Some(peer) = update.selection.system_peer {
            self.report.servers[peer.0 as usize].system_peer += 1;
        }
        if let Some(outcome) = update.outcome {
            if self.debug {
                let d = self.system.discipline();
                eprintln!(
                    "{:8.0} true {:9.1}us meas {:9.1}us poll {} freq {:8.3}ppm jit {:7.1}us {:?}",
                    self.now,
                    self.offset_now() * 1e6,
                    update.selection.offset * 1e6,
                    d.poll(),
                    d.frequency() * 1e6,
                    d.jitter() * 1e6,
                    outcome
                );
            }
            self.report.count(outcome);
        }
        if let Some(adjust @ ClockAdjust::Step { .. }) = update.adjust {
            let _ = adjust.apply(&mut self.clock);
            for assoc in &mut self.associations {
                assoc.filter.reset();
                assoc.pending = None;
                if self.scenario.iburst {
                    assoc.burst = BURST;
                }
            }
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
            self.clock.oscillator_error() + self.system.discipline().frequency();
        self.report.time_to_1ms = match self.last_bad {
            None => Some(0.0),
            Some(t) if self.report.final_offset < 1e-3 => Some(t),
            Some(_) => None,
        };
        self.report.steps = self.clock.steps().to_vec();
        let now = self.clock.to_timestamp(self.clock.reading());
        self.report.synchronized_at_end = self.system.system_variables(now).is_synchronized();
        self.report
    }
}
