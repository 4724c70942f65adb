// `embed_migrations!` reads the migration folders at compile time but does not
// tell cargo about them; without this, an edited migration is silently stale.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
