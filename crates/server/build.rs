//! Builds the browser client in `web/` (npm and Vite) into OUT_DIR and writes the table of
//! assets that `src/assets.rs` embeds with `include_bytes!`.
//!
//! `NATTER_WEB_DIST=<dir>` skips the npm build and embeds an already built directory instead
//! (for packagers who build the web bundle in a separate step).

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Inputs of the web build; a change to any of them rebuilds the bundle.
const WEB_INPUTS: &[&str] = &[
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let web = manifest.join("../../web");
    println!("cargo:rerun-if-env-changed=NATTER_WEB_DIST");
    let dist = match env::var_os("NATTER_WEB_DIST") {
        Some(prebuilt) => PathBuf::from(prebuilt),
        None => {
            for input in WEB_INPUTS {
                println!("cargo:rerun-if-changed={}", web.join(input).display());
            }
            let dist = out.join("web-dist");
            build_web(&web, &dist);
            dist
        }
    };
    let table = asset_table(&dist);
    fs::write(out.join("web_assets.rs"), table).expect("write web_assets.rs");
}

fn build_web(web: &Path, dist: &Path) {
    if needs_install(web) {
        // `npm ci`: installs exactly what the committed lockfile lists and never writes it, so
        // a build changes no tracked file. The lockfile lists every platform's optional native
        // packages (rollup's, esbuild's); regenerate it with `npm install --package-lock-only`
        // after changing package.json, and check with `npm ci` that it is complete.
        run(web, &["ci", "--no-audit", "--no-fund"], None);
    }
    run(web, &["run", "build"], Some(dist));
}

/// An install is needed when node_modules is missing or older than the lockfile.
fn needs_install(web: &Path) -> bool {
    let modified = |p: PathBuf| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (
        modified(web.join("node_modules/.package-lock.json")),
        modified(web.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => installed < lock,
        _ => true,
    }
}

fn run(web: &Path, args: &[&str], out_dir: Option<&Path>) {
    let mut cmd = Command::new("npm");
    cmd.args(args).current_dir(web);
    if let Some(dir) = out_dir {
        cmd.env("NATTER_WEB_OUT", dir);
    }
    let status = cmd.status().unwrap_or_else(|e| {
        panic!(
            "\n\nnatter embeds its web client, and building it needs Node.js (20 or later) and \
             npm on PATH: running `npm` failed: {e}.\nInstall Node.js and npm \
             (for example `apt-get install nodejs npm`), or set NATTER_WEB_DIST to a directory \
             holding an already built web client (`npm run build` in web/).\n\n"
        )
    });
    assert!(
        status.success(),
        "\n\n`npm {}` in {} failed ({status}); see its output above.\n\n",
        args.join(" "),
        web.display()
    );
}

/// Rust source for a `&[Asset]` listing every file under `dist`.
fn asset_table(dist: &Path) -> String {
    let mut files = Vec::new();
    collect(dist, dist, &mut files);
    assert!(
        files.iter().any(|(url, _)| url == "/index.html"),
        "the web build in {} has no index.html",
        dist.display()
    );
    files.sort();
    // `x.gz` and `x.br` (written by the Vite build) are `x` compressed, not files of their own.
    let variant = |url: &str, ext: &str| {
        let wanted = format!("{url}.{ext}");
        files
            .iter()
            .find(|(u, _)| *u == wanted)
            .map_or("None".to_owned(), |(_, f)| {
                format!("Some(include_bytes!({:?}))", f.display())
            })
    };
    let mut src = String::from("pub static ASSETS: &[Asset] = &[\n");
    for (url, file) in files
        .iter()
        .filter(|(u, _)| !u.ends_with(".gz") && !u.ends_with(".br"))
    {
        writeln!(
            src,
            "    Asset {{ path: {url:?}, content_type: {:?}, body: include_bytes!({:?}), \
             gzip: {}, brotli: {} }},",
            content_type(url),
            file.display(),
            variant(url, "gz"),
            variant(url, "br"),
        )
        .expect("write to string");
    }
    src.push_str("];\n");
    src
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading the web build {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("read_dir entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let rel = path.strip_prefix(root).expect("under root");
            let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
            files.push((url, path.canonicalize().expect("canonical path")));
        }
    }
}

fn content_type(url: &str) -> &'static str {
    match url.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webmanifest" => "application/manifest+json",
        "json" => "application/json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
