#include "migration/registry.h"

#include <functional>
#include <string>

#include "migration/cen.h"
#include "migration/cen_k.h"
#include "migration/mix.h"
#include "migration/mix_k.h"
#include "migration/onconf.h"
#include "migration/opt.h"
#include "migration/stat.h"
#include "migration/timm.h"

namespace cloudnet::migration {
namespace {

struct Entry {
  PolicyInfo info;
  std::function<std::unique_ptr<Policy>(const PolicyParams&)> make;
};

template <class P>
std::unique_ptr<Policy> make(const PolicyParams& params) {
  return std::make_unique<P>(params);
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = {
      {{"opt", "7.3", "optimal offline dynamic program (needs the whole trace)"}, make<OptPolicy>},
      {{"mix", "7.2.1.1", "randomised online, epochs and uniform random destinations"},
       make<MixPolicy>},
      {{"cen", "7.2.2.1", "deterministic online, gravity centre of the active nodes"},
       make<CenPolicy>},
      {{"mix_k", "7.2.1.2", "MIX for k PIPs: small, large and huge epochs"}, make<MixKPolicy>},
      {{"cen_k", "7.2.2.2", "CEN for k PIPs: small, large and huge epochs"}, make<CenKPolicy>},
      {{"stat", "7.5.3", "static placement at the weighted centre"}, make<StatPolicy>},
      {{"timm", "7.5.3", "timed migration into the new zone every k rounds"}, make<TimmPolicy>},
      {{"onconf", "7.4", "multi-server MIX over configurations of up to k servers"},
       make<OnConfPolicy>},
  };
  return all;
}

}  // namespace

const std::vector<PolicyInfo>& registered_policies() {
  static const std::vector<PolicyInfo> infos = [] {
    std::vector<PolicyInfo> out;
    for (const Entry& e : entries()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

Result<std::unique_ptr<Policy>> make_policy(std::string_view name, const PolicyParams& params) {
  for (const Entry& e : entries()) {
    if (e.info.name == name) return e.make(params);
  }
  std::string known;
  for (const Entry& e : entries()) known += (known.empty() ? "" : ", ") + std::string(e.info.name);
  return Error::not_found("unknown migration policy '" + std::string(name) + "' (known: " + known +
                          ")");
}

}  // namespace cloudnet::migration
