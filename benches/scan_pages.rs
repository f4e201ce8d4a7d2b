//! Makes the filled, lightly degraded 300 dpi answer-sheet pages that
//! `benches/scan.sh` stacks up for the scanning benchmark. It reuses the
//! scan tests' own page maker so the benchmark reads the same kind of pages
//! the tests prove are read right.
//!
//! With `--photos`, it makes the phone photos of the scan tests instead
//! (for `benches/scan_photos.sh`).
//!
//! Usage: `cargo bench --bench scan_pages -- [--photos] OUT_DIR`

#[allow(dead_code, unused_imports)]
#[path = "../tests/scan.rs"]
mod scan_tests;

fn main() {
    // `cargo bench` adds `--bench` after the arguments given.
    let args: Vec<std::ffi::OsString> = std::env::args_os()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.as_slice() {
        [out] => scan_tests::make_benchmark_pages(std::path::Path::new(out)),
        [flag, out] if flag == "--photos" => {
            scan_tests::make_benchmark_photos(std::path::Path::new(out))
        }
        _ => {
            eprintln!("usage: cargo bench --bench scan_pages -- [--photos] OUT_DIR");
            std::process::exit(2);
        }
    }
}
