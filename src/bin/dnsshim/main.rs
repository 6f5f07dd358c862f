//! `dnsshim`: the command for the person debugging a pod.
//!
//! - `dnsshim resolve NAME [--type T]`: resolve through the library (not through the C
//!   library) with the trace on, then print the records.
//! - `dnsshim check [--json] FILE…`: will the shim take effect in these programs, and if not,
//!   why not.
//! - `dnsshim config`: the configuration as the library sees it.
//! - `dnsshim install [--force] DIR`: both builds of the library (carried inside this command)
//!   in the one-value `$LIB` layout.
//! - `dnsshim run [--] CMD ARGS…`: CMD with the build that fits its loader preloaded.
//!
//! Built from the same crate as the library; `make cli` links it statically for musl so that
//! the one file can be copied into any container. Arguments are parsed by hand (no
//! dependencies beyond the library's own).

mod check;
mod config;
mod elf;
mod embedded;
mod install;
mod json;
mod resolve;
mod run;

use std::process::ExitCode;

/// Exit statuses, as `getent`: 0 success, 1 error (and usage), 2 not found / will not work.
pub const EXIT_OK: u8 = 0;
pub const EXIT_ERROR: u8 = 1;
pub const EXIT_NOT_FOUND: u8 = 2;

const USAGE: &str = "\
usage: dnsshim COMMAND [ARGS]

Diagnose name resolution with the dnsshim library (the drop-in resolver that retries over TCP
when a UDP answer is truncated).

commands:
  resolve NAME [--type T]   resolve NAME through the library, showing every DNS exchange
  check [--json] FILE...    say whether the shim will take effect in these programs, and why not
  config                    show the resolver configuration as the library sees it
  install [--force] DIR     write both builds of the library this command carries into DIR,
                            for the one value LD_PRELOAD='DIR/$LIB/libdnsshim.so.0'
  run [--] CMD [ARGS...]    run CMD with the build that fits its C library preloaded
  help [COMMAND]            this text, or a command's

`dnsshim COMMAND --help` describes each command.
";

/// Prints a one-line error on stderr.
pub fn error(msg: impl std::fmt::Display) {
    eprintln!("dnsshim: {msg}");
}

/// A usage error: one line, and where to read more.
pub fn usage_error(cmd: &str, msg: impl std::fmt::Display) -> ExitCode {
    error(format_args!("{cmd}: {msg} (see `dnsshim {cmd} --help`)"));
    ExitCode::from(EXIT_ERROR)
}

/// Whether `args` asks for help (`-h`, `--help`) before any `--`.
pub fn wants_help(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "-h" || a == "--help")
}

/// Splits `--opt=value` into (`--opt`, `Some(value)`).
pub fn split_opt(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((k, v)) if k.starts_with("--") => (k, Some(v)),
        _ => (arg, None),
    }
}

/// `--compat musl|glibc`: which C library's rules to follow, as `DNSSHIM_COMPAT` says to the
/// musl build of the library (this program is a musl build). Sets the variable for the rest of
/// the process; called before any lookup, while the process has one thread.
pub fn set_compat(cmd: &str, value: Option<&str>) -> Result<(), ExitCode> {
    match value {
        Some("glibc") => std::env::set_var("DNSSHIM_COMPAT", "glibc"),
        Some("musl") => std::env::remove_var("DNSSHIM_COMPAT"),
        Some(v) => {
            return Err(usage_error(
                cmd,
                format_args!("--compat {v:?}: want musl or glibc"),
            ))
        }
        None => return Err(usage_error(cmd, "--compat needs a value: musl or glibc")),
    }
    Ok(())
}

fn main() -> ExitCode {
    let raw: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if raw.first().is_some_and(|c| c == "run") {
        return run::main(&raw[1..]);
    }
    let args: Vec<String> = raw
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let Some((cmd, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(EXIT_ERROR);
    };
    match cmd.as_str() {
        "resolve" => resolve::main(rest),
        "check" => check::main(rest),
        "config" => config::main(rest),
        "install" => install::main(rest),
        "help" | "-h" | "--help" => match rest.first().map(String::as_str) {
            None => {
                print!("{USAGE}");
                ExitCode::from(EXIT_OK)
            }
            Some("resolve") => resolve::main(&["--help".to_string()]),
            Some("check") => check::main(&["--help".to_string()]),
            Some("config") => config::main(&["--help".to_string()]),
            Some("install") => install::main(&["--help".to_string()]),
            Some("run") => run::main(&["--help".into()]),
            Some(other) => {
                error(format_args!("help: unknown command {other:?}"));
                ExitCode::from(EXIT_ERROR)
            }
        },
        "-V" | "--version" => {
            print!("{}", embedded::describe());
            ExitCode::from(EXIT_OK)
        }
        other => {
            error(format_args!(
                "unknown command {other:?}: want resolve, check, config, install or run (see `dnsshim --help`)"
            ));
            ExitCode::from(EXIT_ERROR)
        }
    }
}
