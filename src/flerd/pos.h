#pragma once

namespace cloudnet::flerd {

// Where an object was written in its source document (1-based; 0 = unknown).
// Positions never make two objects different.
struct Pos {
  int line = 0;
  int column = 0;
  friend bool operator==(const Pos&, const Pos&) { return true; }
};

}  // namespace cloudnet::flerd
