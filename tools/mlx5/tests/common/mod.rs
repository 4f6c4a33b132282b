// SPDX-License-Identifier: GPL-2.0

//! What the tests against the kernel tree share: where the tree is, and
//! which of its files describe mlx5 commands.

use std::path::{
    Path,
    PathBuf, //
};

/// The kernel tree `fwctl-apicheck` finds (`FWCTL_KERNEL_SRC`, else the
/// fetched source in the cache).
pub fn kernel_source() -> PathBuf {
    fwctl_apicheck::kernel_source().unwrap_or_else(|e| panic!("{e}"))
}

/// A file of the tree, which must be there.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `include/linux/mlx5/*.h`, sorted.
pub fn mlx5_headers(ksrc: &Path) -> Vec<PathBuf> {
    let headers = ksrc.join("include/linux/mlx5");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&headers)
        .unwrap_or_else(|e| panic!("{}: {e}", headers.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "h"))
        .collect();
    files.sort();
    files
}

/// The kernel's mlx5 fwctl driver, which names a few opcodes and the
/// command headers itself.
pub fn mlx5_fwctl_driver(ksrc: &Path) -> PathBuf {
    ksrc.join("drivers/fwctl/mlx5/main.c")
}
