// Time for the store: milliseconds since the Unix epoch, from an injectable
// clock so that tests decide when tentative reservations expire.
#pragma once

#include <atomic>
#include <cstdint>

namespace cloudnet::store {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since 1970-01-01T00:00:00Z.
  virtual std::int64_t now_ms() const = 0;
};

// The system's wall clock (a process-wide instance).
const Clock& system_clock();

// A clock that moves only when told to; thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 0) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(); }
  void set(std::int64_t ms) { now_.store(ms); }
  void advance(std::int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace cloudnet::store
