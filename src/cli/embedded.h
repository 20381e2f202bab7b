// Example documents compiled into the program (see cmake/embed.cmake).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace cloudnet::cli {

// (file name, content) of every file in examples/.
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_files();

// The content of one embedded example, or "" if there is none by that name.
std::string_view embedded(std::string_view name);

}  // namespace cloudnet::cli
