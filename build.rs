// Rebuild when migrations or templates change, so the embedded copies stay current.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=askama.toml");
}
