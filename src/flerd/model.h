// The FleRD object model: every object and field of the XML schema in thesis
// appendix A, as plain values. Field names follow the schema so a reader of
// the thesis finds each one by its name.
//
// References between objects are document-scoped QNames (Ref<T>::id). After
// Document::resolve() each Ref also points at its target, so algorithms walk
// an object graph; a Resource referenced by several NetworkElements is one
// object. Copying a Document re-resolves the copy; after mutating a Document
// call resolve() again before following pointers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "flerd/diagnostic.h"
#include "flerd/pos.h"

namespace cloudnet::flerd {

struct ConsoleInterface;
struct GraphLabel;
struct NetworkElement;
struct NetworkInterface;
struct Resource;

// A reference by id to another object of the same document.
template <class T>
struct Ref {
  std::string id;
  const T* target = nullptr;  // set by Document::resolve(); null if dangling
  Pos pos;                    // where the reference was written

  bool resolved() const { return target != nullptr; }
  friend bool operator==(const Ref& a, const Ref& b) { return a.id == b.id; }
};

// appendix A: ConsoleInterface (root level). How to reach an element's console.
struct ConsoleInterface {
  std::string id;
  std::string address;
  std::string transport_protocol;
  std::int64_t port = 0;
  std::string username;
  std::string password;
  Pos pos;

  bool operator==(const ConsoleInterface&) const = default;
};

enum class GraphType { OL, ML, UL };  // overlay, mapping layer, underlay (thesis 4.3.2)
const char* to_string(GraphType t);
std::optional<GraphType> graph_type_from_string(std::string_view s);

// appendix A: GraphLabel. Identifies one layer description, e.g. OL1 or ML0.
struct GraphLabel {
  std::string id;
  std::string role_identifier;
  GraphType graph_type = GraphType::OL;
  std::int64_t graph_nr = 0;
  std::optional<std::string> tag;
  std::optional<std::string> net_identifier;
  Pos pos;

  // "OL1", "ML0", ...
  std::string short_name() const;
  bool operator==(const GraphLabel&) const = default;
};

// appendix A: Feature. A property that is not an amount (thesis 4.3.1): a
// predicate; Features with the same attribute form a disjunction (white
// list); an attribute under /not/ is a black list.
struct Feature {
  std::string attribute;
  std::string value;
  std::int64_t priority = 0;
  bool request_flag = false;
  Pos pos;

  bool operator==(const Feature&) const = default;
};

// appendix A: Resource. An amount, possibly shared by several elements.
struct Resource {
  std::string id;
  std::optional<std::string> identifier;
  std::optional<std::string> alias;
  std::string attribute;
  double value = 0;
  std::optional<std::string> resource_unit;
  std::optional<std::string> value_type;  // e.g. minimum, maximum, constant
  std::optional<double> confidence;
  std::optional<std::int64_t> confidence_interval;
  std::optional<std::string> time_unit;
  std::optional<std::string> composing_operation;  // e.g. sum, minimum
  bool request_flag = false;
  std::optional<std::string> timestamp;
  Pos pos;

  bool operator==(const Resource&) const = default;
};

// appendix A: NetworkInterface, owned by one NetworkElement.
struct NetworkInterface {
  // The schema allows several ids (maxOccurs unbounded); the first is the
  // primary one, the others are further names of the same interface.
  std::string id;
  std::vector<std::string> extra_ids;
  std::string identifier;
  std::optional<std::string> alias;
  std::string ni_type;
  std::optional<Ref<NetworkInterface>> connectedInterface;
  std::vector<Ref<NetworkInterface>> hostedNetworkInterface;
  std::vector<Ref<NetworkInterface>> hostingNetworkInterface;
  std::vector<Ref<Resource>> resource;
  std::vector<Feature> features;
  Pos pos;

  bool operator==(const NetworkInterface&) const = default;
};

// appendix A: NetworkElement, a node or a link (thesis 4.3.1: links are
// elements too, so shared media are elements with many interfaces).
struct NetworkElement {
  std::string id;
  std::string identifier;
  std::optional<std::string> alias;
  std::string ne_type;
  std::optional<Ref<GraphLabel>> graphLabel;
  std::vector<Ref<NetworkElement>> hostedNetworkElement;
  std::vector<Ref<NetworkElement>> hostingNetworkElement;
  std::vector<Ref<Resource>> resource;
  std::vector<Feature> features;
  std::vector<NetworkInterface> networkInterfaces;
  std::optional<Ref<ConsoleInterface>> customerConsoleInterface;
  std::optional<Ref<ConsoleInterface>> providerConsoleInterface;
  Pos pos;

  bool is_link() const;  // ne_type under /link
  bool is_node() const;  // ne_type under /node
  bool operator==(const NetworkElement&) const = default;
};

// appendix A: Constraint inside a ConstraintGroup (thesis 4.3.1, 5.5.6).
struct Constraint {
  std::string attribute;
  std::optional<std::string> value;
  std::string relation;  // e.g. equals, distinct
  std::int64_t priority = 0;
  Pos pos;

  bool operator==(const Constraint&) const = default;
};

// appendix A: ConstraintGroup: binds at least two elements to Constraints.
struct ConstraintGroup {
  std::vector<Ref<NetworkElement>> networkElement;
  std::vector<Constraint> constraints;
  Pos pos;

  bool operator==(const ConstraintGroup&) const = default;
};

// appendix A: Topology, one graph (layer) of the document.
struct Topology {
  std::optional<GraphLabel> graphLabel;
  std::vector<NetworkElement> networkElements;
  std::vector<Resource> resources;
  std::vector<ConstraintGroup> constraintGroups;
  Pos pos;

  bool operator==(const Topology&) const = default;
};

// appendix A: ResourceMapping (root level): how much of hostingResource
// hosts hostedResource (thesis 4.3.1, Figure 4.2).
struct ResourceMapping {
  std::optional<double> value;
  std::optional<std::string> resource_unit;
  std::optional<double> confidence;
  std::optional<std::int64_t> confidence_interval;
  std::optional<std::string> time_unit;
  Ref<Resource> hostedResource;
  Ref<Resource> hostingResource;
  Pos pos;

  bool operator==(const ResourceMapping&) const = default;
};

// appendix A: root.
class Document {
 public:
  Document() = default;
  Document(const Document& other);
  Document& operator=(const Document& other);
  Document(Document&&) noexcept = default;
  Document& operator=(Document&&) noexcept = default;
  ~Document() = default;

  // XML namespace declarations of the root (prefix -> URI); QName ids such
  // as "p:c1n1o0h1" use these prefixes. Kept so documents round-trip.
  std::map<std::string, std::string> namespaces;
  // Other attributes of the root element (e.g. xsi:noNamespaceSchemaLocation).
  std::map<std::string, std::string> root_attributes;

  std::vector<ConsoleInterface> consoleInterfaces;
  std::vector<Topology> topologies;
  std::vector<ResourceMapping> resourceMappings;

  // The file the document was read from ("" if built in memory).
  std::string source_name;

  // Points every Ref at its target and every interface at its owner, and
  // reports dangling references, references to the wrong kind of object and
  // duplicate ids. Pointers stay valid until the document is changed.
  Diagnostics resolve();

  // Lookups by id after resolve(); null if no such object.
  const NetworkElement* element(std::string_view id) const;
  const NetworkInterface* interface(std::string_view id) const;
  const Resource* resource(std::string_view id) const;
  const GraphLabel* graph_label(std::string_view id) const;
  const ConsoleInterface* console_interface(std::string_view id) const;

  // The topology whose GraphLabel is graph_type/graph_nr (e.g. UL 0), if any.
  const Topology* find_topology(GraphType type, std::int64_t nr) const;

  // The element that owns an interface, after resolve().
  const NetworkElement* owner_of(const NetworkInterface& ni) const;

  // Total number of objects (elements, interfaces, resources, ...).
  std::size_t object_count() const;

  // Equal when every schema field is equal; source positions and resolved
  // pointers do not count.
  friend bool operator==(const Document& a, const Document& b);

 private:
  // Rebuilt by resolve(); raw pointers into the vectors above.
  std::map<std::string, const NetworkElement*, std::less<>> elements_;
  std::map<std::string, const NetworkInterface*, std::less<>> interfaces_;
  std::map<std::string, const Resource*, std::less<>> resources_;
  std::map<std::string, const GraphLabel*, std::less<>> labels_;
  std::map<std::string, const ConsoleInterface*, std::less<>> consoles_;
  std::map<const NetworkInterface*, const NetworkElement*> owners_;
};

}  // namespace cloudnet::flerd
