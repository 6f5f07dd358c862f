//! Packagers: packaging/alpine/APKBUILD sources in `sh`, follows the aports
//! conventions the project relies on (`cargo fetch --locked` in prepare, `cargo auditable build
//! --frozen`, unit tests in check, a -dev subpackage), and its package() installs the files a
//! cargo build produces: the test runs it on a tree holding exactly those files (names from
//! `cargo metadata`) and checks what lands in $pkgdir.

mod common;
mod nsrun;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{root, shim_library, temp_dir, Libc};
use nsrun::{dynamic, host, host_env};

/// Runs `script` in `sh` with the APKBUILD sourced (from `dir`); its stdout.
fn sh(dir: &Path, script: &str) -> String {
    let apkbuild = root().join("packaging/alpine/APKBUILD");
    let out = Command::new("sh")
        .arg("-euc")
        .arg(format!(
            ". {}\n{script}",
            common::q(apkbuild.to_str().unwrap())
        ))
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("sh: {e}"));
    assert!(
        out.status.success(),
        "sh failed ({}):\n{script}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The output file names cargo gives the crate's library and command.
fn cargo_outputs() -> (String, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let meta = host(
        &cargo,
        &[
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
            root().join("Cargo.toml").to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&meta).unwrap();
    let pkg = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "dnsshim")
        .expect("package dnsshim");
    let mut lib = None;
    let mut bin = None;
    for t in pkg["targets"].as_array().unwrap() {
        let kinds: Vec<&str> = t["kind"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|k| k.as_str())
            .collect();
        let name = t["name"].as_str().unwrap().replace('-', "_");
        if kinds.contains(&"cdylib") {
            lib = Some(format!("lib{name}.so"));
        }
        if kinds.contains(&"bin") && name == "dnsshim" {
            bin = Some(name);
        }
    }
    (
        lib.expect("a cdylib target"),
        bin.expect("a dnsshim bin target"),
    )
}

#[test]
fn apkbuild_sources_and_packages_what_the_build_produces() {
    let dir = temp_dir("apkbuild");
    // Variables and functions, as abuild reads them.
    let vars = sh(
        &dir,
        "printf '%s\\n' \"$pkgname\" \"$pkgver\" \"$license\" \"$subpackages\" \"$makedepends\"\n\
         for f in prepare build check package; do command -v $f >/dev/null || exit 3; done",
    );
    let v: Vec<&str> = vars.lines().collect();
    assert_eq!(v[0], "dnsshim");
    assert_eq!(v[1], env!("CARGO_PKG_VERSION"), "pkgver follows Cargo.toml");
    assert_eq!(v[2], "MIT OR Apache-2.0");
    assert!(v[3].split(' ').any(|s| s == "dnsshim-dev"), "{}", v[3]);
    assert!(v[4].contains("cargo-auditable"), "{}", v[4]);
    let text = fs::read_to_string(root().join("packaging/alpine/APKBUILD")).unwrap();
    let body = |f: &str| {
        let start = text
            .find(&format!("\n{f}() {{"))
            .unwrap_or_else(|| panic!("no {f}()"));
        let rest = &text[start..];
        rest[..rest.find("\n}").unwrap()].to_string()
    };
    assert!(body("prepare").contains("cargo fetch") && body("prepare").contains("--locked"));
    assert!(body("build").contains("cargo auditable build --frozen"));
    assert!(body("check").contains("cargo test --frozen"));

    // package() on a tree with what `cargo build --release` and the repository hold.
    let (lib, bin) = cargo_outputs();
    let src = dir.join("src");
    fs::create_dir_all(src.join("target/release")).unwrap();
    fs::create_dir_all(src.join("include")).unwrap();
    fs::create_dir_all(src.join("docs")).unwrap();
    fs::copy(
        shim_library(Libc::Musl),
        src.join("target/release").join(&lib),
    )
    .unwrap();
    fs::copy("/bin/true", src.join("target/release").join(&bin)).unwrap();
    for f in [
        "include/dnsshim.h",
        "dnsshim.pc.in",
        "README.md",
        "docs/deployment.md",
    ] {
        fs::copy(root().join(f), src.join(f)).unwrap();
    }
    let pkgdir = dir.join("pkg");
    sh(
        &src,
        &format!("pkgdir={}\npackage", common::q(pkgdir.to_str().unwrap())),
    );
    let usr = pkgdir.join("usr");
    assert!(usr.join("bin/dnsshim").is_file());
    let so = usr.join("lib/libdnsshim.so.0");
    assert_eq!(dynamic(&so, "SONAME"), ["libdnsshim.so.0"]);
    assert_eq!(
        fs::read_link(usr.join("lib/libdnsshim.so")).unwrap(),
        Path::new("libdnsshim.so.0")
    );
    assert!(usr.join("include/dnsshim.h").is_file());
    assert!(usr.join("share/doc/dnsshim/README.md").is_file());
    let pc = usr.join("lib/pkgconfig");
    let env = [
        ("PKG_CONFIG_PATH", pc.to_str().unwrap()),
        ("PKG_CONFIG_LIBDIR", ""),
    ];
    let get = |args: &[&str]| host_env("pkg-config", args, &env).trim().to_string();
    assert_eq!(
        get(&["--variable=preload", "dnsshim"]),
        "/usr/lib/libdnsshim.so.0"
    );
    assert_eq!(get(&["--variable=libc", "dnsshim"]), "musl");
    assert_eq!(get(&["--modversion", "dnsshim"]), env!("CARGO_PKG_VERSION"));
    // (pkg-config drops -L/usr/lib, a system directory.)
    assert!(get(&["--libs", "dnsshim"]).ends_with("-ldnsshim"));
    let _ = fs::remove_dir_all(&dir);
}
