// Root filesystems of virtual nodes (issue 8: "a root filesystem (a minimal
// one built from the host's binaries is fine)") and the pre-allocation pool
// that keeps some ready (CloudNet paper 4.2.1: the VM image cache, clipd).
//
// A node's root is a directory <base>/<tag>/<net>.<node>/ holding what the
// node may change: a copy of the host's /etc, its own /root, /tmp, /var,
// /home and /run. The host's binaries come in read-only: at start, inside
// the node's own mount namespace, /usr (and /bin, /sbin, /lib... when they
// are directories on the host; merged-/usr symlinks are copied as symlinks)
// are bind-mounted read-only into the root, /proc and /sys mounted fresh,
// /dev bound from the host (pseudo-terminals for the console), and init
// runs chrooted there (init_argv). None of these mounts exists in the
// host's mount namespace, so removing a root never reaches the host's files
// (remove_tree refuses a tree with anything mounted in it, to be sure).
//
// Building a root copies /etc (about 1,300 files here, a quarter of a
// second): the pool builds roots ahead in a background thread, so creating a
// node takes a ready one by rename() (a few microseconds).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

namespace cloudnet::netlab {

// Where nodes' roots live by default: <this>/<tag>/...
inline constexpr const char* kRootfsBase = "/var/lib/cloudnet/lab";

// Builds a root in `dir` (which must not exist). kIo naming the path on
// failure, with what was made removed.
Status build_rootfs(const std::string& dir);
// The root's /etc/hostname and /etc/hosts for `hostname`.
Status set_rootfs_hostname(const std::string& dir, const std::string& hostname);
// Deletes a tree that has nothing mounted in it or below (checked against
// /proc/self/mountinfo). Succeeds if it does not exist.
Status remove_tree(const std::string& dir);
// The argv that runs `init` chrooted into `root` with the mounts above; to
// be run as PID 1 of a fresh PID and mount namespace (Lab::start_node).
std::vector<std::string> chroot_argv(const std::string& root, const std::vector<std::string>& init);

// Ready roots under <dir>/, kept at `target` by a background thread.
class RootfsPool {
 public:
  RootfsPool(std::string dir, std::size_t target);
  // Stops the thread; the ready roots stay (the owner's cleanup removes them).
  ~RootfsPool();
  RootfsPool(const RootfsPool&) = delete;
  RootfsPool& operator=(const RootfsPool&) = delete;

  // A ready root renamed to `dest`, or (none ready) one built there.
  // *pooled says which. `dest` must be on the same filesystem as the pool.
  Status take(const std::string& dest, bool* pooled = nullptr);
  std::size_t ready() const;
  // Blocks until `target` roots are ready or `timeout_ms` passed (tests and
  // benchmarks start from a full pool).
  bool wait_full(int timeout_ms) const;

 private:
  void run();
  const std::string dir_;
  const std::size_t target_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::string> ready_;  // paths under dir_
  std::size_t next_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cloudnet::netlab
