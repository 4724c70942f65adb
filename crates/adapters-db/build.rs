use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

// `embed_migrations!` reads the migration folders at compile time but does not
// tell cargo about them; without this, an edited migration is silently stale.
// The digest of the PostgreSQL migrations names the test suite's template
// database, so an edited migration gets a template of its own.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
    let mut hasher = DefaultHasher::new();
    hash_tree(Path::new("../../migrations/postgres"), &mut hasher);
    println!(
        "cargo:rustc-env=TOKENAUTH_POSTGRES_MIGRATIONS_DIGEST={:016x}",
        hasher.finish()
    );
}

fn hash_tree(dir: &Path, hasher: &mut DefaultHasher) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        path.file_name().hash(hasher);
        if path.is_dir() {
            hash_tree(&path, hasher);
        } else if let Ok(bytes) = std::fs::read(&path) {
            bytes.hash(hasher);
        }
    }
}
