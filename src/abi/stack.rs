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
//! - Code that is not ours runs on the caller's stack, below the boundary's frame, as it
//!   would without the library ([`on_caller_stack`]): the C library's own functions (those
//!   called through `DNSSHIM_DISABLE`, `res_init`, `gai_strerror`, `freeaddrinfo` of a list
//!   of theirs), and the glibc build's NSS modules.
//! - The switch keeps a frame pointer chain with call-frame information, so that debuggers,
//!   profilers and the unwinder walk from the library's stack back to the caller's.
//! - On x86_64 and aarch64 (the architectures the project builds); elsewhere the exports run
//!   on the caller's stack.

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Usable bytes of each stack: musl's default thread stack size (`DEFAULT_STACK_SIZE`,
/// 128 KiB), ten times the deepest use measured (tests/scarce.rs, docs/reliability.md), which
/// leaves room for signal handlers that run meanwhile. (The C library's own functions, called
/// through `DNSSHIM_DISABLE`, and the NSS modules run on the caller's stack:
/// [`on_caller_stack`].)
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
        // SAFETY: a fresh anonymous private mapping (no file, no fixed address), inaccessible,
        // reserves the guard page and the stack; the stack is then mapped writable over the
        // upper part of that reservation, which is ours alone (MAP_FIXED replaces only our own
        // pages). Each result is checked before use. (Two `mmap`s rather than `mmap` and
        // `mprotect`: one symbol fewer for the loader to look up in every process, and none
        // bound on first use here, on the caller's stack.)
        unsafe {
            let p = libc::mmap(
                ptr::null_mut(),
                GUARD + STACK_SIZE,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            );
            if p == libc::MAP_FAILED {
                return None;
            }
            let stack = libc::mmap(
                p.cast::<u8>().add(GUARD).cast(),
                STACK_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK | libc::MAP_FIXED,
                -1,
                0,
            );
            if stack == libc::MAP_FAILED {
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
    // SAFETY: `stack` is a mapping of STACK_SIZE writable bytes below `top`, used by nothing
    // else while we own it.
    let out = unsafe { call_at(stack.top(), f, true) };
    drop(stack);
    out
}

thread_local! {
    /// While an export runs on the library's stack: the caller's stack pointer at the switch
    /// (everything below it is free until the export returns); else 0.
    static CALLER_SP: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` on the caller's own stack, below the point where the export left it, when the
/// export runs on the library's stack; else where it is. For code that is not ours and
/// expects the stack the program gave its thread: the NSS modules (glibc calls them on the
/// caller's stack; systemd's modules use sd-bus, whose needs are not ours to bound). `f` must
/// not unwind.
pub fn on_caller_stack<T, F: FnOnce() -> T>(f: F) -> T {
    let sp = CALLER_SP.try_with(Cell::get).unwrap_or(0);
    if !SWITCHES || sp == 0 {
        return in_place(f);
    }
    // SAFETY: `sp` is the lowest byte the caller's stack uses while the export runs (the
    // switch's own saved frame pointer): below it the stack is the thread's own and unused,
    // the thread being busy in this export; 16-byte aligned down as the ABI wants.
    unsafe { call_at((sp & !15) as *mut u8, f, false) }
}

/// Calls `f` where the stack is. Never inlined: were `f`'s body inlined into its caller, the
/// caller's frame (which may be on the library's stack, in an export that calls
/// [`on_caller_stack`] from inside a switch) would reserve `f`'s locals too, whichever branch
/// runs: a closure with a large frame meant for the caller's stack overflowed the library's
/// (seen in a release build of `runs_on_a_stack_of_its_own_and_comes_back`).
#[inline(never)]
fn in_place<T, F: FnOnce() -> T>(f: F) -> T {
    f()
}

/// Calls `f` with the stack pointer at `top`; `to_library`: the switch leaves the caller's
/// stack for the library's (noted in [`CALLER_SP`] for [`on_caller_stack`]), else it goes
/// back to the caller's (nothing to go back to meanwhile).
///
/// # Safety
/// `top` is the 16-byte aligned top of writable stack memory, unused while `f` runs and large
/// enough for it.
unsafe fn call_at<T, F: FnOnce() -> T>(top: *mut u8, f: F, to_library: bool) -> T {
    let mut call: Call<F, T> = Call {
        f: Some(f),
        out: None,
        to_library,
    };
    // SAFETY: guaranteed by the caller for `top`; `trampoline::<F, T>` takes exactly a
    // `*mut Call<F, T>`, which `call` is, and outlives the switch (the switch returns only
    // after the trampoline has).
    unsafe {
        switch(
            &mut call as *mut Call<F, T> as *mut u8,
            trampoline::<F, T>,
            top,
        )
    };
    match call.out {
        Some(v) => v,
        // The trampoline always fills `out` (its closure does not unwind); never reached.
        None => std::process::abort(),
    }
}

/// This architecture has a switch (`dnsshim_stack_switch` below).
pub const SWITCHES: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

/// The closure and its result, on the stack the switch leaves, reached from the other one.
struct Call<F, T> {
    f: Option<F>,
    out: Option<T>,
    /// See [`call_at`].
    to_library: bool,
}

/// Runs the closure of the `Call<F, T>` that `data` points to, on the new stack; `left` is
/// the stack pointer of the stack the switch left.
extern "C" fn trampoline<F: FnOnce() -> T, T>(data: *mut u8, left: *mut u8) {
    // SAFETY: `call_at` passes a pointer to its live `Call<F, T>`, to which nothing else
    // refers during the switch.
    let call = unsafe { &mut *(data as *mut Call<F, T>) };
    let sp = if call.to_library { left as usize } else { 0 };
    let before = CALLER_SP.try_with(|c| c.replace(sp)).ok();
    if let Some(f) = call.f.take() {
        call.out = Some(f());
    }
    if let Some(b) = before {
        let _ = CALLER_SP.try_with(|c| c.set(b));
    }
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
extern "C" {
    /// `dnsshim_stack_switch(data, f, top)`: calls `f(data, left)` with the stack pointer at
    /// `top`, `left` the stack pointer of the stack it left (whose bytes below it are free
    /// meanwhile); returns on the original stack.
    fn dnsshim_stack_switch(data: *mut u8, f: extern "C" fn(*mut u8, *mut u8), top: *mut u8);
}

// rbp keeps the caller's stack pointer across the call, and is the frame's CFA register, so
// that unwinding and backtraces continue on the caller's stack; it is also `f`'s second
// argument. At entry rsp is 8 mod 16; after the push 0 mod 16, as `top` is: the callee sees
// the usual alignment after its `call`.
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
    "mov rax, rsi",
    "mov rsi, rbp",
    "mov rsp, rdx",
    "call rax",
    "mov rsp, rbp",
    ".cfi_def_cfa_register rsp",
    "pop rbp",
    ".cfi_def_cfa_offset 8",
    ".cfi_restore rbp",
    "ret",
    ".cfi_endproc",
    ".size dnsshim_stack_switch, .-dnsshim_stack_switch",
);

// x29 (the frame pointer, callee-saved) keeps the caller's stack pointer across the call, is
// the frame's CFA register and `f`'s second argument, as rbp is above; x30 (the return
// address) is saved beside it.
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
    "mov x9, x1",
    "mov x1, x29",
    "mov sp, x2",
    "blr x9",
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
unsafe fn switch(data: *mut u8, f: extern "C" fn(*mut u8, *mut u8), top: *mut u8) {
    // SAFETY: guaranteed by the caller.
    unsafe { dnsshim_stack_switch(data, f, top) }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
unsafe fn switch(data: *mut u8, f: extern "C" fn(*mut u8, *mut u8), _top: *mut u8) {
    f(data, std::ptr::null_mut())
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
        // Back on the caller's stack from inside, just below where it was left; from there
        // (or outside any switch) in place.
        let (inside, back, again) = run(|| {
            let inside = here();
            let (back, again) = on_caller_stack(|| (here(), on_caller_stack(here)));
            (inside, back, again)
        });
        let outside = here();
        assert!(on_caller_stack(here).abs_diff(outside) < 4096);
        if SWITCHES {
            assert!(inside.abs_diff(outside) > STACK_SIZE);
            assert!(
                back < outside && outside - back < 4096,
                "{back:x} {outside:x}"
            );
            assert!(again.abs_diff(back) < 4096, "{again:x} {back:x}");
            // Deep use there is the caller's, not the library stack's.
            let v = run(|| on_caller_stack(|| std::hint::black_box([3u8; 200 * 1024])[7]));
            assert_eq!(v, 3);
        }
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
