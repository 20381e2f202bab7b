// docs/api/openapi.yaml and the route table must agree both ways.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "api/server.h"
#include "util.h"

namespace cloudnet::api::test {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

TEST(OpenApi, EmbeddedEqualsTheFileInDocs) {
  EXPECT_EQ(std::string(openapi_yaml()),
            read_text(std::string(CLOUDNET_SOURCE_DIR) + "/docs/api/openapi.yaml"));
}

TEST(OpenApi, EveryRouteIsDocumentedAndViceVersa) {
  YAML::Node doc = YAML::Load(std::string(openapi_yaml()));
  ASSERT_TRUE(doc["openapi"]);
  EXPECT_EQ(doc["openapi"].as<std::string>().substr(0, 2), "3.");
  std::set<std::pair<std::string, std::string>> documented;
  std::set<std::pair<std::string, std::string>> documented_public;
  for (const auto& path : doc["paths"]) {
    for (const auto& op : path.second) {
      const std::string method = op.first.as<std::string>();
      if (method == "parameters" || method == "summary" || method == "description") continue;
      documented.insert({method, path.first.as<std::string>()});
      if (op.second["security"] && op.second["security"].size() == 0) {
        documented_public.insert({method, path.first.as<std::string>()});
      }
    }
  }
  std::set<std::pair<std::string, std::string>> registered;
  std::set<std::pair<std::string, std::string>> registered_public;
  for (const auto& r : routes()) {
    registered.insert({lower(r.method), r.pattern});
    if (r.is_public) registered_public.insert({lower(r.method), r.pattern});
  }
  for (const auto& r : registered) {
    EXPECT_TRUE(documented.count(r)) << r.first << " " << r.second << " is not in openapi.yaml";
  }
  for (const auto& d : documented) {
    EXPECT_TRUE(registered.count(d))
        << d.first << " " << d.second << " is documented but not served";
  }
  EXPECT_EQ(documented_public, registered_public);
}

TEST(OpenApi, EveryRefResolves) {
  YAML::Node doc = YAML::Load(std::string(openapi_yaml()));
  std::vector<std::string> refs;
  std::function<void(const YAML::Node&)> walk = [&](const YAML::Node& n) {
    if (n.IsMap()) {
      for (const auto& kv : n) {
        if (kv.first.as<std::string>() == "$ref") refs.push_back(kv.second.as<std::string>());
        walk(kv.second);
      }
    } else if (n.IsSequence()) {
      for (const auto& x : n) walk(x);
    }
  };
  walk(doc);
  ASSERT_FALSE(refs.empty());
  for (const auto& ref : refs) {
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
    YAML::Node cur = doc;
    std::size_t pos = 2;
    while (pos <= ref.size()) {
      std::size_t slash = ref.find('/', pos);
      if (slash == std::string::npos) slash = ref.size();
      cur.reset(cur[ref.substr(pos, slash - pos)]);
      ASSERT_TRUE(cur) << "unresolved " << ref;
      pos = slash + 1;
    }
  }
}

}  // namespace
}  // namespace cloudnet::api::test
