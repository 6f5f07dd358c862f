//! The clock of one exchange: `attempts` periods of `timeout`, one overall deadline.

use std::time::{Duration, Instant};

/// Longest overall wait accepted (a policy asking for more is cut to this; glibc caps
/// `timeout` at 30 s and `attempts` at 5, so this is never reached from resolv.conf).
const MAX_TOTAL: Duration = Duration::from_secs(24 * 60 * 60);

/// Send times and deadline, on `CLOCK_MONOTONIC` (`Instant`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Schedule {
    start: Instant,
    period: Duration,
    attempts: u32,
    deadline: Instant,
    /// Transmissions made so far (the first one at `start`).
    sent: u32,
    /// When the next retransmission is due, if any is left (kept: the loop asks at each turn).
    next: Option<Instant>,
}

impl Schedule {
    pub(super) fn new(start: Instant, period: Duration, attempts: u32) -> Schedule {
        let attempts = attempts.max(1);
        let period = period.min(MAX_TOTAL);
        let total = period
            .checked_mul(attempts)
            .unwrap_or(MAX_TOTAL)
            .min(MAX_TOTAL);
        let mut schedule = Schedule {
            start,
            period,
            attempts,
            deadline: start.checked_add(total).unwrap_or(start),
            sent: 1,
            next: None,
        };
        schedule.next = schedule.next_send();
        schedule
    }

    pub(super) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// When the next retransmission is due, if any is left (computed from `sent`).
    fn next_send(&self) -> Option<Instant> {
        if self.sent >= self.attempts {
            return None;
        }
        self.start.checked_add(self.period.checked_mul(self.sent)?)
    }

    /// Whether a retransmission is due at `now`; counts it as done.
    pub(super) fn retransmit_due(&mut self, now: Instant) -> bool {
        match self.next {
            Some(t) if now >= t => {
                // Several periods may have passed (a stopped process): send once, skip the rest.
                while self.next.is_some_and(|t| now >= t) {
                    self.sent += 1;
                    self.next = self.next_send();
                }
                true
            }
            _ => false,
        }
    }

    /// Milliseconds `poll` may wait at `now`: up to the next retransmission or the deadline,
    /// rounded up so that we do not wake up just before it.
    pub(super) fn poll_timeout(&self, now: Instant) -> i32 {
        let until = self.next.map_or(self.deadline, |t| t.min(self.deadline));
        let wait = until.saturating_duration_since(now);
        // Whole seconds are whole milliseconds: only the nanoseconds are rounded up (no
        // 128-bit division).
        let ms = wait
            .as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(wait.subsec_nanos().div_ceil(1_000_000)));
        ms.min(i32::MAX as u64) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut sch = Schedule::new(t0, s, 3);
        assert_eq!(sch.deadline(), t0 + 3 * s);
        assert_eq!(sch.poll_timeout(t0), 1000);
        assert!(!sch.retransmit_due(t0 + Duration::from_millis(999)));
        assert!(sch.retransmit_due(t0 + s));
        assert!(!sch.retransmit_due(t0 + s));
        assert_eq!(sch.poll_timeout(t0 + s + Duration::from_micros(1)), 1000);
        assert!(sch.retransmit_due(t0 + 2 * s));
        assert!(!sch.retransmit_due(t0 + 10 * s));
        assert_eq!(sch.poll_timeout(t0 + 2 * s), 1000);
        assert_eq!(sch.poll_timeout(t0 + 4 * s), 0);
    }

    #[test]
    fn one_attempt_and_skipped_periods() {
        let t0 = Instant::now();
        let s = Duration::from_secs(2);
        let mut one = Schedule::new(t0, s, 0);
        assert_eq!(one.deadline(), t0 + s);
        assert!(!one.retransmit_due(t0 + s));
        let mut five = Schedule::new(t0, s, 5);
        assert!(five.retransmit_due(t0 + 3 * s + Duration::from_millis(1)));
        assert!(!five.retransmit_due(t0 + 3 * s + Duration::from_millis(2)));
        assert!(five.retransmit_due(t0 + 4 * s));
        assert!(!five.retransmit_due(t0 + 9 * s));
    }

    #[test]
    fn poll_timeout_rounds_up_to_the_millisecond() {
        let t0 = Instant::now();
        let sch = Schedule::new(t0, Duration::from_millis(2500), 2);
        // 2.499999999 s to the retransmission: 2500 ms, not 2499.
        assert_eq!(sch.poll_timeout(t0 + Duration::from_nanos(1)), 2500);
        assert_eq!(sch.poll_timeout(t0 + Duration::from_millis(1)), 2499);
        assert_eq!(sch.poll_timeout(t0 + Duration::from_micros(1500)), 2499);
        assert_eq!(sch.poll_timeout(t0 + Duration::from_micros(2_499_001)), 1);
        assert_eq!(sch.poll_timeout(t0 + Duration::from_millis(2500)), 0);
    }

    #[test]
    fn huge_values_do_not_overflow() {
        let t0 = Instant::now();
        let sch = Schedule::new(t0, Duration::MAX, u32::MAX);
        assert_eq!(sch.deadline(), t0 + MAX_TOTAL);
        assert!(sch.poll_timeout(t0) > 0);
    }
}
