//! The stack every export runs on: one of the library's own, not the caller's.
//!
//! A program may call the resolver from a thread with a small stack (event loops, coroutine
//! runtimes, embedded daemons: musl's own resolver completes on a 4 KiB thread). The library's
//! Rust code does not fit there: its frames are what the compiler makes of it after inlining
//! (the deepest export needed 12.7 KiB in the musl build and 13.5 KiB in the glibc build), the
//! unwinder that carries a caught panic to the boundary needs more than 1 KiB of its own, and
//! any change of the code or the compiler moves these figures. So each export switches, at the
//! boundary, to a stack of [`STACK_SIZE`] bytes taken from a small pool (a lock-free one, as
//! the receive buffers' in `sys`), and back when it returns: what the caller's stack sees is
//! the boundary's own frame and the switch (docs/reliability.md has the figures, per export and
//! build; tests/scarce.rs measures them).
//!
//! - The stacks are `mmap`ed with a guard page below them: an overflow faults, as it would on
//!   a thread's own stack, instead of writing over other memory.
//! - When no stack can be had (`mmap` fails), the export runs on the caller's stack, as before.
//! - An export called from inside another (the libc's own function called through
//!   `DNSSHIM_DISABLE` never comes back to us, but `gethostbyname` runs `gethostbyname2`'s
//!   body) stays on the stack it is on (`abi::boundary` switches for the outermost only).
//! - The switch keeps a frame pointer chain with call-frame information, so that debuggers,
//!   profilers and the unwinder walk from the library's stack back to the caller's.
//! - On x86_64 and aarch64 (the architectures the project builds); elsewhere the exports run
//!   on the caller's stack.

use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Usable bytes of each stack: musl's default thread stack size (`DEFAULT_STACK_SIZE`,
/// 128 KiB), ten times the deepest use measured (tests/scarce.rs, docs/reliability.md), which
/// leaves room for the C library's functions called through `DNSSHIM_DISABLE` (glibc's own
/// `getaddrinfo` of a large answer used 54 KiB) and for signal handlers that run meanwhile.
pub const STACK_SIZE: usize = 128 * 1024;

/// The inaccessible page below each stack.
const GUARD: usize = 4096;

/// Stacks kept for the next call, at most this many (more threads than this in an export at
/// the same instant map a stack of their own and unmap it afterwards).
const POOL_SLOTS: usize = 4;

/// The pool: each slot is empty (null) or holds the lowest address of one mapping of
/// `GUARD + STACK_SIZE` bytes.
static POOL: [AtomicPtr<u8>; POOL_SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; POOL_SLOTS];

/// One stack, owned: back to the pool (or unmapped) on drop.
struct Stack(*mut u8);

impl Stack {
    /// A stack from the pool, or a new mapping; `None` when none can be mapped.
    fn take() -> Option<Stack> {
        for slot in &POOL {
            let p = slot.swap(ptr::null_mut(), Ordering::Acquire);
            if !p.is_null() {
                return Some(Stack(p));
            }
        }
        // SAFETY: a fresh anonymous private mapping (no file, no fixed address); the result is
        // checked before use. The guard page is then made inaccessible inside that mapping.
        unsafe {
            let p = libc::mmap(
                ptr::null_mut(),
                GUARD + STACK_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            );
            if p == libc::MAP_FAILED {
                return None;
            }
            if crate::sys::late::mprotect(p, GUARD, libc::PROT_NONE) != 0 {
                libc::munmap(p, GUARD + STACK_SIZE);
                return None;
            }
            Some(Stack(p.cast()))
        }
    }

    /// The highest address of the stack (16-byte aligned: the mapping is page-aligned).
    fn top(&self) -> *mut u8 {
        self.0.wrapping_add(GUARD + STACK_SIZE)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for slot in &POOL {
            if slot
                .compare_exchange(
                    ptr::null_mut(),
                    self.0,
                    Ordering::Release,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                return;
            }
        }
        // SAFETY: self.0 is the start of a mapping of GUARD + STACK_SIZE bytes made by `take`,
        // owned by this value alone and no longer in use (the call on it has returned).
        unsafe { libc::munmap(self.0.cast(), GUARD + STACK_SIZE) };
    }
}

/// Runs `f` on one of the library's stacks (see the module comment). `f` must not unwind:
/// the boundary catches every panic inside it.
pub fn run<T, F: FnOnce() -> T>(f: F) -> T {
    if !SWITCHES {
        return f();
    }
    let Some(stack) = Stack::take() else {
        return f();
    };
    let mut call: Call<F, T> = Call {
        f: Some(f),
        out: None,
    };
    // SAFETY: `stack` is a mapping of STACK_SIZE writable bytes below `top`, used by nothing
    // else while we own it; `trampoline::<F, T>` takes exactly a `*mut Call<F, T>`, which
    // `call` is, and outlives the switch (the switch returns only after the trampoline has).
    unsafe {
        switch(
            &mut call as *mut Call<F, T> as *mut u8,
            trampoline::<F, T>,
            stack.top(),
        )
    };
    drop(stack);
    match call.out {
        Some(v) => v,
        // The trampoline always fills `out` (its closure does not unwind); never reached.
        None => std::process::abort(),
    }
}

/// This architecture has a switch (`dnsshim_stack_switch` below).
pub const SWITCHES: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

/// The closure and its result, on the caller's stack, reached from the other one.
struct Call<F, T> {
    f: Option<F>,
    out: Option<T>,
}

/// Runs the closure of the `Call<F, T>` that `data` points to, on the new stack.
extern "C" fn trampoline<F: FnOnce() -> T, T>(data: *mut u8) {
    // SAFETY: `run` passes a pointer to its live `Call<F, T>`, to which nothing else refers
    // during the switch.
    let call = unsafe { &mut *(data as *mut Call<F, T>) };
    if let Some(f) = call.f.take() {
        call.out = Some(f());
    }
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
extern "C" {
    /// `dnsshim_stack_switch(data, f, top)`: calls `f(data)` with the stack pointer at `top`,
    /// returns on the original stack.
    fn dnsshim_stack_switch(data: *mut u8, f: extern "C" fn(*mut u8), top: *mut u8);
}

// rbp keeps the caller's stack pointer across the call, and is the frame's CFA register, so
// that unwinding and backtraces continue on the caller's stack. At entry rsp is 8 mod 16; after
// the push 0 mod 16, as `top` is: the callee sees the usual alignment after its `call`.
#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl dnsshim_stack_switch",
    ".hidden dnsshim_stack_switch",
    ".type dnsshim_stack_switch,@function",
    "dnsshim_stack_switch:",
    ".cfi_startproc",
    "push rbp",
    ".cfi_def_cfa_offset 16",
    ".cfi_offset rbp, -16",
    "mov rbp, rsp",
    ".cfi_def_cfa_register rbp",
    "mov rsp, rdx",
    "call rsi",
    "mov rsp, rbp",
    ".cfi_def_cfa_register rsp",
    "pop rbp",
    ".cfi_def_cfa_offset 8",
    ".cfi_restore rbp",
    "ret",
    ".cfi_endproc",
    ".size dnsshim_stack_switch, .-dnsshim_stack_switch",
);

// x29 (the frame pointer, callee-saved) keeps the caller's stack pointer across the call and
// is the frame's CFA register, as rbp is above; x30 (the return address) is saved beside it.
// `top` is 16-byte aligned, as AArch64 requires of sp at every access.
#[cfg(target_arch = "aarch64")]
std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl dnsshim_stack_switch",
    ".hidden dnsshim_stack_switch",
    ".type dnsshim_stack_switch,%function",
    "dnsshim_stack_switch:",
    ".cfi_startproc",
    "stp x29, x30, [sp, #-16]!",
    ".cfi_def_cfa_offset 16",
    ".cfi_offset x29, -16",
    ".cfi_offset x30, -8",
    "mov x29, sp",
    ".cfi_def_cfa_register x29",
    "mov sp, x2",
    "blr x1",
    "mov sp, x29",
    ".cfi_def_cfa_register sp",
    "ldp x29, x30, [sp], #16",
    ".cfi_def_cfa_offset 0",
    ".cfi_restore x29",
    ".cfi_restore x30",
    "ret",
    ".cfi_endproc",
    ".size dnsshim_stack_switch, .-dnsshim_stack_switch",
);

/// # Safety
/// As for `dnsshim_stack_switch`: `top` is the top of a writable stack large enough for `f`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
unsafe fn switch(data: *mut u8, f: extern "C" fn(*mut u8), top: *mut u8) {
    // SAFETY: guaranteed by the caller.
    unsafe { dnsshim_stack_switch(data, f, top) }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
unsafe fn switch(data: *mut u8, f: extern "C" fn(*mut u8), _top: *mut u8) {
    f(data)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The address of a local of the caller.
    #[inline(never)]
    pub(crate) fn here() -> usize {
        let x = 0u8;
        std::hint::black_box(&x) as *const u8 as usize
    }

    #[test]
    fn runs_on_a_stack_of_its_own_and_comes_back() {
        let outside = here();
        let inside = run(here);
        if SWITCHES {
            // Far from the caller's stack.
            assert!(
                inside.abs_diff(outside) > STACK_SIZE,
                "{inside:x} {outside:x}"
            );
        }
        // Values of any size come back; deep use of the stack is fine.
        let v = run(|| {
            let big = [7u8; 64 * 1024];
            std::hint::black_box(&big)
                .iter()
                .map(|&b| u64::from(b))
                .sum::<u64>()
        });
        assert_eq!(v, 7 * 64 * 1024);
        // A panic caught inside, as the boundary does.
        let r = run(|| std::panic::catch_unwind(|| panic!("inside")).is_err());
        assert!(r);
        // Threads at once: each gets its own.
        let handles: Vec<_> = (0..8)
            .map(|_| std::thread::spawn(|| (here(), run(here))))
            .collect();
        for h in handles {
            let (outside, inside) = h.join().unwrap();
            if SWITCHES {
                assert!(inside.abs_diff(outside) > STACK_SIZE);
            }
        }
    }
}
