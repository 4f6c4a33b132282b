// SPDX-License-Identifier: GPL-2.0
/*
 * Export glue for fwctl_selfcheck_peer: the function is written in Rust
 * (peer.rs); only the EXPORT_SYMBOL macro needs C.
 */
#include <linux/export.h>

int fwctl_selfcheck_peer_pid(void);
EXPORT_SYMBOL_NS_GPL(fwctl_selfcheck_peer_pid, "FWCTL_SELFCHECK");
