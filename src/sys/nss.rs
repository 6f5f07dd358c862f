//! NSS modules: `libnss_NAME.so.2` loaded with `dlopen` on first use, once per process, as
//! glibc loads them (`nss/nss_module.c`), and their hosts entry points found with `dlsym`.
//!
//! - The modules live in a list that only grows (glibc never frees its modules either); a
//!   module is found and added without any lock (compare-and-swap on the list's head), so a
//!   child forked while another thread was loading one never waits on a lock.
//! - One thread loads a module; another that asks meanwhile waits for it by yielding, a
//!   bounded number of times (a child forked during a load has no loading thread: it then
//!   loads the module itself; `dlopen` of a library already loaded is the same library).
//! - A module that cannot be loaded stays that way for the life of the process, as in glibc
//!   (the caller counts it as UNAVAIL).
//! - `dlopen` with `RTLD_NOW`, as glibc's `__libc_dlopen` (every symbol bound at load: no lazy binding on a module call); the names are glibc's:
//!   `libnss_NAME.so.2`, `_nss_NAME_FUNCTION`.

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};

/// The entry points we look up, by index: glibc's names for the hosts functions.
pub const FUNCTIONS: [&str; 5] = [
    "gethostbyname4_r",
    "gethostbyname3_r",
    "gethostbyname2_r",
    "gethostbyname_r",
    "gethostbyaddr_r",
];

/// The suffix glibc gives every module's file name (`__nss_shlib_revision`).
const SHLIB_REVISION: &str = ".so.2";

/// Times a thread yields while another loads the module it wants, before loading it itself.
const LOAD_WAIT_YIELDS: u32 = 10_000;

const UNLOADED: u8 = 0;
const LOADING: u8 = 1;
const LOADED: u8 = 2;
const FAILED: u8 = 3;

/// One module, for the life of the process.
pub struct Module {
    name: Box<[u8]>,
    state: AtomicU8,
    functions: [AtomicPtr<c_void>; FUNCTIONS.len()],
    next: *const Module,
}

// SAFETY: `next` is written before the module is published and never again; everything else
// is atomic or immutable.
unsafe impl Sync for Module {}

/// The list's head: the last module added.
static MODULES: AtomicPtr<Module> = AtomicPtr::new(ptr::null_mut());

/// The module named `name`, added to the list on first use (not loaded yet).
pub fn module(name: &[u8]) -> &'static Module {
    let mut head = MODULES.load(Ordering::Acquire);
    let mut new: Option<Box<Module>> = None;
    loop {
        let mut p: *const Module = head;
        while !p.is_null() {
            // SAFETY: every pointer on the list is a leaked `Box<Module>`, never freed.
            let m = unsafe { &*p };
            if *m.name == *name {
                return m;
            }
            p = m.next;
        }
        let mut m = new.take().unwrap_or_else(|| {
            Box::new(Module {
                name: name.into(),
                state: AtomicU8::new(UNLOADED),
                functions: [const { AtomicPtr::new(ptr::null_mut()) }; FUNCTIONS.len()],
                next: ptr::null(),
            })
        });
        m.next = head;
        let raw = Box::into_raw(m);
        match MODULES.compare_exchange(head, raw, Ordering::AcqRel, Ordering::Acquire) {
            // SAFETY: `raw` was just leaked from a Box and is now on the list for good.
            Ok(_) => return unsafe { &*raw },
            Err(now) => {
                // Another thread added a module first: look again (it may be this one).
                // SAFETY: `raw` was not published; take the Box back.
                new = Some(unsafe { Box::from_raw(raw) });
                head = now;
            }
        }
    }
}

impl Module {
    /// The entry point `FUNCTIONS[index]`, loading the module on first use; `None` when the
    /// module cannot be loaded or has no such function.
    pub fn function(&self, index: usize) -> Option<*mut c_void> {
        if !self.load() {
            return None;
        }
        let f = self.functions.get(index)?.load(Ordering::Acquire);
        (!f.is_null()).then_some(f)
    }

    /// Whether the module is loaded (loading it now if nobody tried yet).
    fn load(&self) -> bool {
        let mut waited = 0;
        loop {
            match self.state.load(Ordering::Acquire) {
                LOADED => return true,
                FAILED => return false,
                UNLOADED => {
                    if self
                        .state
                        .compare_exchange(UNLOADED, LOADING, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                    {
                        return self.open();
                    }
                }
                _ if waited < LOAD_WAIT_YIELDS => {
                    waited += 1;
                    super::yield_now();
                }
                _ => return self.open(),
            }
        }
    }

    /// `dlopen` and `dlsym` for every entry point, then the state published.
    fn open(&self) -> bool {
        let mut file = Vec::with_capacity(self.name.len() + 16);
        file.extend_from_slice(b"libnss_");
        file.extend_from_slice(&self.name);
        file.extend_from_slice(SHLIB_REVISION.as_bytes());
        file.push(0);
        // SAFETY: `file` is NUL-terminated (the name has no NUL: nsswitch.conf lines are read
        // as C strings); dlopen runs the library's constructors, as glibc's loading does.
        let handle = unsafe { libc::dlopen(file.as_ptr().cast(), libc::RTLD_NOW) };
        if handle.is_null() {
            // Loaded meanwhile by a thread that gave up waiting on us: keep that.
            let _ =
                self.state
                    .compare_exchange(LOADING, FAILED, Ordering::AcqRel, Ordering::Acquire);
            return self.state.load(Ordering::Acquire) == LOADED;
        }
        for (slot, f) in self.functions.iter().zip(FUNCTIONS) {
            let mut sym = Vec::with_capacity(self.name.len() + f.len() + 8);
            sym.extend_from_slice(b"_nss_");
            sym.extend_from_slice(&self.name);
            sym.push(b'_');
            sym.extend_from_slice(f.as_bytes());
            sym.push(0);
            // SAFETY: a live handle from dlopen and a NUL-terminated name; the result is only
            // stored (every thread that loads the library stores the same addresses).
            let p = unsafe { libc::dlsym(handle, sym.as_ptr().cast()) };
            slot.store(p, Ordering::Release);
        }
        self.state.store(LOADED, Ordering::Release);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_module_per_name_and_a_missing_library_stays_missing() {
        let a = module(b"dnsshim-no-such-module");
        let b = module(b"dnsshim-no-such-module");
        assert!(std::ptr::eq(a, b));
        assert_eq!(&*a.name, b"dnsshim-no-such-module");
        assert!(a.function(0).is_none());
        assert_eq!(a.state.load(Ordering::Relaxed), FAILED);
        assert!(a.function(2).is_none());
        assert!(!std::ptr::eq(a, module(b"dnsshim-no-such-other")));
    }

    #[test]
    fn threads_adding_modules_at_once_agree() {
        let names: Vec<String> = (0..16).map(|i| format!("dnsshim-race-{i}")).collect();
        let seen: Vec<Vec<usize>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        names
                            .iter()
                            .map(|n| module(n.as_bytes()) as *const Module as usize)
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for s in &seen[1..] {
            assert_eq!(s, &seen[0]);
        }
    }
}
