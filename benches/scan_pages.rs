//! Makes the filled, lightly degraded 300 dpi answer-sheet pages that
//! `benches/scan.sh` stacks up for the scanning benchmark. It reuses the
//! scan tests' own page maker so the benchmark reads the same kind of pages
//! the tests prove are read right.
//!
//! Usage: `cargo bench --bench scan_pages -- OUT_DIR`

#[allow(dead_code, unused_imports)]
#[path = "../tests/scan.rs"]
mod scan_tests;

fn main() {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: cargo bench --bench scan_pages -- OUT_DIR");
        std::process::exit(2);
    };
    scan_tests::make_benchmark_pages(std::path::Path::new(&out));
}
