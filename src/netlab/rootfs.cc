#include "netlab/rootfs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "netlab/command.h"

namespace cloudnet::netlab {

namespace {

namespace fs = std::filesystem;

// The host's top-level folders of binaries and libraries: bound read-only
// into every root (or, where the host has a merged-/usr symlink, the same
// symlink).
constexpr const char* kSystemDirs[] = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"};

Status io_error(const std::string& what, const std::error_code& ec) {
  return Error::io(what + ": " + ec.message());
}

// Mount points as /proc/self/mountinfo lists them (field 5, with the octal
// escapes of spaces and friends undone).
std::vector<std::string> mount_points() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string f;
    for (int i = 0; i < 5 && (fields >> f); ++i) {
    }
    std::string unescaped;
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (f[i] == '\\' && i + 3 < f.size()) {
        unescaped += static_cast<char>(std::stoi(f.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        unescaped += f[i];
      }
    }
    out.push_back(unescaped);
  }
  return out;
}

}  // namespace

Status remove_tree(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec))) return Status::Ok();
  for (const auto& m : mount_points())
    if (m == dir || m.rfind(dir + "/", 0) == 0)
      return Error::conflict("not removing " + dir + ": " + m + " is mounted in it");
  fs::remove_all(dir, ec);
  if (ec) return io_error("removing " + dir, ec);
  return Status::Ok();
}

Status build_rootfs(const std::string& dir) {
  const std::string tmp = dir + ".building";
  std::error_code ec;
  if (Status s = remove_tree(tmp); !s) return s;
  auto fail = [&](Status st) {
    (void)remove_tree(tmp);
    return Error(st.error().code,
                 "building a root filesystem in " + dir + ": " + st.error().message);
  };
  fs::create_directories(tmp, ec);
  if (ec) return fail(io_error(tmp, ec));
  for (const auto& [sub, mode] : std::vector<std::pair<const char*, fs::perms>>{
           {"root", fs::perms::owner_all},
           {"tmp", fs::perms::all | fs::perms::sticky_bit},
           {"var", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                       fs::perms::others_read | fs::perms::others_exec},
           {"var/tmp", fs::perms::all | fs::perms::sticky_bit},
           {"var/log", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec},
           {"home", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec},
           {"run", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                       fs::perms::others_read | fs::perms::others_exec},
           {"mnt", fs::perms::owner_all},
           {"proc", fs::perms::owner_all},
           {"sys", fs::perms::owner_all},
           {"dev", fs::perms::owner_all}}) {
    const std::string p = tmp + "/" + sub;
    fs::create_directories(p, ec);
    if (!ec) fs::permissions(p, mode, ec);
    if (ec) return fail(io_error(p, ec));
  }
  for (const char* d : kSystemDirs) {
    const std::string host = std::string("/") + d;
    const auto st = fs::symlink_status(host, ec);
    if (ec || !fs::exists(st)) continue;
    const std::string p = tmp + "/" + d;
    if (fs::is_symlink(st)) {
      fs::create_symlink(fs::read_symlink(host, ec), p, ec);
    } else if (fs::is_directory(st)) {
      fs::create_directory(p, ec);
    }
    if (ec) return fail(io_error(p, ec));
  }
  // The node's own configuration, from the host's.
  if (Status s = check({"cp", "-a", "/etc", tmp + "/etc"}); !s) return fail(s);
  fs::rename(tmp, dir, ec);
  if (ec) return fail(io_error("renaming " + tmp + " to " + dir, ec));
  return Status::Ok();
}

Status set_rootfs_hostname(const std::string& dir, const std::string& hostname) {
  for (const auto& [file, text] : std::vector<std::pair<std::string, std::string>>{
           {dir + "/etc/hostname", hostname + "\n"},
           {dir + "/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\t" + hostname + "\n"}}) {
    std::ofstream out(file, std::ios::trunc);
    out << text;
    if (!out) return Error::io("writing " + file);
  }
  return Status::Ok();
}

std::vector<std::string> chroot_argv(const std::string& root,
                                     const std::vector<std::string>& init) {
  // PID 1 of the node's PID and mount namespaces until the exec: the
  // mounts exist only in this (private) mount namespace.
  std::string script =
      "set -e; r=$1; shift; "
      "for d in";
  for (const char* d : kSystemDirs) {
    script += ' ';
    script += d;
  }
  script +=
      "; do if [ -d \"$r/$d\" ] && [ ! -L \"$r/$d\" ]; then "
      "mount --rbind \"/$d\" \"$r/$d\"; mount -o remount,bind,ro \"$r/$d\"; fi; done; "
      "mount -t proc proc \"$r/proc\"; mount -t sysfs sysfs \"$r/sys\"; "
      "mount --rbind /dev \"$r/dev\"; cd \"$r\"; exec chroot \"$r\" \"$@\"";
  std::vector<std::string> out = {"/bin/sh", "-c", script, "cloudnet-init", root};
  out.insert(out.end(), init.begin(), init.end());
  return out;
}

RootfsPool::RootfsPool(std::string dir, std::size_t target)
    : dir_(std::move(dir)), target_(target) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  // Roots a previous run left ready are ready now.
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string p = e.path().string();
    if (p.ends_with(".building")) {
      (void)remove_tree(p);
      continue;
    }
    ready_.push_back(p);
  }
  if (target_ > 0) thread_ = std::thread([this] { run(); });
}

RootfsPool::~RootfsPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RootfsPool::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (ready_.size() >= target_) {
      cv_.wait(lock);
      continue;
    }
    std::string p = dir_ + "/r" + std::to_string(::getpid()) + "-" + std::to_string(next_++);
    lock.unlock();
    Status st = build_rootfs(p);
    lock.lock();
    if (st.ok()) {
      ready_.push_back(std::move(p));
      cv_.notify_all();
    } else {
      // A full disk or a missing /etc: try again later, not in a loop.
      cv_.wait_for(lock, std::chrono::seconds(5));
    }
  }
}

Status RootfsPool::take(const std::string& dest, bool* pooled) {
  std::string p;
  {
    std::lock_guard lock(mu_);
    if (!ready_.empty()) {
      p = std::move(ready_.back());
      ready_.pop_back();
    }
  }
  cv_.notify_all();  // refill
  if (pooled) *pooled = !p.empty();
  if (p.empty()) return build_rootfs(dest);
  std::error_code ec;
  fs::rename(p, dest, ec);
  if (!ec) return Status::Ok();
  (void)remove_tree(p);
  if (pooled) *pooled = false;
  return build_rootfs(dest);
}

std::size_t RootfsPool::ready() const {
  std::lock_guard lock(mu_);
  return ready_.size();
}

bool RootfsPool::wait_full(int timeout_ms) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [&] { return ready_.size() >= target_; });
}

}  // namespace cloudnet::netlab
