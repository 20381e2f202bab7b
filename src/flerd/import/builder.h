// Internal to the importers: what they share. The Builder collects nodes,
// links, their Resources and Features as the source lists them and writes
// the FleRD document with generated ids at the end (see import.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "flerd/import/import.h"
#include "flerd/model.h"

namespace cloudnet::flerd::import_detail {

// Text safe to write in every form: valid UTF-8 (bad bytes become U+FFFD),
// control characters become spaces, leading and trailing blanks removed
// (the XML reader trims them, so they would not round-trip).
std::string clean_text(std::string_view s);

// clean_text(s) between two `q`s.
std::string quoted(std::string_view s, char q);

// A whole-token decimal number (optional sign, fraction, exponent); nullopt
// if the token is anything else or not finite.
std::optional<double> parse_number(std::string_view s);

// An XML NCName (ASCII subset): a letter or '_', then letters, digits, '-', '.', '_'.
bool is_ncname(std::string_view s);

// "path:line: message" (line 0: "path: message").
std::string where(const std::string& source, int line);

// Reads a whole file; an error names `what` ("weights file") and the reason.
Result<std::string> read_text_file(const std::string& path, const char* what);

// File name without folders and extension.
std::string file_stem(const std::string& path);

// One component of a hierarchical Feature value: '/' would split it.
std::string place_component(std::string_view s);

inline Status check_options(const ImportOptions& opts) {
  return check_import_options(opts);
}

class Builder {
 public:
  Builder(const ImportOptions& opts, ImportFormat format);

  const ImportOptions& options() const { return opts_; }
  bool request() const { return opts_.as_request; }

  int add_node(std::string identifier, std::optional<std::string> alias = std::nullopt);
  int add_link(int a, int b, std::string identifier,
               std::optional<std::string> alias = std::nullopt);
  std::size_t node_count() const { return nodes_.size(); }
  std::size_t link_count() const { return links_.size(); }

  // `suffix` names the Resource within its element (cpu, bw, ...).
  void node_resource(int node, const char* attribute, const char* suffix, double value,
                     const char* unit);
  void link_resource(int link, const char* attribute, const char* suffix, double value,
                     const char* unit);
  void node_feature(int node, const char* attribute, std::string value);
  bool node_has(int node, const char* attribute) const;
  bool link_has(int link, const char* attribute) const;

  // Substrate defaults for what a node / link does not have yet (nothing
  // for a request; a default of 0 adds nothing).
  void node_defaults(int node);
  void link_defaults(int link);

  // The document: one Topology labelled UL 0 (OL 0 for a request).
  // `network_name` is used unless ImportOptions::net_identifier is set.
  Result<Document> finish(const std::string& network_name, std::optional<std::string> tag);

 private:
  struct Res {
    std::string attribute;
    std::string suffix;
    double value = 0;
    std::string unit;
  };
  struct NodeRec {
    std::string identifier;
    std::optional<std::string> alias;
    std::vector<Res> resources;
    std::vector<Feature> features;
    std::vector<std::pair<int, int>> ends;  // (link, end 0/1) per incident link, in order
  };
  struct LinkRec {
    int a = 0;
    int b = 0;
    std::string identifier;
    std::optional<std::string> alias;
    std::vector<Res> resources;
  };

  std::string id(const std::string& local) const;
  Resource make_resource(const std::string& element_id, const Res& r) const;

  ImportOptions opts_;
  ImportFormat format_;
  std::vector<NodeRec> nodes_;
  std::vector<LinkRec> links_;
};

}  // namespace cloudnet::flerd::import_detail
