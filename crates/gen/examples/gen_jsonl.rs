//! Writes generated rows to a file: `cargo run --release -p trawl-gen --example gen_jsonl --
//! SEED BYTES OUT` (BYTES accepts a `k`, `m` or `g` suffix). Prints `rows bytes seconds MB/s`
//! on stderr.
//!
//! A stand-in for `trawl gen` when the CLI is not built; the benchmark driver can use either.

use std::io::BufWriter;
use std::time::Instant;

fn parse_bytes(s: &str) -> u64 {
    let s = s.to_ascii_lowercase();
    let (num, mult) = match s.chars().last() {
        Some('k') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m') => (&s[..s.len() - 1], 1 << 20),
        Some('g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s.as_str(), 1),
    };
    let n: f64 = num.parse().expect("BYTES must be a number");
    (n * mult as f64) as u64
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: gen_jsonl SEED BYTES OUT");
        std::process::exit(2);
    }
    let seed: u64 = args[1].parse().expect("SEED must be an integer");
    let target = parse_bytes(&args[2]);
    let out = std::fs::File::create(&args[3])?;
    let cfg = trawl_gen::GenConfig::new(seed);
    let start = Instant::now();
    let (rows, bytes) = trawl_gen::write_until_bytes(&cfg, target, BufWriter::with_capacity(1 << 20, out))?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!("{rows} {bytes} {secs:.3} {:.1}", bytes as f64 / secs / 1e6);
    Ok(())
}
