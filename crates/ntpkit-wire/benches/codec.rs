//! Placeholder until the codec benches land.
fn main() {}
